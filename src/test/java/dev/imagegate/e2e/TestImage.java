package dev.imagegate.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A one-layer Linux image holding just what trivy reads to find the distribution and its installed
 * packages, with package versions that the fixture DB in {@code e2e/fixtures/db} marks vulnerable or fixed.
 */
record TestImage(String repository, Map<String, String> files) {

    static TestImage alpine(String repository, String release, Map<String, String> packages) {
        StringBuilder installed = new StringBuilder();
        packages.forEach((name, version) -> installed.append("P:").append(name).append('\n')
                .append("V:").append(version).append('\n')
                .append("A:x86_64\n")
                .append("o:").append(origin(name)).append("\n\n"));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/alpine-release", release + "\n");
        files.put("lib/apk/db/installed", installed.toString());
        return new TestImage(repository, files);
    }

    static TestImage debian(String repository, String release, Map<String, String> packages) {
        StringBuilder status = new StringBuilder();
        packages.forEach((name, version) -> status.append("Package: ").append(name).append('\n')
                .append("Status: install ok installed\n")
                .append("Architecture: amd64\n")
                .append("Source: ").append(origin(name)).append('\n')
                .append("Version: ").append(version).append("\n\n"));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("etc/debian_version", release + "\n");
        files.put("var/lib/dpkg/status", status.toString());
        return new TestImage(repository, files);
    }

    /** The source package a binary package is built from, which is what advisories are filed under. */
    private static String origin(String binaryPackage) {
        return switch (binaryPackage) {
            case "libcrypto3", "libssl3" -> "openssl";
            case "libexpat1" -> "expat";
            default -> binaryPackage;
        };
    }
}

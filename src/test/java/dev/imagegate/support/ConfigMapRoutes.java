package dev.imagegate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Route files laid out as the kubelet mounts a ConfigMap: each file a symlink into {@code ..data}, itself a symlink. */
public final class ConfigMapRoutes {

    private static final List<String> FILES = List.of("review.yaml", "alerts.yaml");

    private final Path directory;
    private final Map<String, String> shipped;
    private int version = 1;

    private ConfigMapRoutes(Path directory, Map<String, String> shipped) {
        this.directory = directory;
        this.shipped = shipped;
    }

    static ConfigMapRoutes of(Path routes) {
        try {
            Path dir = Files.createTempDirectory("routes-configmap-");
            Path first = Files.createDirectory(dir.resolve("..v1"));
            Map<String, String> shipped = new LinkedHashMap<>();
            for (String name : FILES) {
                shipped.put(name, Files.readString(routes.resolve(name)));
                Files.copy(routes.resolve(name), first.resolve(name));
                Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
            }
            Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
            return new ConfigMapRoutes(dir, shipped);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path directory() {
        return directory;
    }

    /** The content of a shipped route file. */
    public String shipped(String name) {
        return shipped.get(name);
    }

    /** Writes a new ConfigMap version and swaps {@code ..data} to it, as the kubelet does. */
    public synchronized void update(String review, String alerts) {
        try {
            Path next = Files.createDirectory(directory.resolve("..v" + ++version));
            Files.writeString(next.resolve("review.yaml"), review);
            Files.writeString(next.resolve("alerts.yaml"), alerts);
            Path link = Files.createSymbolicLink(directory.resolve("..data_tmp"), next.getFileName());
            Files.move(link, directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts the shipped files back. */
    public void restore() {
        update(shipped("review.yaml"), shipped("alerts.yaml"));
    }
}

package dev.imagegate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.imagegate.support.Ports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Debian's docker-registry (the CNCF distribution registry) on loopback, with images pushed over the OCI
 * distribution API as any client would push them; optionally asking every client for a username and password.
 */
final class LocalRegistry implements AutoCloseable {

    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    private final ServerProcess process;
    private final String host;
    private final Login login;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * A username and password the registry asks for (HTTP basic, its htpasswd file).
     *
     * @param htpasswd the htpasswd line for them: docker-registry takes bcrypt hashes only
     */
    record Login(String username, String password, String htpasswd) {
    }

    private LocalRegistry(ServerProcess process, String host, Login login) {
        this.process = process;
        this.host = host;
        this.login = login;
    }

    static LocalRegistry start(Path registry, Path workDir) throws IOException, InterruptedException {
        return start(registry, workDir, null);
    }

    /** A registry that answers only clients presenting {@code login}, or anyone when it is null. */
    static LocalRegistry start(Path registry, Path workDir, Login login) throws IOException, InterruptedException {
        int port = Ports.free();
        Path config = workDir.resolve("registry.yml");
        String auth = "";
        if (login != null) {
            Path htpasswd = workDir.resolve("htpasswd");
            Files.writeString(htpasswd, login.htpasswd() + "\n");
            auth = """
                    auth:
                      htpasswd:
                        realm: e2e
                        path: %s
                    """.formatted(htpasswd);
        }
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(Files.createDirectories(workDir.resolve("registry-data")), port) + auth);
        ServerProcess process = ServerProcess.start("docker-registry",
                List.of(registry.toString(), "serve", config.toString()), Map.of(), workDir);
        String host = "127.0.0.1:" + port;
        process.awaitHttp(URI.create("http://" + host + "/v2/"), login == null ? 200 : 401, Duration.ofSeconds(30));
        return new LocalRegistry(process, host, login);
    }

    /** host:port, as it appears in image references. */
    String host() {
        return host;
    }

    /** The image's reference in this registry, by tag or by {@code sha256:} digest, as a pod spec names it. */
    String reference(TestImage image, String tagOrDigest) {
        return host + "/" + image.repository() + (tagOrDigest.startsWith("sha256:") ? "@" : ":") + tagOrDigest;
    }

    /** Pushes the image under {@code tag} and returns its manifest digest. */
    String push(TestImage image, String tag) throws IOException, InterruptedException {
        byte[] layerTar = TarArchive.of(image.files());
        byte[] layer = gzip(layerTar);
        byte[] config = json.writeValueAsBytes(Map.of(
                "architecture", "amd64",
                "os", "linux",
                "config", Map.of(),
                "rootfs", Map.of("type", "layers", "diff_ids", List.of(digest(layerTar)))));
        uploadBlob(image.repository(), layer);
        uploadBlob(image.repository(), config);
        byte[] manifest = json.writeValueAsBytes(Map.of(
                "schemaVersion", 2,
                "mediaType", MANIFEST,
                "config", descriptor("application/vnd.oci.image.config.v1+json", config),
                "layers", List.of(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer))));
        HttpResponse<String> put = http.send(request(url("/v2/" + image.repository() + "/manifests/" + tag))
                .header("Content-Type", MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
                HttpResponse.BodyHandlers.ofString());
        expect(put, 201);
        return put.headers().firstValue("Docker-Content-Digest").orElse(digest(manifest));
    }

    private void uploadBlob(String repository, byte[] blob) throws IOException, InterruptedException {
        HttpResponse<String> start = http.send(request(url("/v2/" + repository + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        expect(start, 202);
        String location = start.headers().firstValue("Location").orElseThrow();
        URI upload = URI.create("http://" + host).resolve(location);
        String separator = upload.getQuery() == null ? "?" : "&";
        HttpResponse<String> put = http.send(request(URI.create(upload + separator + "digest=" + digest(blob)))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
        expect(put, 201);
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (login != null) {
            String basic = login.username() + ":" + login.password();
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }

    private static Map<String, Object> descriptor(String mediaType, byte[] content) {
        return Map.of("mediaType", mediaType, "digest", digest(content), "size", content.length);
    }

    private URI url(String path) {
        return URI.create("http://" + host + path);
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri()
                    + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    static String digest(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        process.close();
    }
}

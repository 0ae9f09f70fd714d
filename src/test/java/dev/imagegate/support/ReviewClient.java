package dev.imagegate.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

/** Talks to a running ImageGate over real HTTP, the way kube-apiserver's webhook client does. */
public final class ReviewClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final IntSupplier reviewPort;
    private final IntSupplier managementPort;

    /** A client for ImageGate's review port and its management (actuator) port. */
    public ReviewClient(int reviewPort, int managementPort) {
        this(() -> reviewPort, () -> managementPort);
    }

    /** The same, for ports known only once the servers have started. */
    public ReviewClient(IntSupplier reviewPort, IntSupplier managementPort) {
        this.reviewPort = reviewPort;
        this.managementPort = managementPort;
    }

    /** The body kube-apiserver 1.28-1.33 sends for a pod with these images (1.34 sends {@code "metadata":{}}). */
    public static String imageReview(String namespace, String... images) {
        String containers = Arrays.stream(images).map(image -> "{\"image\":\"" + image + "\"}").collect(Collectors.joining(","));
        return "{\"kind\":\"ImageReview\",\"apiVersion\":\"imagepolicy.k8s.io/v1alpha1\",\"metadata\":{\"creationTimestamp\":null},"
                + "\"spec\":{" + (images.length == 0 ? "" : "\"containers\":[" + containers + "],")
                + "\"namespace\":\"" + namespace + "\"},\"status\":{\"allowed\":false}}\n";
    }

    /** Reviews a pod in namespace {@code default} and returns the answer's {@code status}. */
    public JsonNode review(String... images) {
        HttpResponse<String> response = post(imageReview("default", images));
        if (response.statusCode() != 200) {
            throw new AssertionError("HTTP " + response.statusCode() + ": " + response.body());
        }
        return json(response.body()).get("status");
    }

    public HttpResponse<String> post(String body) {
        return send(request("/scan?timeout=30s").header("Content-Type", "application/json")
                .header("Accept", "application/json, */*").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** POSTs an AdmissionReview to {@code /validate} or {@code /mutate} on the review port, as the API server does. */
    public HttpResponse<String> admit(String path, Object admissionReview) {
        return send(request(path + "?timeout=15s").header("Content-Type", "application/json")
                .header("Accept", "application/json, */*").POST(HttpRequest.BodyPublishers.ofString(admissionReview.toString())).build());
    }

    public int reviewPort() {
        return reviewPort.getAsInt();
    }

    /** A request to the review port. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + reviewPort.getAsInt() + path));
    }

    /** A request to the management (actuator) port. */
    public HttpRequest.Builder actuatorRequest(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort.getAsInt() + path));
    }

    /** A GET of the actuator, on the management port. */
    public HttpResponse<String> actuator(String path) {
        return send(actuatorRequest(path).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends and keeps the answer's bytes as they came, e.g. still gzipped. */
    public HttpResponse<byte[]> sendForBytes(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return http.send(request, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}

package dev.imagegate.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/** What an operator's Prometheus scrapes from {@code /actuator/prometheus}, read over real HTTP. */
public final class Metrics {

    private static final String PATH = "/actuator/prometheus";

    private final Supplier<HttpResponse<String>> scrape;

    public Metrics(int managementPort) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + PATH)).GET().build();
        this.scrape = () -> {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        };
    }

    /** Through the client's management port, as the HTTP tests read the actuator. */
    public Metrics(ReviewClient client) {
        this.scrape = () -> client.actuator(PATH);
    }

    /** The value of one series, e.g. {@code imagegate_alerts_failed_total{sink="slack"}}; 0 when it is not there yet. */
    public double value(String series) {
        return scrape().lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim())).orElse(0.0);
    }

    public String scrape() {
        HttpResponse<String> response = scrape.get();
        if (response.statusCode() != 200) {
            throw new AssertionError("HTTP " + response.statusCode() + " from " + response.uri());
        }
        return response.body();
    }
}

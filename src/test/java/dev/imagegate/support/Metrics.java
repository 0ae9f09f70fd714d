package dev.imagegate.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.io.UncheckedIOException;

/** What an operator's Prometheus scrapes from {@code /actuator/prometheus}, read over real HTTP. */
public final class Metrics {

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI scrape;

    public Metrics(int managementPort) {
        this.scrape = URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus");
    }

    /** The value of one series, e.g. {@code imagegate_alerts_failed_total{sink="slack"}}; 0 when it is not there yet. */
    public double value(String series) {
        return scrape().lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim())).orElse(0.0);
    }

    public String scrape() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(scrape).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError("HTTP " + response.statusCode() + " from " + scrape);
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.imagegate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The Grafana dashboard shows what an operator watches, each panel on the data source chosen at import. */
class DashboardTest {

    private static final JsonNode DASHBOARD = read();

    /** What the dashboard must show, and the series that shows it (MonitoringSeriesTest checks that the app exports it). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            reviews by decision                  | imagegate_reviews_total
            review latency percentiles           | imagegate_review_duration_seconds_bucket
            pending verdicts                     | imagegate_verdicts_pending_total
            429s                                 | imagegate_reviews_rejected_total
            reviews in flight                    | imagegate_reviews_in_flight
            scans by outcome                     | imagegate_scans_total
            scan duration                        | imagegate_scan_duration_seconds
            cache hit ratio                      | imagegate_scan_cache_total
            tag lookups by outcome               | imagegate_tag_lookups_total
            tag moves                            | imagegate_tag_moves_total
            signature checks by result           | imagegate_signature_checks_total
            queue depth                          | imagegate_scans_queued
            scans running                        | imagegate_scans_in_flight
            vulnerability DB age                 | imagegate_trivy_db_age_seconds
            policy reload failures               | imagegate_policy_reloads_total
            route reload failures                | imagegate_routes_reloads_total
            alerts sent                          | imagegate_alerts_sent_total
            alerts dropped                       | imagegate_alerts_dropped_total
            alerts dead-lettered                 | imagegate_alerts_failed_total
            """)
    void aPanelShows(String what, String series) {
        assertThat(queries()).as(what).anyMatch(query -> SeriesSelector.in(query).stream().anyMatch(s -> s.metric().equals(series)));
    }

    @Test
    void everyPanelHasATitleADescriptionAndTheChosenDataSource() {
        for (JsonNode panel : panels()) {
            assertThat(panel.path("title").asText()).isNotBlank();
            if (!panel.path("type").asText().equals("row")) {
                assertThat(panel.path("description").asText()).as(panel.path("title").asText()).isNotBlank();
                assertThat(panel.at("/datasource/uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
                assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            }
        }
        assertThat(DASHBOARD.at("/templating/list/0/type").asText()).isEqualTo("datasource");
        assertThat(DASHBOARD.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
    }

    @Test
    void panelsHaveUniqueIdsAndDoNotOverlap() {
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        for (JsonNode panel : panels()) {
            assertThat(ids.add(panel.path("id").asInt())).as("id %s", panel.path("id")).isTrue();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(panel.path("title").asText()).isLessThanOrEqualTo(24);
            for (int x = grid.path("x").asInt(); x < grid.path("x").asInt() + grid.path("w").asInt(); x++) {
                for (int y = grid.path("y").asInt(); y < grid.path("y").asInt() + grid.path("h").asInt(); y++) {
                    assertThat(cells.add(x + "," + y)).as("%s overlaps another panel at %s,%s", panel.path("title").asText(), x, y).isTrue();
                }
            }
        }
    }

    private static List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : DASHBOARD.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    private static List<String> queries() {
        return panels().stream().flatMap(panel -> panel.path("targets").findValuesAsText("expr").stream()).toList();
    }

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(Path.of("deploy/grafana/imagegate.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

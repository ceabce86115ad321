package io.streamformer.app.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.app.BundledModels;
import io.streamformer.app.StreamFormerApp;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.deploy.DeployChecks.Endpoint;
import io.streamformer.app.deploy.DeployChecks.Kind;
import io.streamformer.app.ops.OpsServer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.streamformer.app.config.StreamFormerConfig.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real app, started with deploy/config/streamformer.properties (the tiny bundled model, no reachable
 * broker, a free HTTP port): the paths that probes, healthchecks and scrape annotations use must be served
 * with the meaning they are used for, and the Grafana dashboard may only query series the app exports.
 */
class OpsEndpointsTest {
    static final String DASHBOARD = "deploy/grafana/streamformer-dashboard.json";

    @TempDir
    static Path stateDir;
    static StreamFormerApp app;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startTheApp() throws IOException {
        Properties props = DeployFiles.properties(DeployFiles.read(DeployFiles.path("deploy/config/streamformer.properties")));
        props.setProperty(MODEL_DIR, BundledModels.extract(BundledModels.TINY_MARIAN).toString());
        props.setProperty(HTTP_PORT, "0");
        props.setProperty(HTTP_HOST, "127.0.0.1");
        props.setProperty(SHUTDOWN_TIMEOUT_MS, "5000");
        props.setProperty(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.setProperty(StreamsConfig.APPLICATION_ID_CONFIG, "deploy-check-" + ProcessHandle.current().pid());
        // a port nobody listens on: the app runs, Kafka Streams never gets past REBALANCING
        try (ServerSocket s = new ServerSocket(0)) {
            props.setProperty(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + s.getLocalPort());
        }
        props.setProperty("reconnect.backoff.ms", "5000");
        props.setProperty("reconnect.backoff.max.ms", "5000");
        app = StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "deploy check"));
    }

    @AfterAll
    static void stopTheApp() {
        if (app != null) {
            app.close();
        }
    }

    record Response(int status, String body) {
    }

    static Response get(String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + app.httpPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Liveness paths answer 200 although Kafka is unreachable (a broker outage must not restart every pod);
     * readiness paths answer 503 while Kafka Streams is not RUNNING; metrics paths answer Prometheus text.
     */
    static List<String> endpointProblems(List<Endpoint> endpoints) {
        assertThat(app.streams().state()).isNotEqualTo(KafkaStreams.State.RUNNING);
        List<String> problems = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Response r = get(e.path());
            boolean ok = switch (e.kind()) {
                case LIVENESS -> r.status() == 200;
                case READINESS -> r.status() == 503;
                case METRICS -> r.status() == 200 && r.body().contains("# TYPE ");
            };
            if (!ok) {
                problems.add(e.origin() + ": " + e.kind() + " endpoint " + e.path() + " answers " + r.status()
                        + " while the app is alive and not RUNNING: " + r.body().lines().findFirst().orElse(""));
            }
        }
        return problems;
    }

    @Test
    void every_probe_healthcheck_and_scrape_path_is_served_with_its_meaning() {
        List<Endpoint> endpoints = Deployments.allEndpoints();
        assertThat(endpoints).extracting(Endpoint::kind).contains(Kind.LIVENESS, Kind.READINESS, Kind.METRICS);
        assertThat(DeployChecks.pathProblems(endpoints)).isEmpty();
        assertThat(endpointProblems(endpoints)).isEmpty();
    }

    @Test
    void the_endpoint_check_catches_a_wrong_path_and_swapped_probes() {
        List<Endpoint> wrong = List.of(
                new Endpoint("typo", Kind.LIVENESS, 8080, "/healthz"),
                new Endpoint("swapped", Kind.READINESS, 8080, OpsServer.LIVENESS_PATH),
                new Endpoint("swapped", Kind.LIVENESS, 8080, OpsServer.READINESS_PATH),
                new Endpoint("scrape", Kind.METRICS, 8080, OpsServer.LIVENESS_PATH));
        assertThat(endpointProblems(wrong)).hasSize(4);
        assertThat(DeployChecks.pathProblems(wrong)).hasSize(4);
    }

    /** The value of a series (name and labels exactly as scraped), or null when it is not there. */
    static Double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " "))
                .map(l -> Double.valueOf(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(null);
    }

    @Test
    void request_counters_read_zero_before_the_first_request_and_jvm_metrics_are_there() {
        Response scrape = get(OpsServer.METRICS_PATH);
        assertThat(scrape.status()).isEqualTo(200);
        String body = scrape.body();
        assertThat(value(body, "streamformer_requests_accepted_total")).isEqualTo(0.0);
        assertThat(value(body, "streamformer_requests_resumed_total")).isEqualTo(0.0);
        for (String reason : List.of("eos", "length", "error")) {
            assertThat(value(body, "streamformer_requests_completed_total{finish_reason=\"" + reason + "\"}"))
                    .as(reason).isEqualTo(0.0);
        }
        for (String kind : List.of("undecodable", "unknown_schema", "invalid_input", "invalid_parameters")) {
            assertThat(value(body, "streamformer_dead_letters_total{kind=\"" + kind + "\"}")).as(kind).isEqualTo(0.0);
        }
        Set<String> series = exportedSeries(body);
        // memory, garbage collection, threads, CPU
        assertThat(series).contains("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                "jvm_gc_live_data_size_bytes", "jvm_threads_live_threads", "process_cpu_usage", "system_cpu_count");
    }

    // ---------------------------------------------------------------- Grafana

    /** Series names in Prometheus text (the app's /metrics). */
    static Set<String> exportedSeries(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static final Set<String> PROMQL_WORDS = Set.of("sum", "avg", "min", "max", "count", "rate", "irate",
            "increase", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "histogram_quantile", "topk", "bottomk", "delta", "deriv", "clamp_min", "clamp_max", "abs", "label_values",
            "max_over_time", "min_over_time", "avg_over_time", "offset", "bool", "time", "vector", "scalar", "le",
            "inf", "nan", "changes", "resets");

    /** The metric names a PromQL expression (or a Grafana label_values(...) query) reads. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"[^\"]*\"", "\"\"")        // strings
                .replaceAll("\\{[^}]*}", " ")                     // label matchers
                .replaceAll("\\[[^]]*]", " ")                     // ranges ([5m], [$__rate_interval])
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ")
                .replaceAll("\\$\\w+", " ");                      // Grafana variables
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(s);
        while (m.find()) {
            String word = m.group();
            String rest = s.substring(m.end()).stripLeading();
            boolean call = rest.startsWith("(");
            boolean labelArgument = s.substring(0, m.start()).matches("(?s).*label_values\\([^,)]*,\\s*$");
            if (!call && !labelArgument && !PROMQL_WORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                names.add(word);
            }
        }
        return names;
    }

    static List<String> dashboardQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            List<JsonNode> all = new ArrayList<>(List.of(panel));
            panel.path("panels").forEach(all::add); // rows may nest panels
            for (JsonNode p : all) {
                p.path("targets").forEach(t -> {
                    if (t.has("expr")) {
                        queries.add(t.path("expr").asText());
                    }
                });
            }
        }
        for (JsonNode v : dashboard.at("/templating/list")) {
            JsonNode q = v.path("query");
            String text = q.isObject() ? q.path("query").asText() : q.asText();
            if ("query".equals(v.path("type").asText()) && !text.isEmpty()) {
                queries.add(text);
            }
        }
        return queries;
    }

    static List<String> dashboardProblems(JsonNode dashboard, Set<String> exported) {
        List<String> problems = new ArrayList<>();
        for (String q : dashboardQueries(dashboard)) {
            for (String name : metricNames(q)) {
                if (!exported.contains(name)) {
                    problems.add(DASHBOARD + ": " + name + " (in " + q + ") is no series the app exports");
                }
            }
        }
        return problems;
    }

    @Test
    void the_dashboard_queries_only_series_the_app_exports() throws IOException {
        Response scrape = get(OpsServer.METRICS_PATH);
        assertThat(scrape.status()).isEqualTo(200);
        // every series of a fresh instance, the request counters included (registered at start)
        Set<String> exported = exportedSeries(scrape.body());
        JsonNode dashboard = DeployFiles.JSON.readTree(DeployFiles.path(DASHBOARD).toFile());
        List<String> queries = dashboardQueries(dashboard);
        assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
        assertThat(dashboardProblems(dashboard, exported)).isEmpty();
        // Kafka Streams' own series are part of it
        assertThat(queries).anyMatch(q -> q.contains("kafka_stream_"));

        ObjectNode broken = dashboard.deepCopy();
        ((ObjectNode) broken.at("/panels/1/targets/0")).put("expr", "sum(rate(streamformer_tokens_generated[5m]))");
        assertThat(dashboardProblems(broken, exported)).anyMatch(p -> p.contains("streamformer_tokens_generated "));
    }

    @Test
    void promql_names_are_found_without_functions_labels_or_variables() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le) (rate(a_bucket{job=~\"$job\"}[$__rate_interval])))"))
                .containsExactly("a_bucket");
        assertThat(metricNames("sum by (instance) (rate(x_total[5m])) / ignoring(kind) y{a=\"b\"}"))
                .containsExactly("x_total", "y");
        assertThat(metricNames("label_values(streamformer_steps_total, instance)")).containsExactly("streamformer_steps_total");
    }
}

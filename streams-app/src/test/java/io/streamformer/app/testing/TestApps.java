package io.streamformer.app.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static io.streamformer.app.config.StreamFormerConfig.*;

/** Configurations of the app for the integration tests: small batches, short intervals, the tiny model. */
public final class TestApps {
    private TestApps() {
    }

    /** Topics named {@code <prefix>-in}, {@code -out}, {@code -dlq}. */
    public static Properties config(String bootstrapServers, String applicationId, String topicPrefix) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("application.id", applicationId);
        p.put("state.dir", tempDir("streamformer-it-state-").toString());
        p.put("commit.interval.ms", "100");
        p.put("num.stream.threads", "1");
        // a replaced or killed member leaves the group after 10 s instead of Kafka's default 45 s
        p.put("session.timeout.ms", "10000");
        p.put(MODEL_DIR, TinyModel.dir().toString());
        p.put(INPUT_TOPIC, topicPrefix + "-in");
        p.put(OUTPUT_TOPIC, topicPrefix + "-out");
        p.put(DLQ_TOPIC, topicPrefix + "-dlq");
        p.put(BATCH_MAX_REQUESTS, "4");
        p.put(BATCH_MAX_SEQUENCES, "8");
        p.put(QUEUE_MAX_REQUESTS, "4");
        p.put(REQUEST_MAX_NEW_TOKENS, "63");
        p.put(EMIT_INTERVAL_MS, "10");
        p.put(CHECKPOINT_INTERVAL_MS, "100");
        p.put(HTTP_PORT, "-1");
        return p;
    }

    public static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET on localhost; returns the status and the body. */
    public static HttpResponse<String> get(int port, String path) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of a metric's samples (every tag combination) in Prometheus' text format; 0 when it is absent. */
    public static double metric(String prometheus, String name) {
        return prometheus.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}

package io.streamformer.app.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operations endpoints on the JDK's HTTP server:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format (Kafka Streams' metrics and the app's own);</li>
 *   <li>{@code GET /health/live}: 200 while the process works (inference thread alive, Kafka Streams not
 *       failed), 503 otherwise: restart me;</li>
 *   <li>{@code GET /health/ready}: 200 while Kafka Streams is RUNNING (not starting, rebalancing or
 *       restoring), 503 otherwise.</li>
 * </ul>
 * Both health endpoints answer with a one-line reason.
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);

    /** Prometheus text format of every meter (Kafka Streams', the app's, JVM and CPU). */
    public static final String METRICS_PATH = "/metrics";
    /** 200 while the process works, 503 when it should be restarted. */
    public static final String LIVENESS_PATH = "/health/live";
    /** 200 while Kafka Streams is RUNNING, 503 otherwise. */
    public static final String READINESS_PATH = "/health/ready";

    /** A health verdict and why. */
    public record Health(boolean ok, String reason) {
    }

    private final HttpServer server;

    private OpsServer(HttpServer server) {
        this.server = server;
    }

    public static OpsServer start(String host, int port, PrometheusMeterRegistry registry, Supplier<Health> liveness,
                                  Supplier<Health> readiness) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext(METRICS_PATH, ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.createContext(LIVENESS_PATH, ex -> health(ex, liveness.get()));
        server.createContext(READINESS_PATH, ex -> health(ex, readiness.get()));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "streamformer-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        LOG.info("Operations endpoints on http://{}:{} ({}, {}, {})", host, server.getAddress().getPort(),
                METRICS_PATH, LIVENESS_PATH, READINESS_PATH);
        return new OpsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange ex, Health h) throws IOException {
        respond(ex, h.ok() ? 200 : 503, "text/plain; charset=utf-8", (h.ok() ? "UP: " : "DOWN: ") + h.reason() + "\n");
    }

    private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

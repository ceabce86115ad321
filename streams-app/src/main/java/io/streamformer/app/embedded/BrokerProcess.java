package io.streamformer.app.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka broker in a child process ({@code streamformer broker} in its own JVM), as users deploy one: apart from
 * the app, with its own CPU and memory. It keeps its ports and data directory across {@link #stop()} and
 * {@link #start()}, so the fault tests can restart it, kill it ({@link #kill()}: SIGKILL) or freeze it
 * ({@link #pause()}: SIGSTOP) as a disk or network stall would.
 */
public final class BrokerProcess implements AutoCloseable {
    private final Path dataDir;
    private final Path log;
    private final int port;
    private final int controllerPort;
    private final Map<String, String> settings;
    private Process process;

    private BrokerProcess(Path dataDir, int port, int controllerPort, Map<String, String> settings) {
        this.dataDir = dataDir;
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.port = port;
        this.controllerPort = controllerPort;
        this.settings = Map.copyOf(settings);
    }

    /**
     * Attempts at a first start, each on new free ports and a new data directory: another process may take a port
     * between its choice and the broker's bind, and a failed first start leaves nothing a second one depends on.
     */
    private static final int START_ATTEMPTS = 3;

    /** Starts a broker on free ports with a new data directory under {@code workDir}. */
    public static BrokerProcess start(Path workDir, Map<String, String> settings) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int attempt = 1; ; attempt++) {
            Path dataDir = workDir.resolve(attempt == 1 ? "kafka-data" : "kafka-data-" + attempt);
            BrokerProcess b = new BrokerProcess(dataDir, EmbeddedKafkaBroker.freePort(),
                    EmbeddedKafkaBroker.freePort(), settings);
            try {
                b.start();
                return b;
            } catch (IllegalStateException e) {
                b.kill();
                if (attempt == START_ATTEMPTS) {
                    throw e;
                }
                System.err.println("broker: start " + attempt + " of " + START_ATTEMPTS + " failed (" + e.getMessage()
                        + "); starting again on new ports");
            }
        }
    }

    /** The last lines of the child's output, for error messages that outlive its temporary directory. */
    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no broker log: " + e.getMessage() + ")";
        }
    }

    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The child's output (the broker's log). */
    public Path logFile() {
        return log;
    }

    /** Starts the broker process (again, on the same ports and data) and waits until it takes requests. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is running already");
        }
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                "io.streamformer.app.cli.StreamFormerCli", "broker", "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort), "--data-dir", dataDir.toString()));
        settings.forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the broker process", e);
        }
        awaitReady(Duration.ofSeconds(90));
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the broker process exited with " + process.exitValue()
                            + " (see " + log + "); its last lines:\n" + logTail());
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the broker did not come up within " + timeout.toSeconds()
                                + " s (see " + log + ")", e);
                    }
                }
            }
        }
    }

    /** SIGTERM: a clean shutdown; waits until the process has exited. */
    public synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor(Duration.ofSeconds(60));
        }
    }

    /** SIGKILL: the broker dies on the spot, as in a crash or an OOM kill. */
    public synchronized void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }
    }

    /** SIGSTOP: the broker freezes (no I/O, no timers) until {@link #resume()}, as in a long disk or network stall. */
    public synchronized void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** CPU seconds the broker process has used (user + system), from /proc; NaN where /proc is not available. */
    public synchronized double cpuSeconds() {
        return process == null ? Double.NaN : ProcessCpu.seconds(process.pid());
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("the broker is not running");
        }
        try {
            int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed with " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Stops the broker; its data directory stays (the caller owns the work directory). */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            try {
                resume(); // a paused process does not act on SIGTERM
            } catch (RuntimeException ignored) {
                // not paused or already gone
            }
        }
        stop();
    }
}

package io.streamformer.app.testing;

import io.streamformer.app.cli.StreamFormerCli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code streamformer run --config FILE} in a child JVM started from the test class path, so that a test can
 * kill it the hard way ({@link #kill()}: SIGKILL) or stop it the polite way ({@link #terminate()}: SIGTERM).
 */
public final class ChildApp implements AutoCloseable {
    private final Process process;
    private final Path log;

    private ChildApp(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    public static ChildApp run(Path configFile, Map<String, String> env) {
        return run(configFile, env, List.of());
    }

    /** With extra JVM options, e.g. {@code -Dlogback.configurationFile=...}. */
    public static ChildApp run(Path configFile, Map<String, String> env, List<String> jvmOptions) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx512m"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath, StreamFormerCli.class.getName(), "run", "--config",
                configFile.toString()));
        try {
            Path log = Files.createTempFile("streamformer-child-", ".log");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            return new ChildApp(pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a child JVM", e);
        }
    }

    /** SIGKILL: no shutdown hook, no commit, no cleanup. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits for the exit; returns the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the app did not stop within 60 s of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    /** Waits at most {@code timeout} for the process to exit by itself; its exit code, or null if it still runs. */
    public Integer awaitExit(java.time.Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}

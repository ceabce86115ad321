package io.streamformer.app.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.app.cli.StreamFormerCli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One run of the command line in this JVM, with what it wrote to standard output and error. */
public record CliRun(int exitCode, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs {@code streamformer ARGS} with both streams captured. */
    public static CliRun execute(String... args) {
        return execute(false, args);
    }

    /**
     * Runs {@code streamformer ARGS} with both streams captured; with {@code echo} they are also written to the
     * real streams afterwards, so that long runs (demo, kafka-bench) leave their story in the test log.
     */
    public static CliRun execute(boolean echo, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliRun run;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = StreamFormerCli.execute(args);
            run = new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        if (echo) {
            oldOut.print(run.out());
            oldErr.print(run.err());
        }
        return run;
    }

    /** Standard output's lines, empty ones included. */
    public List<String> lines() {
        return out.lines().toList();
    }

    /** Standard output's non-blank lines as JSON. */
    public List<JsonNode> jsonLines() throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (!l.isBlank()) {
                lines.add(JSON.readTree(l));
            }
        }
        return lines;
    }
}

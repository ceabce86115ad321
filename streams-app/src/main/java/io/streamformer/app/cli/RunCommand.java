package io.streamformer.app.cli;

import io.streamformer.app.StreamFormerApp;
import io.streamformer.app.config.StreamFormerConfig;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code streamformer run --config FILE}: the standalone Kafka Streams app. Runs until SIGTERM / Ctrl-C
 * (graceful: Kafka Streams commits and closes, unfinished requests stay in the store) or until Kafka Streams
 * fails (exit code 1).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the Kafka Streams app: consumes InferenceRequest records, emits InferenceResult records.",
                "FILE is a Java properties file: streamformer.* keys are the app's own (see streams-app/README.md),"
                        + " every other key goes to Kafka Streams (bootstrap.servers, application.id, state.dir, ...).",
                "Environment variables override it: STREAMFORMER_MODEL_DIR for streamformer.model.dir,"
                        + " STREAMFORMER_KAFKA_BOOTSTRAP_SERVERS for bootstrap.servers, and so on."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        StreamFormerApp app;
        try {
            app = StreamFormerApp.start(StreamFormerConfig.load(config, System.getenv()));
        } catch (ConfigException e) { // ours, or Kafka Streams' own validation of its settings
            throw new IllegalArgumentException(config + ": " + e.getMessage(), e);
        }
        // SIGTERM and Ctrl-C run this hook: a graceful close
        Thread hook = new Thread(app::close, "streamformer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean failed = app.awaitStop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            app.close(); // Kafka Streams stopped by itself: tidy up the rest
        } catch (IllegalStateException shuttingDown) {
            // the hook is closing the app
        }
        if (failed) {
            System.err.println("streamformer: Kafka Streams stopped after a failure"
                    + (app.failureReason() != null ? ": " + app.failureReason() : " (see the log above)"));
        }
        return failed ? 1 : 0;
    }
}

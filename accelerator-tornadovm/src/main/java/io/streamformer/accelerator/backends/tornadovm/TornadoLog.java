package io.streamformer.accelerator.backends.tornadovm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backend's messages: INFO lines through SLF4J, and verbose details on stderr when asked for. */
final class TornadoLog {
    /** When "true", weight packing, new graph shapes, plan builds and arena growth are logged to stderr. */
    static final String VERBOSE_PROPERTY = "streamformer.tornadovm.verbose";

    private static final Logger LOG = LoggerFactory.getLogger(TornadoBackend.class);

    private TornadoLog() {
    }

    static void info(String message) {
        LOG.info(message);
    }

    static void verbose(String format, Object... args) {
        if (Boolean.getBoolean(VERBOSE_PROPERTY)) {
            System.err.printf("tornadovm: " + format + "%n", args);
        }
    }
}

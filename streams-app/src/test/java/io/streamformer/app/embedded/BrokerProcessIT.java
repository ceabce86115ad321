package io.streamformer.app.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A broker child process that cannot start: each first start is tried on new ports and a new data directory, and
 * the error after the last one carries the end of the broker's own log, which the temporary directory outlives
 * nowhere else (CI keeps only the test output).
 */
class BrokerProcessIT {

    @Test
    void aBrokerThatCannotStartIsReportedWithTheEndOfItsLog(@TempDir Path work) {
        assertThatThrownBy(() -> BrokerProcess.start(work, Map.of("num.network.threads", "0")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the broker process exited")
                .hasMessageContaining("num.network.threads");
        assertThat(Files.exists(work.resolve("kafka-data.log"))).isTrue();
        assertThat(Files.exists(work.resolve("kafka-data-3.log"))).isTrue();
    }
}

package io.streamformer.app;

import io.streamformer.app.testing.CliRun;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamformer kafka-bench --text}: sentences through Kafka as text requests, next to the engine alone. */
class KafkaBenchIT {
    @Test
    void textRequestsGoThroughKafkaAndAreCompared() {
        CliRun run = CliRun.execute(true, "kafka-bench", "--model", TextModel.dir().toString(), "--text",
                "--requests", "6", "--warmup", "2", "--repeat", "1", "--new-tokens", "4", "--batch", "2",
                "--partitions", "2");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("sentences sent as text").contains("engine.generate").contains("through Kafka")
                .contains("best of 1");
    }
}

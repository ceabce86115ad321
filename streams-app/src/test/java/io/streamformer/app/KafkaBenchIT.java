package io.streamformer.app;

import io.streamformer.app.testing.CliRun;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streamformer kafka-bench} against a broker in its own process: sentences through Kafka as text requests
 * next to the engine alone (every result compared with the engine's), and the open-loop mode (every request
 * answered exactly once). No speed is asserted: that is what the bench reports.
 */
class KafkaBenchIT {
    @Test
    void aBurstOfTextRequestsGetsTheEnginesResultsThroughKafka() {
        CliRun run = CliRun.execute(true, "kafka-bench", "--model", TextModel.dir().toString(), "--text",
                "--requests", "6", "--warmup", "2", "--repeat", "1", "--new-tokens", "4", "--batch", "2",
                "--partitions", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("sentences sent as text", "broker in a child process", "engine.generate",
                "through Kafka", "CPU app", "broker ", "best of 1");
        assertThat(run.out()).contains("results identical to engine.generate's: 6 of 6");
    }

    @Test
    void theOpenLoopAnswersEveryRequestOnce() {
        CliRun run = CliRun.execute(true, "kafka-bench", "--model", TextModel.dir().toString(), "--text",
                "--warmup", "2", "--new-tokens", "4", "--batch", "4", "--partitions", "2", "--rate", "10",
                "--duration", "3");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("open loop: 30 requests at 10.0/s for 3 s: 30 answered, 0 lost, 0 duplicated")
                .contains("p50", "p99", "max");
    }
}

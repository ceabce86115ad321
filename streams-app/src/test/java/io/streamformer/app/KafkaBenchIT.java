package io.streamformer.app;

import io.streamformer.app.cli.StreamFormerCli;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamformer kafka-bench --text}: sentences through Kafka as text requests, next to the engine alone. */
class KafkaBenchIT {
    @Test
    void textRequestsGoThroughKafkaAndAreCompared() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = StreamFormerCli.execute("kafka-bench", "--model", TextModel.dir().toString(), "--text",
                    "--requests", "6", "--warmup", "2", "--repeat", "1", "--new-tokens", "4", "--batch", "2",
                    "--partitions", "2");
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        out.print(printed);
        assertThat(exit).isZero();
        assertThat(printed).contains("sentences sent as text").contains("engine.generate").contains("through Kafka")
                .contains("best of 1");
    }
}

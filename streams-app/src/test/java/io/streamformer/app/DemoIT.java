package io.streamformer.app;

import io.streamformer.app.cli.StreamFormerCli;
import org.junit.jupiter.api.Test;

import io.streamformer.app.testing.TextModel;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamformer demo}: brings up its own broker, answers every sample request, reports the bad one, exits 0. */
class DemoIT {
    record Run(int exit, String printed) {
    }

    private static Run demo(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = StreamFormerCli.execute(args);
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        out.print(printed);
        return new Run(exit, printed);
    }

    @Test
    void theDemoRunsEndToEndAndExitsByItself() {
        Run run = demo("demo", "--requests", "6", "--model", BundledModels.TINY_MARIAN);
        assertThat(run.exit()).isZero();
        assertThat(run.printed()).contains("[ 6/6]").contains("[dead letter]").contains("UNDECODABLE")
                .contains("[demo] done");
        for (int i = 1; i <= 6; i++) {
            assertThat(run.printed()).contains(String.format("demo-%02d", i));
        }
    }

    @Test
    void withATokenizerTheDemoSendsSentencesAsTextAndPrintsTheResultsText() {
        Run run = demo("demo", "--requests", "3", "--model", TextModel.dir().toString());
        assertThat(run.exit()).isZero();
        assertThat(run.printed()).contains("[ 3/3]").contains("[demo] done").contains("UNDECODABLE")
                .doesNotContain("INVALID_INPUT", "INVALID_PARAMETERS");
        // each English sentence, then the output as text (the tiny model's is nonsense, but text, not ids)
        assertThat(run.printed()).containsPattern("in  The weather is nice today\\.\\n\\s+out [^\\[]")
                .contains("in  Where is the train station?").contains("in  I would like a cup of coffee.");
    }
}

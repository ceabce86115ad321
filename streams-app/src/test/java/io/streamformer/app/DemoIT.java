package io.streamformer.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.app.testing.CliRun;
import io.streamformer.app.testing.EnEsReference;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamformer demo}: brings up its own broker, answers every sample request, reports the bad one, exits 0. */
class DemoIT {
    private static CliRun demo(String... args) {
        return CliRun.execute(true, args);
    }

    @Test
    void theDemoRunsEndToEndAndExitsByItself() {
        CliRun run = demo("demo", "--requests", "6", "--model", BundledModels.TINY_MARIAN);
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("[ 6/6]").contains("[dead letter]").contains("UNDECODABLE")
                .contains("[demo] done");
        for (int i = 1; i <= 6; i++) {
            assertThat(run.out()).contains(String.format("demo-%02d", i));
        }
    }

    @Test
    void withATokenizerTheDemoSendsSentencesAsTextAndPrintsTheResultsText() {
        CliRun run = demo("demo", "--requests", "3", "--model", TextModel.dir().toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("[ 3/3]").contains("[demo] done").contains("UNDECODABLE")
                .doesNotContain("INVALID_INPUT", "INVALID_PARAMETERS");
        // each English sentence, then the output as text (the tiny model's is nonsense, but text, not ids)
        assertThat(run.out()).containsPattern("in  The weather is nice today\\.\\n\\s+out [^\\[]")
                .contains("in  Where is the train station?").contains("in  I would like a cup of coffee.");
    }

    @Test
    void byDefaultTheDemoTranslatesEnglishToSpanishWithTheBundledModel() {
        CliRun run = demo("demo", "--requests", "4");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("with model en-es").contains("[ 4/4]").contains("[demo] done");
        // demo-01 and demo-04 are greedy: their output is PyTorch's greedy translation of the same sentence
        // (tools/default-model/make_reference.py --sentences tools/default-model/demo-sentences.txt)
        Map<String, String> pytorch = new HashMap<>();
        for (JsonNode row : EnEsReference.rows("/models/en-es-demo-reference.jsonl")) {
            pytorch.put(row.path("text").asText(), row.path("greedy_text").asText());
        }
        for (String english : List.of("The weather is nice today.", "The children are playing in the garden.")) {
            String spanish = pytorch.get(english);
            assertThat(spanish).as("PyTorch reference for " + english).isNotBlank().isNotEqualTo(english);
            assertThat(run.out()).containsPattern(Pattern.quote("in  " + english) + "\\n\\s+out "
                    + Pattern.quote(spanish) + "  \\(eos");
        }
    }
}

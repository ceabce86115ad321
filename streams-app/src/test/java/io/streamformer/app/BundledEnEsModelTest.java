package io.streamformer.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.Translator;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.app.testing.EnEsReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The bundled English→Spanish model (fp16 weights) against tools/default-model/make_reference.py: 20 held-out
 * sentences tokenized, decoded greedily and with 4 beams by the plain-PyTorch Marian of tools/torch_marian.py.
 * The Java tokenizer, engine and detokenizer must give the same ids, the same beam scores and the same text.
 */
class BundledEnEsModelTest {
    private static final int MAX_NEW_TOKENS = 64;   // as make_reference.py
    private static List<JsonNode> reference;
    private static Engine engine;
    private static Translator translator;

    @BeforeAll
    static void load() {
        assertThat(BundledModels.exists(BundledModels.EN_ES)).as("models/en-es is bundled").isTrue();
        engine = Engine.load(BundledModels.extract(BundledModels.EN_ES), new JvmBackend(2), ProgressListener.NONE);
        translator = Translator.of(engine);
        reference = EnEsReference.rows();
        assertThat(reference).hasSize(20);
    }

    @AfterAll
    static void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private static GenerationParams params(int beams) {
        return engine.generationConfig().resolve(new GenerationOverrides(MAX_NEW_TOKENS, null, beams, null, null,
                null, null, null, null, null));
    }

    private static List<int[]> sources() {
        return reference.stream().map(r -> translator.tokenizer().encode(r.get("text").asText())).toList();
    }

    @Test
    void theTokenizerGivesTheReferenceInputIds() {
        List<int[]> sources = sources();
        for (int i = 0; i < reference.size(); i++) {
            assertThat(sources.get(i)).as(reference.get(i).get("text").asText())
                    .containsExactly(EnEsReference.ints(reference.get(i).get("input_ids")));
        }
    }

    @Test
    void greedyDecodingMatchesPyTorchAloneAndInOnePaddedBatch() {
        List<int[]> sources = sources();
        List<GenerationResult> batched = engine.generate(sources, params(1), sources.size(), null);
        for (int i = 0; i < reference.size(); i++) {
            JsonNode row = reference.get(i);
            int[] expected = EnEsReference.ints(row.get("greedy"));
            int[] alone = engine.generate(List.of(sources.get(i)), params(1), 1, null).get(0).sequence();
            assertThat(alone).as("alone: " + row.get("text").asText()).containsExactly(expected);
            assertThat(batched.get(i).sequence()).as("batched: " + row.get("text").asText())
                    .containsExactly(expected);
            assertThat(translator.decode(alone)).isEqualTo(row.get("greedy_text").asText());
        }
    }

    @Test
    void beamSearchMatchesPyTorchSequencesAndScores() {
        List<GenerationResult> results = engine.generate(sources(), params(4), 8, null);
        for (int i = 0; i < reference.size(); i++) {
            JsonNode row = reference.get(i);
            assertThat(results.get(i).sequence()).as(row.get("text").asText())
                    .containsExactly(EnEsReference.ints(row.get("beam4")));
            assertThat(results.get(i).score()).as(row.get("text").asText())
                    .isCloseTo(row.get("beam4_score").asDouble(), within(1e-4));
        }
    }

    @Test
    void translateGivesTheReferenceTextForTheEnglishSentences() {
        List<String> texts = reference.stream().map(r -> r.get("text").asText()).toList();
        List<String> expected = reference.stream().map(r -> r.get("greedy_text").asText()).toList();
        assertThat(translator.translate(texts, params(1), 8)).containsExactlyElementsOf(expected);
    }
}

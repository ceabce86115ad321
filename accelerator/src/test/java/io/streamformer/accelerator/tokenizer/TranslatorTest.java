package io.streamformer.accelerator.tokenizer;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.Translator;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.models.marian.MarianCheckpointWriter;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.format.DType;
import io.streamformer.accelerator.format.ModelFormatException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The text-to-text facade on a tiny random-weight model that has the en-es vocabulary: the translations
 * are nonsense, but they must be the engine's output for the tokenizer's input, decoded, in input order.
 */
class TranslatorTest {
    private static final int VOCAB = 10783;   // entries in en-es/vocab.json
    private static final int MAX_POSITIONS = 64;

    @TempDir
    static Path tmp;
    private static Engine engine;
    private static Translator translator;
    private static GenerationParams params;

    @BeforeAll
    static void createModel() throws IOException {
        Path dir = modelWithTokenizer("tiny-en-es", VOCAB);
        engine = Engine.load(dir, new JvmBackend(2), ProgressListener.NONE);
        translator = Translator.of(engine);
        params = engine.generationConfig().resolve(new GenerationOverrides(8, null, 1, null, null, null, null,
                null, null, null));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static Path modelWithTokenizer(String name, int vocab) throws IOException {
        Path dir = tmp.resolve(name);
        var shape = new MarianCheckpointWriter.Shape(vocab, 16, 1, 1, 2, 32, "swish", MAX_POSITIONS);
        MarianCheckpointWriter.writeRandom(shape, dir, DType.F32, 7, 0.5, ProgressListener.NONE);
        for (String file : List.of("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")) {
            Files.copy(ReferenceFiles.enEs().resolve(file), dir.resolve(file));
        }
        return dir;
    }

    @Test
    void translationsAreTheDecodedGenerationsInInputOrder() {
        List<String> texts = List.of("The cat sat on the mat.", "", "a small dog", "   ");
        List<String> out = translator.translate(texts, params, 2);
        assertThat(out).hasSize(4);
        assertThat(out.get(1)).isEmpty();
        assertThat(out.get(3)).isEmpty();
        for (int i : new int[] {0, 2}) {
            int[] ids = translator.tokenizer().encode(texts.get(i));
            int[] sequence = engine.generate(List.of(ids), params, 1, null).get(0).sequence();
            assertThat(out.get(i)).isEqualTo(translator.decode(sequence));
        }
    }

    @Test
    void aTextLongerThanTheModelCanReadIsRejectedByNumber() {
        String longText = "word ".repeat(MAX_POSITIONS * 2);
        assertThatThrownBy(() -> translator.translate(List.of("fine", longText), params, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("text 2: the text is ")
                .hasMessageContaining("the model reads at most " + MAX_POSITIONS);
    }

    @Test
    void aTokenizerWhoseIdsDoNotFitTheModelIsRefused() throws IOException {
        Path dir = modelWithTokenizer("small-vocab", 500);
        try (Engine small = Engine.load(dir, new JvmBackend(1), ProgressListener.NONE)) {
            assertThatThrownBy(() -> Translator.of(small)).isInstanceOf(ModelFormatException.class)
                    .hasMessage("vocab.json has ids up to 10782 but the model's vocabulary has 500 entries");
        }
    }
}

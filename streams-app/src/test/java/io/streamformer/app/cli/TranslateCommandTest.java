package io.streamformer.app.cli;

import io.streamformer.accelerator.models.marian.MarianCheckpointWriter;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.format.DType;
import io.streamformer.app.testing.CliRun;
import io.streamformer.app.testing.EnEsReference;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code translate} on a tiny random-weight model with the en-es tokenizer of the accelerator's test
 * resources: the translations are nonsense, but their number, order and the error lines are the contract.
 */
class TranslateCommandTest {
    @TempDir
    static Path tmp;
    private static Path model;

    @BeforeAll
    static void createModel() {
        model = TextModel.dir();
    }

    private static CliRun run(String... args) {
        return CliRun.execute(args);
    }

    @Test
    void printsOneTranslationPerSentenceArgumentsFirstThenFileLines() throws IOException {
        Path input = tmp.resolve("sentences.txt");
        Files.writeString(input, "a small dog\n\nthe act of saying farewell\n");
        CliRun r = run("translate", "--model", model.toString(), "--max-new-tokens", "6", "--batch-size", "2",
                "the act of saying farewell", "--input", input.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).hasSize(4);
        assertThat(r.lines().get(2)).isEmpty();                 // an empty line stays an empty line
        assertThat(r.lines().get(3)).isEqualTo(r.lines().get(0)); // same sentence, same translation
    }

    @Test
    void aBundledModelIsNamedInsteadOfADirectory() {
        // the first sentence of the PyTorch reference (BundledEnEsModelTest checks all of them)
        var row = EnEsReference.rows().get(0);
        CliRun r = run("translate", "--model", "en-es", row.get("text").asText());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).containsExactly(row.get("greedy_text").asText());
    }

    @Test
    void acceptsBeamSearch() {
        CliRun r = run("translate", "--model", model.toString(), "--beams", "3", "--max-new-tokens", "5", "a small dog");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).hasSize(1);
    }

    @Test
    void aModelWithoutTokenizerFilesIsOneLineError() throws IOException {
        Path bare = tmp.resolve("bare");
        MarianCheckpointWriter.writeRandom(MarianCheckpointWriter.TINY, bare, DType.F32, 1, 0.02, ProgressListener.NONE);
        CliRun r = run("translate", "--model", bare.toString(), "hello");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("streamformer: " + bare + " has no tokenizer files (source.spm, "
                + "target.spm, vocab.json missing): translate needs a Marian tokenizer; use generate to feed token ids");
    }

    @Test
    void nothingToTranslateIsOneLineError() {
        CliRun r = run("translate", "--model", model.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip())
                .isEqualTo("streamformer: nothing to translate: give the text as arguments or --input FILE");
    }
}

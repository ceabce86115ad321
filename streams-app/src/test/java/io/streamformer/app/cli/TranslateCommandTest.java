package io.streamformer.app.cli;

import io.streamformer.accelerator.models.MarianCheckpointWriter;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.tensors.DType;
import io.streamformer.app.testing.TextModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code translate} on a tiny random-weight model with the en-es tokenizer of the accelerator's test
 * resources: the translations are nonsense, but their number, order and the error lines are the contract.
 */
class TranslateCommandTest {
    @TempDir
    static Path tmp;
    private static Path model;

    record Run(int exitCode, List<String> lines, String err) {
    }

    @BeforeAll
    static void createModel() {
        model = TextModel.dir();
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = StreamFormerCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8).lines().toList(),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void printsOneTranslationPerSentenceArgumentsFirstThenFileLines() throws IOException {
        Path input = tmp.resolve("sentences.txt");
        Files.writeString(input, "a small dog\n\nthe act of saying farewell\n");
        Run r = run("translate", "--model", model.toString(), "--max-new-tokens", "6", "--batch-size", "2",
                "the act of saying farewell", "--input", input.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).hasSize(4);
        assertThat(r.lines().get(2)).isEmpty();                 // an empty line stays an empty line
        assertThat(r.lines().get(3)).isEqualTo(r.lines().get(0)); // same sentence, same translation
    }

    @Test
    void aBundledModelIsNamedInsteadOfADirectory() throws IOException {
        // the first sentence of the PyTorch reference (BundledEnEsModelTest checks all of them)
        var row = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Files.readAllLines(Path.of("src/test/resources/models/en-es-reference.jsonl")).get(0));
        Run r = run("translate", "--model", "en-es", row.get("text").asText());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).containsExactly(row.get("greedy_text").asText());
    }

    @Test
    void acceptsBeamSearch() {
        Run r = run("translate", "--model", model.toString(), "--beams", "3", "--max-new-tokens", "5", "a small dog");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.lines()).hasSize(1);
    }

    @Test
    void aModelWithoutTokenizerFilesIsOneLineError() throws IOException {
        Path bare = tmp.resolve("bare");
        MarianCheckpointWriter.writeRandom(MarianCheckpointWriter.TINY, bare, DType.F32, 1, 0.02, ProgressListener.NONE);
        Run r = run("translate", "--model", bare.toString(), "hello");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("streamformer: " + bare + " has no tokenizer files (source.spm, "
                + "target.spm, vocab.json missing): translate needs a Marian tokenizer; use generate to feed token ids");
    }

    @Test
    void nothingToTranslateIsOneLineError() {
        Run r = run("translate", "--model", model.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip())
                .isEqualTo("streamformer: nothing to translate: give the text as arguments or --input FILE");
    }
}

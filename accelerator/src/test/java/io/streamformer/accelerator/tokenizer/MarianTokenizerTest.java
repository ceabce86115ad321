package io.streamformer.accelerator.tokenizer;

import io.streamformer.accelerator.format.ModelFormatException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** MarianTokenizer's rules beyond the reference lines, and its errors for broken model directories. */
class MarianTokenizerTest {
    private static MarianTokenizer tokenizer;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        tokenizer = MarianTokenizer.load(ReferenceFiles.enEs());
    }

    @Test
    void encodingEndsWithEosAndDecodingRoundTrips() {
        int[] ids = tokenizer.encode("The cat sat on the mat.");
        assertThat(ids[ids.length - 1]).isEqualTo(tokenizer.eosTokenId()).isZero();
        assertThat(tokenizer.decode(ids)).isEqualTo("The cat sat on the mat.");
        assertThat(tokenizer.encode("")).containsExactly(tokenizer.eosTokenId());
        assertThat(tokenizer.padTokenId()).isEqualTo(tokenizer.vocabSize() - 1);
    }

    @Test
    void leadingLanguageCodeIsOneToken() {
        assertThat(tokenizer.tokenize(">>es<< Hello")).first().isEqualTo(">>es<<");
        assertThat(tokenizer.tokenize("Hello >>es<<")).doesNotContain(">>es<<");
        // the en-es vocabulary has no language codes, so the code reads as <unk>
        assertThat(tokenizer.encode(">>es<< Hello")[0]).isEqualTo(tokenizer.unkTokenId());
    }

    @Test
    void decodingSkipsSpecialTokensAndIdsOutsideTheVocabulary() {
        int[] hello = tokenizer.encode("Hello");
        int[] generated = new int[hello.length + 2];
        generated[0] = tokenizer.padTokenId();   // decoder_start_token_id
        System.arraycopy(hello, 0, generated, 1, hello.length);
        generated[generated.length - 1] = tokenizer.padTokenId();
        assertThat(tokenizer.decode(generated)).isEqualTo("Hello");
        assertThat(tokenizer.decode(new int[] {tokenizer.unkTokenId()})).isEmpty();
        // transformers 4.x reads an unknown id as <unk>, which skip_special_tokens then drops
        assertThat(tokenizer.decode(new int[] {hello[0], 1_000_000, tokenizer.vocabSize() + 5, hello[0]}))
                .isEqualTo(tokenizer.decode(new int[] {hello[0], hello[0]}));
    }

    @Test
    void isSafeToShareBetweenThreads() {
        List<String> texts = IntStream.range(0, 2000).mapToObj(i -> "sentence number " + i + " of many").toList();
        List<String> sequential = texts.stream().map(t -> Arrays.toString(tokenizer.encode(t))).toList();
        List<String> parallel = texts.parallelStream().map(t -> Arrays.toString(tokenizer.encode(t))).toList();
        assertThat(parallel).isEqualTo(sequential);
    }

    @Test
    void tokenizerConfigIsOptionalAndItsCleanUpFlagIsHonoured() throws IOException {
        Path dir = copyOfEnEs();
        Files.delete(dir.resolve("tokenizer_config.json"));
        int[] ids = tokenizer.encode("it 's here .");
        assertThat(MarianTokenizer.load(dir).decode(ids)).isEqualTo("it 's here .");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"clean_up_tokenization_spaces\": true}");
        assertThat(MarianTokenizer.load(dir).decode(ids)).isEqualTo("it's here.");
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path dir = copyOfEnEs();
        Files.delete(dir.resolve("target.spm"));
        Files.delete(dir.resolve("vocab.json"));
        assertThat(MarianTokenizer.missingFiles(dir)).containsExactly("target.spm", "vocab.json");
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessage(dir + " has no Marian tokenizer: target.spm, vocab.json are missing");
    }

    @Test
    void damagedSentencePieceModelIsReportedInOneLine() throws IOException {
        Path dir = copyOfEnEs();
        byte[] model = Files.readAllBytes(dir.resolve("source.spm"));
        Files.write(dir.resolve("source.spm"), Arrays.copyOf(model, model.length / 2));
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith("source.spm is not a usable SentencePiece model: ")
                .hasMessageNotContaining("\n");
        Files.writeString(dir.resolve("source.spm"), "{\"this is\": \"json\"}");
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith("source.spm is not a usable SentencePiece model: ");
    }

    @Test
    void damagedVocabularyIsReportedInOneLine() throws IOException {
        Path dir = copyOfEnEs();
        Files.writeString(dir.resolve("vocab.json"), "{\"</s>\": 0, \"<unk>\": 1,");
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith("vocab.json is not valid JSON");
        Files.writeString(dir.resolve("vocab.json"), "{\"</s>\": 0, \"<pad>\": 1}");
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessage("vocab.json has no entry for unk_token '<unk>' (tokenizer_config.json's unk_token, or the default)");
        Files.writeString(dir.resolve("vocab.json"), "{\"</s>\": 0, \"<unk>\": \"one\"}");
        assertThatThrownBy(() -> MarianTokenizer.load(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessage("vocab.json: the id of '<unk>' must be a non-negative integer, got \"one\"");
    }

    private Path copyOfEnEs() throws IOException {
        Path dir = tmp.resolve("en-es");
        Files.createDirectories(dir);
        for (String name : List.of("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")) {
            Files.copy(ReferenceFiles.enEs().resolve(name), dir.resolve(name));
        }
        return dir;
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A damaged or unsupported tokenizer.json is refused at load, with one line naming the file and the field.
 * Each case starts from a small valid file (tokenizer/hf/features/repeated-merges) and breaks one thing.
 */
class HfTokenizerRefusalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theUnbrokenFileLoads() throws IOException {
        HfTokenizer tokenizer = HfTokenizer.load(write(root -> { }));
        assertThat(tokenizer.encode("abc", false)).isNotEmpty();
    }

    @Test
    void refusesAModelThatIsNotBpe() throws IOException {
        assertRefused(root -> model(root).put("type", "WordPiece"),
                "model.type: 'WordPiece' is not supported (supported: BPE)");
    }

    @Test
    void refusesMissingMerges() throws IOException {
        assertRefused(root -> model(root).remove("merges"), "model.merges: missing");
    }

    @Test
    void refusesAMergeOfUnknownTokens() throws IOException {
        assertRefused(root -> ((ArrayNode) model(root).get("merges")).set(2, "zz q"),
                "model.merges[2]: token 'zz' is not in model.vocab");
    }

    @Test
    void refusesAMalformedMerge() throws IOException {
        assertRefused(root -> ((ArrayNode) model(root).get("merges")).set(0, "abc"),
                "model.merges[0]: must be two tokens separated by one space, not 'abc'");
    }

    @Test
    void refusesAVocabularyIdThatIsNoNumber() throws IOException {
        assertRefused(root -> ((ObjectNode) model(root).get("vocab")).put("ab", "seven"),
                "model.vocab.ab: must be a non-negative integer id");
    }

    @Test
    void refusesBpeDropout() throws IOException {
        assertRefused(root -> model(root).put("dropout", 0.1), "model.dropout: BPE dropout is not supported");
    }

    @Test
    void refusesAWordSuffix() throws IOException {
        assertRefused(root -> model(root).put("end_of_word_suffix", "</w>"),
                "model.end_of_word_suffix: '</w>' is not supported (must be null or empty)");
    }

    @Test
    void refusesAnUnknownPreTokenizer() throws IOException {
        assertRefused(root -> root.putObject("pre_tokenizer").put("type", "Whitespace"),
                "pre_tokenizer.type: 'Whitespace' is not supported (supported: ByteLevel, Split, Digits, Sequence)");
    }

    @Test
    void namesTheStepOfASequenceThatIsRefused() throws IOException {
        assertRefused(root -> {
            ObjectNode seq = root.putObject("pre_tokenizer");
            seq.put("type", "Sequence");
            ArrayNode steps = seq.putArray("pretokenizers");
            steps.addObject().put("type", "Digits").put("individual_digits", true);
            steps.addObject().put("type", "Metaspace");
        }, "pre_tokenizer.pretokenizers[1].type: 'Metaspace' is not supported");
    }

    @Test
    void refusesASplitBehaviourItDoesNotImplement() throws IOException {
        assertRefused(root -> {
            ObjectNode split = root.putObject("pre_tokenizer");
            split.put("type", "Split").put("behavior", "MergedWithPrevious").put("invert", false);
            split.putObject("pattern").put("Regex", "\\s+");
        }, "pre_tokenizer.behavior: 'MergedWithPrevious' is not supported (supported: Isolated, Removed)");
    }

    @Test
    void refusesARegexWithABackReference() throws IOException {
        assertRefused(root -> {
            ObjectNode split = root.putObject("pre_tokenizer");
            split.put("type", "Split").put("behavior", "Isolated").put("invert", false);
            split.putObject("pattern").put("Regex", "(a)\\1");
        }, "pre_tokenizer.pattern.Regex: regex '(a)\\1' uses \\1, which this tokenizer does not support");
    }

    @Test
    void refusesARegexThatDoesNotCompile() throws IOException {
        assertRefused(root -> {
            ObjectNode split = root.putObject("pre_tokenizer");
            split.put("type", "Split").put("behavior", "Isolated").put("invert", false);
            split.putObject("pattern").put("Regex", "(a|b");
        }, "pre_tokenizer.pattern.Regex: regex '(a|b' does not compile");
    }

    @Test
    void refusesAnUnknownNormalizer() throws IOException {
        assertRefused(root -> root.putObject("normalizer").put("type", "Lowercase"),
                "normalizer.type: 'Lowercase' is not supported (supported: NFC, Prepend, Replace, Sequence)");
    }

    @Test
    void refusesAnUnknownDecoder() throws IOException {
        assertRefused(root -> root.putObject("decoder").put("type", "WordPiece"),
                "decoder.type: 'WordPiece' is not supported (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Sequence)");
    }

    @Test
    void refusesAMissingDecoder() throws IOException {
        assertRefused(root -> root.putNull("decoder"), "decoder: missing");
    }

    @Test
    void refusesAnUnknownPostProcessor() throws IOException {
        assertRefused(root -> root.putObject("post_processor").put("type", "RobertaProcessing"),
                "post_processor.type: 'RobertaProcessing' is not supported (supported: TemplateProcessing, ByteLevel, Sequence)");
    }

    @Test
    void refusesATemplateThatNamesAnUndefinedSpecialToken() throws IOException {
        assertRefused(root -> {
            ObjectNode template = root.putObject("post_processor");
            template.put("type", "TemplateProcessing");
            template.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
            ((ArrayNode) template.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            template.putObject("special_tokens");
        }, "post_processor.special_tokens.<s>: missing: the template uses it");
    }

    @Test
    void refusesASingleWordAddedToken() throws IOException {
        assertRefused(root -> ((ObjectNode) root.get("added_tokens").get(0)).put("single_word", true),
                "added_tokens[0].single_word: true is not supported");
    }

    @Test
    void refusesAFileThatIsNotJson() throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, "{\"model\": {\"type\": \"BPE\", ");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessageStartingWith(file + ": not readable JSON: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void refusesADirectoryWithoutTokenizerJson() {
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage(dir.resolve("tokenizer.json") + ": no such file");
    }

    @Test
    void refusesADamagedTokenizerConfig() throws IOException {
        write(root -> { });
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": \"yes\"}");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage(dir.resolve("tokenizer_config.json") + ": add_bos_token: must be true or false, not a string");
    }

    @Test
    void refusesALlamaConfigWhoseBosTokenIsNotAToken() throws IOException {
        write(root -> { });
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"tokenizer_class\": \"LlamaTokenizer\", \"bos_token\": \"<nope>\"}");
        assertThatThrownBy(() -> HfTokenizer.load(dir))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessage(dir.resolve("tokenizer_config.json") + ": bos_token: '<nope>' is not a token of "
                        + dir.resolve("tokenizer.json"));
    }

    private void assertRefused(Consumer<ObjectNode> damage, String expected) throws IOException {
        Path tokenizerDir = write(damage);
        assertThatThrownBy(() -> HfTokenizer.load(tokenizerDir))
                .isInstanceOf(InvalidTokenizerException.class)
                .hasMessageStartingWith(tokenizerDir.resolve("tokenizer.json") + ": " + expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    private Path write(Consumer<ObjectNode> damage) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(
                HfReferenceFiles.resource("features/repeated-merges/tokenizer.json").toFile());
        damage.accept(root);
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        return dir;
    }

    private static ObjectNode model(ObjectNode root) {
        return (ObjectNode) root.get("model");
    }
}

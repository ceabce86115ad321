package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.format.JsonFiles;
import io.streamformer.accelerator.format.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of tokenizer_config.json that change what MarianTokenizer does, with transformers'
 * defaults when the file or a field is absent.
 *
 * @param separateVocabs            decode with target_vocab.json instead of vocab.json
 * @param cleanUpTokenizationSpaces apply transformers' English clean-up (" ." -> ".", " 's" -> "'s", ...)
 *                                  after decoding; absent means false, the default of current transformers
 */
record MarianTokenizerConfig(String eosToken, String unkToken, String padToken,
                             List<String> additionalSpecialTokens, boolean separateVocabs,
                             boolean cleanUpTokenizationSpaces) {

    static final String FILE = "tokenizer_config.json";

    static MarianTokenizerConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return new MarianTokenizerConfig("</s>", "<unk>", "<pad>", List.of(), false, false);
        }
        JsonNode root = JsonFiles.readObject(file);
        List<String> additional = new ArrayList<>();
        JsonNode list = root.get("additional_special_tokens");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw new ModelFormatException(FILE + ": additional_special_tokens must be a list, got " + list);
            }
            for (JsonNode token : list) {
                additional.add(tokenText(token, "additional_special_tokens"));
            }
        }
        return new MarianTokenizerConfig(
                token(root, "eos_token", "</s>"), token(root, "unk_token", "<unk>"), token(root, "pad_token", "<pad>"),
                List.copyOf(additional), JsonFiles.optBoolean(root, FILE, "separate_vocabs", false),
                JsonFiles.optBoolean(root, FILE, "clean_up_tokenization_spaces", false));
    }

    /** A special token, written either as a string or as an AddedToken object {"content": ...}. */
    private static String token(JsonNode root, String field, String fallback) {
        JsonNode v = root.get(field);
        return v == null || v.isNull() ? fallback : tokenText(v, field);
    }

    private static String tokenText(JsonNode v, String field) {
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isObject() && v.path("content").isTextual()) {
            return v.get("content").asText();
        }
        throw new ModelFormatException(FILE + ": " + field + " must be a token string, got " + v);
    }

    /** transformers' all_special_tokens: eos, unk, pad, then the additional ones. */
    List<String> specialTokens() {
        List<String> all = new ArrayList<>(List.of(eosToken, unkToken, padToken));
        all.addAll(additionalSpecialTokens);
        return all;
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What transformers takes from tokenizer_config.json on top of tokenizer.json: the special tokens' names,
 * whether BOS/EOS are added (Llama's tokenizer classes rebuild the post-processor from these), extra added
 * tokens, a ByteLevel pre-tokenizer's prefix space (transformers overrides the file's with this one, false
 * when absent), the clean-up of spaces on decode, and the chat template. Every field is optional; a directory
 * without the file gets {@link #absent()}.
 */
public record TokenizerConfig(
        String tokenizerClass,
        String bosToken,
        String eosToken,
        String unkToken,
        String padToken,
        List<String> additionalSpecialTokens,
        Boolean addBosToken,
        Boolean addEosToken,
        boolean addPrefixSpace,
        boolean cleanUpTokenizationSpaces,
        List<AddedToken> addedTokensDecoder,
        String chatTemplate) {

    public static final String FILE_NAME = "tokenizer_config.json";

    static TokenizerConfig absent() {
        return new TokenizerConfig(null, null, null, null, null, List.of(), null, null, false, false, List.of(), null);
    }

    /** Reads {@code dir/tokenizer_config.json}, or returns {@link #absent()} when there is none. */
    public static TokenizerConfig load(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return absent();
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidTokenizerException(file + ": not readable JSON: " + firstLine(e.getMessage()), e);
        }
        JsonFields json = new JsonFields(file.toString());
        if (root == null || !root.isObject()) {
            throw json.error("(top level)", "must be a JSON object");
        }
        return parse(root, json);
    }

    static TokenizerConfig parse(JsonNode root, JsonFields json) {
        List<String> additional = new ArrayList<>();
        JsonNode extra = root.get("additional_special_tokens");
        if (extra != null && !extra.isNull()) {
            if (!extra.isArray()) {
                throw json.error("additional_special_tokens", "must be an array");
            }
            for (int i = 0; i < extra.size(); i++) {
                additional.add(tokenName(extra.get(i), JsonFields.at("additional_special_tokens", i), json));
            }
        }
        List<AddedToken> decoder = new ArrayList<>();
        JsonNode added = json.optionalObject(root, "added_tokens_decoder", "");
        if (added != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = added.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "added_tokens_decoder." + e.getKey();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException nfe) {
                    throw json.error(path, "the key must be a token id");
                }
                if (!e.getValue().isObject()) {
                    throw json.error(path, "must be an object");
                }
                decoder.add(TokenizerJsonReader.addedToken(e.getValue(), id, path, json));
            }
        }
        return new TokenizerConfig(
                json.optionalText(root, "tokenizer_class", ""),
                tokenName(root.get("bos_token"), "bos_token", json),
                tokenName(root.get("eos_token"), "eos_token", json),
                tokenName(root.get("unk_token"), "unk_token", json),
                tokenName(root.get("pad_token"), "pad_token", json),
                List.copyOf(additional),
                json.optionalBool(root, "add_bos_token", ""),
                json.optionalBool(root, "add_eos_token", ""),
                json.bool(root, "add_prefix_space", "", false),
                json.bool(root, "clean_up_tokenization_spaces", "", false),
                List.copyOf(decoder),
                chatTemplate(root, json));
    }

    /** A special token given as a string or as an AddedToken object ({@code {"content": ...}}); null if absent. */
    private static String tokenName(JsonNode node, String field, JsonFields json) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject()) {
            return json.text(node, "content", field);
        }
        throw json.error(field, "must be a string or an object with a content field");
    }

    /** {@code chat_template}: a string, or a list of named templates of which "default" is used. */
    private static String chatTemplate(JsonNode root, JsonFields json) {
        JsonNode node = root.get("chat_template");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode entry = node.get(i);
                String path = JsonFields.at("chat_template", i);
                if (!entry.isObject()) {
                    throw json.error(path, "must be an object with name and template");
                }
                if ("default".equals(json.text(entry, "name", path))) {
                    return json.text(entry, "template", path);
                }
            }
            throw json.error("chat_template", "lists named templates but none is named 'default'");
        }
        throw json.error("chat_template", "must be a string or a list of named templates");
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the parts of an {@link HfTokenizer} from tokenizer.json (and tokenizer_config.json), refusing
 * every component this package does not implement with the field that names it.
 */
final class TokenizerJsonReader {
    /** transformers' tokenizer classes that rebuild the post-processor from add_bos_token/add_eos_token. */
    private static final Set<String> BOS_EOS_FROM_CONFIG = Set.of(
            "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast");

    private final JsonFields json;
    private final JsonNode root;
    private final TokenizerConfig config;

    TokenizerJsonReader(JsonNode root, JsonFields json, TokenizerConfig config) {
        this.root = root;
        this.json = json;
        this.config = config;
    }

    static AddedToken addedToken(JsonNode node, int id, String path, JsonFields json) {
        if (json.bool(node, "single_word", path, false)) {
            throw json.error(JsonFields.at(path, "single_word"), "true is not supported");
        }
        boolean special = json.bool(node, "special", path, false);
        return new AddedToken(id, json.text(node, "content", path), special,
                json.bool(node, "lstrip", path, false), json.bool(node, "rstrip", path, false),
                json.bool(node, "normalized", path, !special));
    }

    /** The vocabulary of model.vocab: token to id. */
    Map<String, Integer> vocab() {
        JsonNode model = model();
        JsonNode vocab = json.object(model, "vocab", "model");
        Map<String, Integer> map = new HashMap<>(vocab.size() * 2);
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().intValue() < 0) {
                throw json.error("model.vocab." + e.getKey(), "must be a non-negative integer id");
            }
            map.put(e.getKey(), e.getValue().intValue());
        }
        return map;
    }

    private JsonNode model() {
        JsonNode model = json.object(root, "model", "");
        json.type(model, "model", "BPE");
        JsonNode dropout = model.get("dropout");
        if (dropout != null && !dropout.isNull() && !(dropout.isNumber() && dropout.doubleValue() == 0.0)) {
            throw json.error("model.dropout", "BPE dropout is not supported (must be null)");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            String value = json.optionalText(model, affix, "model");
            if (value != null && !value.isEmpty()) {
                throw json.error("model." + affix, "'" + value + "' is not supported (must be null or empty)");
            }
        }
        return model;
    }

    BpeModel bpe(Map<String, Integer> vocab) {
        JsonNode model = model();
        JsonNode merges = json.array(model, "merges", "model");
        MergeTable.Builder table = new MergeTable.Builder(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            JsonNode merge = merges.get(rank);
            String path = JsonFields.at("model.merges", rank);
            String left;
            String right;
            if (merge.isTextual()) {
                String text = merge.asText();
                int space = text.indexOf(' ');
                if (space < 0 || text.indexOf(' ', space + 1) >= 0) {
                    throw json.error(path, "must be two tokens separated by one space, not '" + text + "'");
                }
                left = text.substring(0, space);
                right = text.substring(space + 1);
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                throw json.error(path, "must be \"a b\" or [\"a\", \"b\"]");
            }
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            Integer result = vocab.get(left + right);
            if (leftId == null || rightId == null || result == null) {
                String missing = leftId == null ? left : rightId == null ? right : left + right;
                throw json.error(path, "token '" + missing + "' is not in model.vocab");
            }
            table.put(leftId, rightId, rank, result);
        }
        String unk = json.optionalText(model, "unk_token", "model");
        int unkId = -1;
        if (unk != null) {
            Integer id = vocab.get(unk);
            if (id == null) {
                throw json.error("model.unk_token", "'" + unk + "' is not in model.vocab");
            }
            unkId = id;
        }
        return new BpeModel(vocab, table.build(), unkId, json.bool(model, "fuse_unk", "model", false),
                json.bool(model, "byte_fallback", "model", false), json.bool(model, "ignore_merges", "model", false));
    }

    /** added_tokens of tokenizer.json, overlaid as transformers does with tokenizer_config.json's. */
    List<AddedToken> addedTokens(Map<String, Integer> vocab) {
        Map<Integer, AddedToken> byId = new LinkedHashMap<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw json.error("added_tokens", "must be an array");
            }
            for (int i = 0; i < added.size(); i++) {
                String path = JsonFields.at("added_tokens", i);
                JsonNode node = added.get(i);
                if (!node.isObject()) {
                    throw json.error(path, "must be an object");
                }
                int id = json.nonNegativeInt(node, "id", path);
                byId.put(id, addedToken(node, id, path, json));
            }
        }
        Set<String> specialNames = new java.util.HashSet<>(config.additionalSpecialTokens());
        for (String name : new String[] {config.bosToken(), config.eosToken(), config.unkToken(), config.padToken()}) {
            if (name != null) {
                specialNames.add(name);
            }
        }
        for (AddedToken token : config.addedTokensDecoder()) {
            byId.put(token.id(), withSpecial(token, token.special() || specialNames.contains(token.content())));
        }
        Set<String> present = new java.util.HashSet<>();
        byId.values().forEach(t -> present.add(t.content()));
        // Special tokens named in tokenizer_config.json but not added yet are added as special tokens.
        for (String name : specialNames) {
            Integer id = vocab.get(name);
            if (!present.contains(name) && id != null && !byId.containsKey(id)) {
                byId.put(id, new AddedToken(id, name, true, false, false, false));
            }
        }
        return List.copyOf(byId.values());
    }

    private static AddedToken withSpecial(AddedToken t, boolean special) {
        return new AddedToken(t.id(), t.content(), special, t.lstrip(), t.rstrip(), t.normalized());
    }

    TextNormalizer normalizer() {
        JsonNode node = json.optionalObject(root, "normalizer", "");
        return node == null ? new TextNormalizer.Identity() : normalizer(node, "normalizer");
    }

    private TextNormalizer normalizer(JsonNode node, String path) {
        String type = json.type(node, path, "NFC", "Prepend", "Replace", "Sequence");
        return switch (type) {
            case "NFC" -> new TextNormalizer.Nfc();
            case "Prepend" -> new TextNormalizer.Prepend(json.text(node, "prepend", path));
            case "Replace" -> new TextNormalizer.Replace(literalPattern(node, path), json.text(node, "content", path));
            default -> {
                JsonNode steps = json.array(node, "normalizers", path);
                List<TextNormalizer> list = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) {
                    list.add(normalizer(steps.get(i), JsonFields.at(JsonFields.at(path, "normalizers"), i)));
                }
                yield new TextNormalizer.Sequence(List.copyOf(list));
            }
        };
    }

    /** A Replace's pattern, which must be {"String": ...}: a regex pattern is refused. */
    private String literalPattern(JsonNode node, String path) {
        JsonNode pattern = json.object(node, "pattern", path);
        String at = JsonFields.at(path, "pattern");
        if (pattern.has("Regex")) {
            throw json.error(at, "a Regex pattern is not supported here (only String)");
        }
        return json.text(pattern, "String", at);
    }

    PreTokenizer preTokenizer() {
        JsonNode node = json.optionalObject(root, "pre_tokenizer", "");
        if (node == null) {
            return new PreTokenizer.None();
        }
        return preTokenizer(node, "pre_tokenizer", true);
    }

    private PreTokenizer preTokenizer(JsonNode node, String path, boolean topLevel) {
        String type = json.type(node, path, "ByteLevel", "Split", "Digits", "Sequence");
        return switch (type) {
            case "ByteLevel" -> {
                // transformers replaces a top-level ByteLevel's add_prefix_space with tokenizer_config.json's.
                boolean prefix = topLevel && node.has("add_prefix_space") ? config.addPrefixSpace()
                        : json.bool(node, "add_prefix_space", path, true);
                boolean regex = json.bool(node, "use_regex", path, true);
                yield new PreTokenizer.ByteLevel(prefix,
                        regex ? HfRegex.compile(HfRegex.GPT2_PATTERN, json, JsonFields.at(path, "use_regex")) : null);
            }
            case "Split" -> split(node, path);
            case "Digits" -> new PreTokenizer.Digits(json.bool(node, "individual_digits", path, false));
            default -> {
                JsonNode steps = json.array(node, "pretokenizers", path);
                List<PreTokenizer> list = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) {
                    list.add(preTokenizer(steps.get(i), JsonFields.at(JsonFields.at(path, "pretokenizers"), i), false));
                }
                yield new PreTokenizer.Sequence(List.copyOf(list));
            }
        };
    }

    private PreTokenizer split(JsonNode node, String path) {
        JsonNode pattern = json.object(node, "pattern", path);
        String at = JsonFields.at(path, "pattern");
        java.util.regex.Pattern compiled;
        if (pattern.has("Regex")) {
            compiled = HfRegex.compile(json.text(pattern, "Regex", at), json, JsonFields.at(at, "Regex"));
        } else if (pattern.has("String")) {
            compiled = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(json.text(pattern, "String", at)));
        } else {
            throw json.error(at, "must have a Regex or a String");
        }
        String behavior = json.text(node, "behavior", path);
        if (!behavior.equals("Isolated") && !behavior.equals("Removed")) {
            throw json.unsupported(JsonFields.at(path, "behavior"), behavior, "Isolated", "Removed");
        }
        return new PreTokenizer.Split(compiled, behavior.equals("Removed"), json.bool(node, "invert", path, false));
    }

    /** The ids put around the text when special tokens are added: [prefix, suffix]. */
    int[][] specialTokenTemplate(Map<String, Integer> vocab, List<AddedToken> added) {
        if (config.tokenizerClass() != null && BOS_EOS_FROM_CONFIG.contains(config.tokenizerClass())) {
            boolean bos = config.addBosToken() == null || config.addBosToken();
            boolean eos = config.addEosToken() != null && config.addEosToken();
            return new int[][] {
                    bos ? new int[] {idOfConfigToken(config.bosToken(), "bos_token", vocab, added)} : new int[0],
                    eos ? new int[] {idOfConfigToken(config.eosToken(), "eos_token", vocab, added)} : new int[0]};
        }
        JsonNode node = json.optionalObject(root, "post_processor", "");
        int[][] template = {new int[0], new int[0]};
        if (node != null) {
            postProcessor(node, "post_processor", template);
        }
        return template;
    }

    private int idOfConfigToken(String name, String field, Map<String, Integer> vocab, List<AddedToken> added) {
        String configFile = java.nio.file.Path.of(json.file()).resolveSibling(TokenizerConfig.FILE_NAME).toString();
        if (name == null) {
            throw new InvalidTokenizerException(configFile + ": " + field
                    + ": missing, but the tokenizer class " + config.tokenizerClass() + " adds it");
        }
        for (AddedToken t : added) {
            if (t.content().equals(name)) {
                return t.id();
            }
        }
        Integer id = vocab.get(name);
        if (id == null) {
            throw new InvalidTokenizerException(configFile + ": " + field + ": '" + name
                    + "' is not a token of " + json.file());
        }
        return id;
    }

    private void postProcessor(JsonNode node, String path, int[][] template) {
        String type = json.type(node, path, "TemplateProcessing", "ByteLevel", "Sequence");
        switch (type) {
            case "ByteLevel" -> {
                // Only moves offsets: the ids are unchanged.
            }
            case "Sequence" -> {
                JsonNode steps = json.array(node, "processors", path);
                for (int i = 0; i < steps.size(); i++) {
                    postProcessor(steps.get(i), JsonFields.at(JsonFields.at(path, "processors"), i), template);
                }
            }
            default -> templateProcessing(node, path, template);
        }
    }

    private void templateProcessing(JsonNode node, String path, int[][] template) {
        JsonNode single = json.array(node, "single", path);
        JsonNode specials = json.object(node, "special_tokens", path);
        IntList prefix = new IntList(2);
        IntList suffix = new IntList(2);
        boolean seenSequence = false;
        for (int i = 0; i < single.size(); i++) {
            String at = JsonFields.at(JsonFields.at(path, "single"), i);
            JsonNode piece = single.get(i);
            if (piece.has("Sequence")) {
                String id = json.text(json.object(piece, "Sequence", at), "id", JsonFields.at(at, "Sequence"));
                if (!id.equals("A") || seenSequence) {
                    throw json.error(at, "the single-sequence template must hold sequence A once");
                }
                seenSequence = true;
            } else if (piece.has("SpecialToken")) {
                String name = json.text(json.object(piece, "SpecialToken", at), "id", JsonFields.at(at, "SpecialToken"));
                JsonNode special = specials.get(name);
                String sp = JsonFields.at(JsonFields.at(path, "special_tokens"), name);
                if (special == null || !special.isObject()) {
                    throw json.error(sp, "missing: the template uses it");
                }
                JsonNode ids = json.array(special, "ids", sp);
                for (int k = 0; k < ids.size(); k++) {
                    JsonNode id = ids.get(k);
                    if (!id.isIntegralNumber() || id.intValue() < 0) {
                        throw json.error(JsonFields.at(JsonFields.at(sp, "ids"), k), "must be a token id");
                    }
                    (seenSequence ? suffix : prefix).add(id.intValue());
                }
            } else {
                throw json.error(at, "must be a Sequence or a SpecialToken");
            }
        }
        if (!seenSequence) {
            throw json.error(JsonFields.at(path, "single"), "does not hold sequence A");
        }
        template[0] = concat(template[0], prefix.toArray());
        template[1] = concat(template[1], suffix.toArray());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    TokenDecoder decoder() {
        JsonNode node = json.optionalObject(root, "decoder", "");
        if (node == null) {
            throw json.error("decoder", "missing (a tokenizer without a decoder is not supported)");
        }
        return decoder(node, "decoder");
    }

    private TokenDecoder decoder(JsonNode node, String path) {
        String type = json.type(node, path, "ByteLevel", "Replace", "ByteFallback", "Fuse", "Strip", "Sequence");
        return switch (type) {
            case "ByteLevel" -> new TokenDecoder.ByteLevel();
            case "Replace" -> new TokenDecoder.Replace(literalPattern(node, path), json.text(node, "content", path));
            case "ByteFallback" -> new TokenDecoder.ByteFallback();
            case "Fuse" -> new TokenDecoder.Fuse();
            case "Strip" -> {
                String content = json.text(node, "content", path);
                if (content.codePointCount(0, content.length()) != 1) {
                    throw json.error(JsonFields.at(path, "content"), "must be one character");
                }
                yield new TokenDecoder.Strip(content.codePointAt(0), json.nonNegativeInt(node, "start", path),
                        json.nonNegativeInt(node, "stop", path));
            }
            default -> {
                JsonNode steps = json.array(node, "decoders", path);
                List<TokenDecoder> list = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) {
                    list.add(decoder(steps.get(i), JsonFields.at(JsonFields.at(path, "decoders"), i)));
                }
                yield new TokenDecoder.Sequence(List.copyOf(list));
            }
        };
    }
}

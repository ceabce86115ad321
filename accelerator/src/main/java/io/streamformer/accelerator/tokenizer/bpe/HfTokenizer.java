package io.streamformer.accelerator.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.accelerator.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face tokenizer.json BPE tokenizer, encoding and decoding as transformers' fast tokenizer does:
 * byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM2) and SentencePiece-style BPE with byte fallback (Llama 2,
 * Mistral, TinyLlama). Anything else in the file is refused at load with the field that names it.
 *
 * <p>Special tokens: {@link #encode(String, boolean)} treats the text of special tokens ({@code <s>},
 * {@code <|im_start|>}, ...) as plain text, so user input cannot inject control tokens (transformers'
 * {@code split_special_tokens=True}); added tokens that are not special are still recognized, as
 * transformers does. {@link #encodeWithSpecialTokens(String, boolean)} recognizes special tokens too: for
 * prompts rendered by a chat template, whose control tokens must become token ids.
 *
 * <p>Immutable, hence thread-safe.
 */
public final class HfTokenizer implements Tokenizer {
    public static final String FILE_NAME = "tokenizer.json";

    private final String source;
    private final AddedTokenSplitter addedTokens;
    private final TextNormalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final TokenDecoder decoder;
    private final int[] prefixIds;
    private final int[] suffixIds;
    private final boolean cleanUpSpaces;
    /** Token string of every id, added tokens included (null where no token has the id). */
    private final String[] tokenOfId;
    private final Map<String, Integer> idOfToken;
    private final Set<String> specialContents;
    private final TokenizerConfig config;

    private HfTokenizer(String source, TokenizerJsonReader reader, TokenizerConfig config) {
        this.source = source;
        this.config = config;
        Map<String, Integer> vocab = reader.vocab();
        this.model = reader.bpe(vocab);
        List<AddedToken> added = reader.addedTokens(vocab);
        this.normalizer = reader.normalizer();
        this.preTokenizer = reader.preTokenizer();
        this.decoder = reader.decoder();
        this.addedTokens = new AddedTokenSplitter(added, normalizer);
        int[][] template = reader.specialTokenTemplate(vocab, added);
        this.prefixIds = template[0];
        this.suffixIds = template[1];
        this.cleanUpSpaces = config.cleanUpTokenizationSpaces();

        int limit = 0;
        for (int id : vocab.values()) {
            limit = Math.max(limit, id + 1);
        }
        for (AddedToken t : added) {
            limit = Math.max(limit, t.id() + 1);
        }
        String[] tokens = new String[limit];
        vocab.forEach((token, id) -> tokens[id] = token);
        Map<String, Integer> ids = new HashMap<>(vocab);
        Set<String> special = new HashSet<>();
        for (AddedToken t : added) {
            tokens[t.id()] = t.content();
            ids.put(t.content(), t.id());
            if (t.special()) {
                special.add(t.content());
            }
        }
        this.tokenOfId = tokens;
        this.idOfToken = Map.copyOf(ids);
        this.specialContents = Set.copyOf(special);
    }

    /** Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}. */
    public static HfTokenizer load(Path dir) {
        return load(dir.resolve(FILE_NAME), TokenizerConfig.load(dir));
    }

    /** Loads a tokenizer.json file with the given tokenizer_config.json content. */
    public static HfTokenizer load(Path tokenizerJson, TokenizerConfig config) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson.toFile());
        } catch (NoSuchFileException e) {
            throw new InvalidTokenizerException(tokenizerJson + ": no such file");
        } catch (IOException e) {
            if (!Files.exists(tokenizerJson)) {
                throw new InvalidTokenizerException(tokenizerJson + ": no such file");
            }
            throw new InvalidTokenizerException(tokenizerJson + ": not readable JSON: "
                    + TokenizerConfig.firstLine(e.getMessage()), e);
        }
        JsonFields json = new JsonFields(tokenizerJson.toString());
        if (root == null || !root.isObject()) {
            throw json.error("(top level)", "must be a JSON object");
        }
        return new HfTokenizer(tokenizerJson.toString(), new TokenizerJsonReader(root, json, config), config);
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, false);
    }

    /**
     * The ids of {@code text} with special-token strings recognized as the control tokens they name: for a
     * prompt rendered by a chat template, never for raw user text.
     */
    public int[] encodeWithSpecialTokens(String text, boolean addSpecialTokens) {
        return encode(text, addSpecialTokens, true);
    }

    /**
     * As {@link #encodeWithSpecialTokens(String, boolean)}, except that a special token overlapping a position
     * set in {@code literal} stays text: for a rendered prompt whose user content quotes control tokens
     * (see ChatTemplate.encode).
     */
    public int[] encodeWithSpecialTokens(String text, boolean addSpecialTokens, BitSet literal) {
        return encode(text, addSpecialTokens, true, literal);
    }

    /** The strings of the special (control) tokens, which plain encode treats as text and decode drops. */
    public Set<String> specialTokens() {
        return specialContents;
    }

    private int[] encode(String text, boolean addSpecialTokens, boolean recognizeSpecial) {
        return encode(text, addSpecialTokens, recognizeSpecial, null);
    }

    private int[] encode(String text, boolean addSpecialTokens, boolean recognizeSpecial, BitSet literal) {
        String clean = LossyUtf8.withoutLoneSurrogates(text);
        IntList ids = new IntList(clean.length() / 3 + 4);
        if (addSpecialTokens) {
            ids.addAll(prefixIds);
        }
        for (AddedTokenSplitter.Piece piece : addedTokens.split(clean, recognizeSpecial, literal, normalizer)) {
            if (piece.isToken()) {
                ids.add(piece.tokenId());
                continue;
            }
            if (piece.text().isEmpty()) {
                continue;
            }
            List<String> words = new ArrayList<>(1);
            words.add(piece.text());
            for (String word : preTokenizer.split(words)) {
                model.encodeWord(word, ids);
            }
        }
        if (addSpecialTokens) {
            ids.addAll(suffixIds);
        }
        return ids.toArray();
    }

    /** The text of {@code ids}: special tokens and unknown ids skipped, as transformers' fast decode does. */
    @Override
    public String decode(int[] ids) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= tokenOfId.length || tokenOfId[id] == null) {
                continue;
            }
            String token = tokenOfId[id];
            if (!specialContents.contains(token)) {
                tokens.add(token);
            }
        }
        String text = String.join("", decoder.decode(tokens));
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** transformers' clean_up_tokenization, applied when tokenizer_config.json asks for it (GPT-2 does). */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public int idLimit() {
        return tokenOfId.length;
    }

    /** The id of a token (vocabulary or added token), if it has one. */
    public OptionalInt tokenId(String token) {
        Integer id = idOfToken.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of an id, if the id is in use. */
    public Optional<String> token(int id) {
        return id < 0 || id >= tokenOfId.length ? Optional.empty() : Optional.ofNullable(tokenOfId[id]);
    }

    /** Whether {@code id} is a special (control) token, which decode drops. */
    public boolean isSpecial(int id) {
        return token(id).map(specialContents::contains).orElse(false);
    }

    /** tokenizer_config.json's content (all fields absent when the directory has none). */
    public TokenizerConfig config() {
        return config;
    }

    /** The id of tokenizer_config.json's bos_token, when it names one. */
    public OptionalInt bosTokenId() {
        return config.bosToken() == null ? OptionalInt.empty() : tokenId(config.bosToken());
    }

    /** The id of tokenizer_config.json's eos_token, when it names one. */
    public OptionalInt eosTokenId() {
        return config.eosToken() == null ? OptionalInt.empty() : tokenId(config.eosToken());
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + source + ", " + idLimit() + " ids]";
    }
}

package io.streamformer.accelerator.tokenizer;

import io.streamformer.accelerator.format.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Text to Marian input ids and generated ids back to text, as Hugging Face's {@code MarianTokenizer}
 * (transformers 4.x, tokenization_marian.py) does it with the files opus-mt checkpoints ship:
 * <ul>
 *   <li>{@link #encode}: a leading {@code >>xx<<} language code (multilingual models) is kept as one token;
 *       the rest is split into pieces by source.spm; every piece is looked up in vocab.json (a piece the
 *       vocabulary lacks becomes {@code <unk>}); {@code </s>} is appended;</li>
 *   <li>{@link #decode}: like {@code decode(ids, skip_special_tokens=True)}: special tokens and ids the
 *       vocabulary lacks are dropped, the remaining pieces are joined by target.spm, ▁ becomes a space and
 *       the ends are stripped (Python's {@code str.strip()}).</li>
 * </ul>
 * Unlike transformers, literal special-token strings inside the text (such as "&lt;/s&gt;") are tokenized
 * as plain text rather than turned into their ids, so user text cannot inject control tokens.
 * Immutable and thread-safe.
 */
public final class MarianTokenizer implements Tokenizer {
    public static final String SOURCE_SPM = "source.spm";
    public static final String TARGET_SPM = "target.spm";
    public static final String VOCAB = "vocab.json";
    public static final String TARGET_VOCAB = "target_vocab.json";
    public static final String CONFIG = MarianTokenizerConfig.FILE;
    /** The files a model directory needs for text in and out (tokenizer_config.json is optional). */
    public static final List<String> REQUIRED_FILES = List.of(SOURCE_SPM, TARGET_SPM, VOCAB);

    private final SentencePieceProcessor source;
    private final SentencePieceProcessor target;
    private final MarianVocab vocab;
    private final MarianVocab decoderVocab;
    private final MarianTokenizerConfig config;
    private final int eosId;
    private final int unkId;
    private final int padId;
    private final Set<Integer> specialIds = new HashSet<>();
    private final Set<String> specialTokens;

    private MarianTokenizer(SentencePieceProcessor source, SentencePieceProcessor target, MarianVocab vocab,
                            MarianVocab decoderVocab, MarianTokenizerConfig config) {
        this.source = source;
        this.target = target;
        this.vocab = vocab;
        this.decoderVocab = decoderVocab;
        this.config = config;
        this.eosId = requireToken(vocab, config.eosToken(), "eos_token");
        this.unkId = requireToken(vocab, config.unkToken(), "unk_token");
        this.padId = requireToken(vocab, config.padToken(), "pad_token");
        this.specialTokens = Set.copyOf(config.specialTokens());
        for (String token : specialTokens) {
            specialIds.add(vocab.id(token, unkId));
        }
    }

    /** The required tokenizer files that {@code dir} lacks (empty when it has them all). */
    public static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (String name : REQUIRED_FILES) {
            if (!Files.isRegularFile(dir.resolve(name))) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** Loads source.spm, target.spm, vocab.json and (if present) tokenizer_config.json from a model directory. */
    public static MarianTokenizer load(Path dir) {
        List<String> missing = missingFiles(dir);
        if (!missing.isEmpty()) {
            throw new ModelFormatException(dir + " has no Marian tokenizer: " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " missing");
        }
        MarianTokenizerConfig config = MarianTokenizerConfig.read(dir);
        MarianVocab vocab = MarianVocab.read(dir.resolve(VOCAB));
        if (config.separateVocabs() && !java.nio.file.Files.isRegularFile(dir.resolve(TARGET_VOCAB))) {
            throw new ModelFormatException("tokenizer_config.json sets separate_vocabs but " + TARGET_VOCAB
                    + " is missing from " + dir);
        }
        MarianVocab decoderVocab = config.separateVocabs() ? MarianVocab.read(dir.resolve(TARGET_VOCAB)) : vocab;
        return new MarianTokenizer(SentencePieceProcessor.load(dir.resolve(SOURCE_SPM)),
                SentencePieceProcessor.load(dir.resolve(TARGET_SPM)), vocab, decoderVocab, config);
    }

    private static int requireToken(MarianVocab vocab, String token, String field) {
        if (!vocab.contains(token)) {
            throw new ModelFormatException(VOCAB + " has no entry for " + field + " '" + token
                    + "' (tokenizer_config.json's " + field + ", or the default)");
        }
        return vocab.id(token, -1);
    }

    /** The tokens {@link #encode} maps to ids: language code (if any) and source pieces, without {@code </s>}. */
    public List<String> tokenize(String text) {
        List<String> tokens = new ArrayList<>();
        if (text.startsWith(">>")) {
            int end = text.indexOf("<<");
            if (end >= 0) {
                tokens.add(text.substring(0, end + 2));
                text = text.substring(end + 2);
            }
        }
        tokens.addAll(source.encodeAsPieces(text));
        return tokens;
    }

    /** Input ids for the encoder: the tokens' vocab.json ids followed by {@code </s>}. */
    @Override
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** The tokens' vocab.json ids, followed by {@code </s>} when {@code addSpecialTokens}. */
    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        List<String> tokens = tokenize(text);
        int[] ids = new int[tokens.size() + (addSpecialTokens ? 1 : 0)];
        for (int i = 0; i < tokens.size(); i++) {
            ids[i] = vocab.id(tokens.get(i), unkId);
        }
        if (addSpecialTokens) {
            ids[tokens.size()] = eosId;
        }
        return ids;
    }

    /**
     * Text from ids (a generated sequence, decoder start token included or not), like transformers'
     * {@code decode(ids, skip_special_tokens=True)}: special tokens are dropped, and so is an id that
     * vocab.json lacks (transformers reads it as {@code <unk>}, a special token).
     */
    @Override
    public String decode(int[] ids) {
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = specialIds.contains(id) ? null : decoderVocab.piece(id);
            if (token != null && !specialTokens.contains(token)) {
                pieces.add(token);
            }
        }
        // a piece that target.spm lacks (a source-only piece of the joint vocabulary) is copied verbatim,
        // so its ▁ still needs turning into a space
        String text = target.decodePieces(pieces).replace(Utf8.SPACE_SYMBOL_STRING, " ");
        text = PythonText.strip(text);
        return config.cleanUpTokenizationSpaces() ? PythonText.cleanUpTokenization(text) : text;
    }

    public int eosTokenId() {
        return eosId;
    }

    public int padTokenId() {
        return padId;
    }

    public int unkTokenId() {
        return unkId;
    }

    /** Number of vocab.json entries. */
    public int vocabSize() {
        return vocab.size();
    }

    /** One more than the largest id {@link #encode} can produce: the encoder needs at least this many embeddings. */
    public int sourceIdLimit() {
        return vocab.idLimit();
    }

    @Override
    public int idLimit() {
        return sourceIdLimit();
    }

    public SentencePieceProcessor sourceModel() {
        return source;
    }

    public SentencePieceProcessor targetModel() {
        return target;
    }
}

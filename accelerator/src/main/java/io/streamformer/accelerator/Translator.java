package io.streamformer.accelerator;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.scheduler.StepReport;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Text in, text out: an {@link Engine} with the {@link MarianTokenizer} of the same model directory.
 * Sentences are encoded, generated together (continuous batching) and decoded, in input order. A text
 * that normalizes to nothing (empty or only spaces) translates to "" without running the model.
 * Thread-safe as far as the engine is: the tokenizer is immutable.
 */
public final class Translator {
    private final Engine engine;
    private final MarianTokenizer tokenizer;

    /** Checks that the tokenizer's ids fit the model before anything runs. */
    public Translator(Engine engine, MarianTokenizer tokenizer) {
        ModelInfo info = engine.info();
        if (tokenizer.sourceIdLimit() > info.sourceVocabSize()) {
            throw new ModelFormatException(MarianTokenizer.VOCAB + " has ids up to " + (tokenizer.sourceIdLimit() - 1)
                    + " but the model's vocabulary has " + info.sourceVocabSize() + " entries");
        }
        if (tokenizer.eosTokenId() != info.eosTokenId()) {
            throw new ModelFormatException(MarianTokenizer.VOCAB + " puts </s> at id " + tokenizer.eosTokenId()
                    + " but the model's eos_token_id is " + info.eosTokenId());
        }
        if (tokenizer.padTokenId() != info.padTokenId()) {
            throw new ModelFormatException(MarianTokenizer.VOCAB + " puts <pad> at id " + tokenizer.padTokenId()
                    + " but the model's pad_token_id is " + info.padTokenId());
        }
        this.engine = engine;
        this.tokenizer = tokenizer;
    }

    /** The translator for an engine, with the tokenizer files of the engine's model directory. */
    public static Translator of(Engine engine) {
        return new Translator(engine, MarianTokenizer.load(engine.modelDir()));
    }

    public Engine engine() {
        return engine;
    }

    public MarianTokenizer tokenizer() {
        return tokenizer;
    }

    /** Encoder input ids for {@code text}; rejects a text longer than the model can read. */
    public int[] encode(String text) {
        int[] ids = tokenizer.encode(text);
        int limit = engine.info().maxPositions();
        if (ids.length > limit) {
            throw new IllegalArgumentException("the text is " + ids.length + " tokens long; the model reads at most "
                    + limit + " (split it into sentences)");
        }
        return ids;
    }

    /** The text of a generated sequence (decoder start and special tokens dropped). */
    public String decode(int[] sequence) {
        return tokenizer.decode(sequence);
    }

    public List<String> translate(List<String> texts, GenerationParams params, int batchSize) {
        return translate(texts, params, batchSize, null);
    }

    /**
     * Translates every text; {@code onStep} (may be null) sees each decoding step, e.g. for progress.
     *
     * @throws IllegalArgumentException naming the text (1-based) that is too long
     */
    public List<String> translate(List<String> texts, GenerationParams params, int batchSize,
                                  Consumer<StepReport> onStep) {
        String[] translations = new String[texts.size()];
        List<int[]> sources = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids;
            try {
                ids = encode(texts.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("text " + (i + 1) + ": " + e.getMessage(), e);
            }
            if (ids.length == 1) {
                translations[i] = "";   // nothing but </s>: there is nothing to translate
            } else {
                sources.add(ids);
                positions.add(i);
            }
        }
        if (!sources.isEmpty()) {
            List<GenerationResult> results = engine.generate(sources, params, batchSize, onStep);
            for (int k = 0; k < results.size(); k++) {
                translations[positions.get(k)] = decode(results.get(k).sequence());
            }
        }
        return Arrays.asList(translations);
    }
}

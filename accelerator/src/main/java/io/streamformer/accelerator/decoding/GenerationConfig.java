package io.streamformer.accelerator.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.format.ModelFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.streamformer.accelerator.format.JsonFiles.optBoolean;
import static io.streamformer.accelerator.format.JsonFiles.optDouble;
import static io.streamformer.accelerator.format.JsonFiles.optInt;
import static io.streamformer.accelerator.format.JsonFiles.optInteger;
import static io.streamformer.accelerator.format.JsonFiles.optIntegers;

/**
 * A model's default generation settings with Hugging Face semantics: generation_config.json if the
 * directory has one, otherwise the generation fields of config.json, otherwise transformers' defaults
 * (max_length 20, greedy, top_k 50, top_p 1, temperature 1, length_penalty 1, early_stopping false).
 */
public record GenerationConfig(
        Integer maxLength,
        Integer maxNewTokens,
        int minLength,
        int numBeams,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double lengthPenalty,
        EarlyStopping earlyStopping,
        double repetitionPenalty,
        List<Integer> eosTokenIds,
        int padTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId,
        List<int[]> badWordsIds) {

    public static final int DEFAULT_MAX_LENGTH = 20;

    public static GenerationConfig fromJson(JsonNode json, String file, ModelInfo model) {
        Integer maxLength = optInteger(json, file, "max_length");
        Integer maxNew = optInteger(json, file, "max_new_tokens");
        List<Integer> eos = optIntegers(json, file, "eos_token_id");
        if (eos == null) {
            eos = model.eosTokenIds();
        }
        int pad = orDefault(optInteger(json, file, "pad_token_id"), model.padTokenId());
        int start = orDefault(optInteger(json, file, "decoder_start_token_id"), model.decoderStartTokenId());
        Integer forcedEos = json.has("forced_eos_token_id")
                ? optInteger(json, file, "forced_eos_token_id") : model.forcedEosTokenId();
        List<int[]> badWords = parseBadWords(json.get("bad_words_ids"), file, model.targetVocabSize());
        List<Object[]> ids = new ArrayList<>();
        for (int e : eos) {
            ids.add(new Object[]{"eos_token_id", e});
        }
        ids.add(new Object[]{"pad_token_id", pad});
        ids.add(new Object[]{"decoder_start_token_id", start});
        for (Object[] entry : ids) {
            int id = (Integer) entry[1];
            if (id < 0 || id >= model.targetVocabSize()) {
                throw new ModelFormatException(file + ": " + entry[0] + " (" + id + ") lies outside the vocabulary [0, "
                        + model.targetVocabSize() + ")");
            }
        }
        EarlyStopping early = EarlyStopping.FALSE;
        JsonNode es = json.get("early_stopping");
        if (es != null && !es.isNull()) {
            if (es.isBoolean()) {
                early = es.booleanValue() ? EarlyStopping.TRUE : EarlyStopping.FALSE;
            } else if (es.isTextual() && es.asText().equals("never")) {
                early = EarlyStopping.NEVER;
            } else {
                throw new ModelFormatException(file + ": early_stopping must be true, false or \"never\", got " + es);
            }
        }
        return new GenerationConfig(maxLength, maxNew, optInt(json, file, "min_length", 0),
                optInt(json, file, "num_beams", 1), optBoolean(json, file, "do_sample", false),
                optDouble(json, file, "temperature", 1.0), optInt(json, file, "top_k", 50),
                optDouble(json, file, "top_p", 1.0), optDouble(json, file, "length_penalty", 1.0), early,
                optDouble(json, file, "repetition_penalty", 1.0), eos, pad, start, forcedEos, badWords);
    }

    private static int orDefault(Integer v, int fallback) {
        return v != null ? v : fallback;
    }

    private static List<int[]> parseBadWords(JsonNode node, String file, int vocab) {
        List<int[]> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new ModelFormatException(file + ": bad_words_ids must be a list of lists of token ids");
        }
        for (JsonNode seq : node) {
            if (!seq.isArray() || seq.isEmpty()) {
                throw new ModelFormatException(file + ": bad_words_ids must be a list of non-empty lists, got " + seq);
            }
            int[] ids = new int[seq.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!seq.get(i).isIntegralNumber() || seq.get(i).asInt() < 0 || seq.get(i).asInt() >= vocab) {
                    throw new ModelFormatException(file + ": bad_words_ids holds " + seq.get(i)
                            + ", not a token id of the vocabulary [0, " + vocab + ")");
                }
                ids[i] = seq.get(i).asInt();
            }
            out.add(ids);
        }
        return out;
    }

    /** The call's overrides applied for an encoder-decoder, whose decoder prompt is the start token alone. */
    public GenerationParams resolve(GenerationOverrides o) {
        return resolve(o, 1);
    }

    /**
     * Applies the call's overrides for a decoder prompt of {@code promptLength} ids (1 for an encoder-decoder, the
     * prompt's length for a language model). As in transformers, max_new_tokens wins over max_length, which counts
     * the prompt (at least one token is generated), and min_length counts the prompt too.
     */
    public GenerationParams resolve(GenerationOverrides o, int promptLength) {
        int maxNew;
        if (o.maxNewTokens() != null) {
            maxNew = o.maxNewTokens();
        } else if (maxNewTokens != null) {
            maxNew = maxNewTokens;
        } else {
            maxNew = Math.max(1, (maxLength != null ? maxLength : DEFAULT_MAX_LENGTH) - promptLength);
        }
        long seed = o.seed() != null ? o.seed() : ThreadLocalRandom.current().nextLong();
        return new GenerationParams(maxNew,
                o.minNewTokens() != null ? o.minNewTokens() : Math.max(0, minLength - promptLength),
                o.numBeams() != null ? o.numBeams() : numBeams,
                o.doSample() != null ? o.doSample() : doSample,
                o.temperature() != null ? o.temperature() : temperature,
                o.topK() != null ? o.topK() : topK,
                o.topP() != null ? o.topP() : topP,
                seed,
                o.lengthPenalty() != null ? o.lengthPenalty() : lengthPenalty,
                o.earlyStopping() != null ? o.earlyStopping() : earlyStopping,
                o.repetitionPenalty() != null ? o.repetitionPenalty() : repetitionPenalty,
                eosTokenIds, padTokenId, decoderStartTokenId, forcedEosTokenId, badWordsIds);
    }
}

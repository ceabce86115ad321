package io.streamformer.accelerator.decoding;

import java.util.List;

/**
 * The effective settings of one generation: generation_config.json with the call's overrides applied.
 * {@code maxNewTokens} counts generated tokens (EOS included); the decoder sequence holds at most
 * 1 + maxNewTokens ids, the first being decoder_start_token_id.
 */
public record GenerationParams(
        int maxNewTokens,
        int minNewTokens,
        int numBeams,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        long seed,
        double lengthPenalty,
        EarlyStopping earlyStopping,
        int eosTokenId,
        int padTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId,
        List<int[]> badWordsIds) {

    public GenerationParams {
        badWordsIds = List.copyOf(badWordsIds);
    }

    /** The longest decoder sequence, start token included (Hugging Face's max_length). */
    public int maxLength() {
        return 1 + maxNewTokens;
    }

    /** Checks the values a request may set; returns a reason, or null when valid. */
    public String problem() {
        if (maxNewTokens < 1) {
            return "max_new_tokens must be at least 1, got " + maxNewTokens;
        }
        if (numBeams < 1) {
            return "num_beams must be at least 1, got " + numBeams;
        }
        if (doSample && numBeams > 1) {
            return "sampling with num_beams > 1 (beam sampling) is not supported";
        }
        if (doSample && !(temperature > 0 && Double.isFinite(temperature))) {
            return "temperature must be a positive number, got " + temperature;
        }
        if (topK < 0) {
            return "top_k must not be negative, got " + topK;
        }
        if (!(topP > 0 && topP <= 1)) {
            return "top_p must lie in (0, 1], got " + topP;
        }
        if (!Double.isFinite(lengthPenalty)) {
            return "length_penalty must be finite, got " + lengthPenalty;
        }
        return null;
    }
}

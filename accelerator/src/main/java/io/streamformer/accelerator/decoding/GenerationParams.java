package io.streamformer.accelerator.decoding;

import java.util.List;

/**
 * The effective settings of one generation: generation_config.json with the call's overrides applied.
 * {@code maxNewTokens} counts generated tokens (EOS included). The decoder sequence starts with a prompt
 * (an encoder-decoder's decoder_start_token_id, a language model's prompt) and holds at most
 * prompt + maxNewTokens ids.
 *
 * @param repetitionPenalty transformers' RepetitionPenaltyLogitsProcessor: 1 leaves the logits alone
 * @param eosTokenIds       every id that ends a sequence (Llama 3 lists several)
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
        double repetitionPenalty,
        List<Integer> eosTokenIds,
        int padTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId,
        List<int[]> badWordsIds) {

    public GenerationParams {
        eosTokenIds = List.copyOf(eosTokenIds);
        badWordsIds = List.copyOf(badWordsIds);
        if (eosTokenIds.isEmpty()) {
            throw new IllegalArgumentException("generation needs at least one eos token id");
        }
    }

    /** The longest decoder sequence after a prompt of {@code promptLength} ids (Hugging Face's max_length). */
    public int maxLength(int promptLength) {
        return promptLength + maxNewTokens;
    }

    /** The first end-of-sequence id. */
    public int eosTokenId() {
        return eosTokenIds.get(0);
    }

    public boolean isEos(int token) {
        for (int e : eosTokenIds) {
            if (e == token) {
                return true;
            }
        }
        return false;
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
        if (!(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty))) {
            return "repetition_penalty must be a positive number, got " + repetitionPenalty;
        }
        return null;
    }
}

package io.streamformer.accelerator.decoding;

/**
 * A search whose step needs only the most likely next token (greedy decoding). A model whose backend can take
 * the argmax on the device ({@link io.streamformer.accelerator.models.Model#decodeArgmax}) then sends
 * back three numbers per sequence instead of a vocabulary row of logits.
 */
public interface ArgmaxStep {

    /** The tokens the logits processors ban at the next step (bad words, EOS before min_new_tokens). */
    int[] bannedTokens();

    /** The token the next step must produce (forced_eos_token_id at max_length), or -1. */
    int forcedToken();

    /**
     * Advances by {@code token}, given the log-sum-exp of the step's raw logits row and the chosen token's
     * logit after the processors (-inf if banned); returns the parents, as {@link Search#advance}.
     */
    int[] advance(int token, float logSumExp, float tokenLogit);
}

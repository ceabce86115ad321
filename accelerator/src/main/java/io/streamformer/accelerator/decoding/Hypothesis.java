package io.streamformer.accelerator.decoding;

import java.util.Arrays;

/**
 * A decoder sequence (starting with decoder_start_token_id) and the sum of its tokens' log-probabilities.
 * For a finished beam hypothesis, {@code score} is the length-normalised score instead.
 */
public record Hypothesis(int[] tokens, double score) {

    public int length() {
        return tokens.length;
    }

    public int last() {
        return tokens[tokens.length - 1];
    }

    Hypothesis extend(int token, double newScore) {
        int[] t = Arrays.copyOf(tokens, tokens.length + 1);
        t[tokens.length] = token;
        return new Hypothesis(t, newScore);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hypothesis h && Arrays.equals(tokens, h.tokens) && Double.compare(score, h.score) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + Double.hashCode(score);
    }

    @Override
    public String toString() {
        return Arrays.toString(tokens) + "@" + score;
    }
}

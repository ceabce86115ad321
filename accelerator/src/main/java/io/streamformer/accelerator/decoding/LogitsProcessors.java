package io.streamformer.accelerator.decoding;

import java.util.Arrays;

/**
 * The logits processors of Hugging Face generate() that these models' configurations use, applied to one
 * vocabulary row in place, in transformers' order: repetition penalty, bad words, minimum new tokens, forced EOS.
 * {@code tokens} is the sequence so far (its decoder prompt included), {@code promptLength} the prompt's length.
 */
final class LogitsProcessors {
    private LogitsProcessors() {
    }

    /** True when the next token is forced to be EOS: the sequence is one short of max_length. */
    static boolean forcesEos(GenerationParams p, int curLen, int promptLength) {
        return p.forcedEosTokenId() != null && curLen == p.maxLength(promptLength) - 1;
    }

    static void apply(GenerationParams p, int[] tokens, int promptLength, float[] row, int off, int vocab) {
        int curLen = tokens.length;
        if (p.repetitionPenalty() != 1.0) {
            penalizeRepetitions(tokens, (float) p.repetitionPenalty(), row, off);
        }
        for (int[] bad : p.badWordsIds()) {
            if (bad.length == 1 && p.isEos(bad[0])) {
                continue; // transformers drops [eos] from bad_words_ids
            }
            if (bad.length == 1 || endsWith(tokens, bad)) {
                row[off + bad[bad.length - 1]] = Float.NEGATIVE_INFINITY;
            }
        }
        if (curLen - promptLength < p.minNewTokens()) {
            for (int eos : p.eosTokenIds()) {
                row[off + eos] = Float.NEGATIVE_INFINITY;
            }
        }
        if (forcesEos(p, curLen, promptLength)) {
            Arrays.fill(row, off, off + vocab, Float.NEGATIVE_INFINITY);
            row[off + p.forcedEosTokenId()] = 0f;
        }
    }

    /**
     * RepetitionPenaltyLogitsProcessor: every id already in the sequence (prompt included) gets its score divided by
     * the penalty when positive, multiplied when negative; once per distinct id, as torch's gather/scatter does.
     */
    private static void penalizeRepetitions(int[] tokens, float penalty, float[] row, int off) {
        int[] distinct = Arrays.stream(tokens).distinct().toArray();
        for (int t : distinct) {
            float s = row[off + t];
            row[off + t] = s < 0 ? s * penalty : s / penalty;
        }
    }

    /**
     * The ids {@link #apply} sets to -inf for this prefix, forced EOS aside (bad words, then EOS before
     * min_new_tokens), for a backend that applies the bans itself. Only valid without a repetition penalty.
     */
    static int[] banned(GenerationParams p, int[] tokens, int promptLength) {
        int[] out = new int[p.badWordsIds().size() + p.eosTokenIds().size()];
        int n = 0;
        for (int[] bad : p.badWordsIds()) {
            if (bad.length == 1 && p.isEos(bad[0])) {
                continue;
            }
            if (bad.length == 1 || endsWith(tokens, bad)) {
                out[n++] = bad[bad.length - 1];
            }
        }
        if (tokens.length - promptLength < p.minNewTokens()) {
            for (int eos : p.eosTokenIds()) {
                out[n++] = eos;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Whether {@code tokens} ends with all but the last id of {@code bad}. */
    private static boolean endsWith(int[] tokens, int[] bad) {
        int prefix = bad.length - 1;
        if (tokens.length < prefix) {
            return false;
        }
        for (int i = 0; i < prefix; i++) {
            if (tokens[tokens.length - prefix + i] != bad[i]) {
                return false;
            }
        }
        return true;
    }
}

package io.streamformer.accelerator.decoding;

/**
 * The logits processors of Hugging Face generate() that Marian configurations use, applied to one
 * vocabulary row in place, in transformers' order: bad words, minimum length, forced EOS.
 */
final class LogitsProcessors {
    private LogitsProcessors() {
    }

    /** True when the next token is forced to be EOS: the sequence is one short of max_length. */
    static boolean forcesEos(GenerationParams p, int curLen) {
        return p.forcedEosTokenId() != null && curLen == p.maxLength() - 1;
    }

    /** @param tokens the sequence so far (start token included), whose next token the row scores */
    static void apply(GenerationParams p, int[] tokens, float[] row, int off, int vocab) {
        int curLen = tokens.length;
        for (int[] bad : p.badWordsIds()) {
            if (bad.length == 1 && bad[0] == p.eosTokenId()) {
                continue; // transformers drops [eos] from bad_words_ids
            }
            if (bad.length == 1 || endsWith(tokens, bad)) {
                row[off + bad[bad.length - 1]] = Float.NEGATIVE_INFINITY;
            }
        }
        if (curLen - 1 < p.minNewTokens()) {
            row[off + p.eosTokenId()] = Float.NEGATIVE_INFINITY;
        }
        if (forcesEos(p, curLen)) {
            java.util.Arrays.fill(row, off, off + vocab, Float.NEGATIVE_INFINITY);
            row[off + p.forcedEosTokenId()] = 0f;
        }
    }

    /**
     * The ids {@link #apply} sets to -inf for this prefix, forced EOS aside (bad words, then EOS before
     * min_new_tokens), for a backend that applies the bans itself.
     */
    static int[] banned(GenerationParams p, int[] tokens) {
        int[] out = new int[p.badWordsIds().size() + 1];
        int n = 0;
        for (int[] bad : p.badWordsIds()) {
            if (bad.length == 1 || endsWith(tokens, bad)) {
                out[n++] = bad[bad.length - 1];
            }
        }
        if (tokens.length - 1 < p.minNewTokens()) {
            out[n++] = p.eosTokenId();
        }
        return java.util.Arrays.copyOf(out, n);
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

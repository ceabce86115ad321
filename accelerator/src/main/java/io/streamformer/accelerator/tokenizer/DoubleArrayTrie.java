package io.streamformer.accelerator.tokenizer;

/**
 * A read-only darts-clone double-array trie, the format SentencePiece stores its normalization rules in.
 * Each 32-bit unit packs a label (the byte that leads to it), an offset to its children, a has-leaf flag,
 * or, for a leaf unit, the value of the key that ends there.
 */
final class DoubleArrayTrie {
    private final int[] units;

    DoubleArrayTrie(int[] units) {
        if (units.length == 0) {
            throw new IllegalArgumentException("empty double-array trie");
        }
        this.units = units;
    }

    /**
     * The longest key that is a prefix of {@code key[from, to)}: returns {@code (value << 32) | length},
     * or -1 when no key matches (darts-clone's commonPrefixSearch, keeping the longest result).
     */
    long longestPrefix(byte[] key, int from, int to) {
        long best = -1;
        int nodePos = offset(units[0]);
        for (int i = from; i < to; i++) {
            int label = key[i] & 0xFF;
            nodePos ^= label;
            if (nodePos >= units.length) {
                return best;
            }
            int unit = units[nodePos];
            if (label(unit) != label) {
                return best;
            }
            nodePos ^= offset(unit);
            if (hasLeaf(unit) && nodePos < units.length) {
                best = ((long) value(units[nodePos]) << 32) | (i + 1 - from);
            }
        }
        return best;
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    /** The label; a leaf unit has its top bit set, so it never equals a byte. */
    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}

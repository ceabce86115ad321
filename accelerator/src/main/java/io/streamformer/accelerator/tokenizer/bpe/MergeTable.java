package io.streamformer.accelerator.tokenizer.bpe;

/**
 * BPE merges keyed by the pair of token ids they join: open addressing over packed {@code long} keys, so
 * that a lookup allocates nothing. Immutable once built.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    /** Rank of the merge at each slot: its line number in the merges list. */
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    /** The token each rank's merge makes (a rank whose pair was listed again later keeps its own). */
    private final int[] resultByRank;

    private MergeTable(long[] keys, int[] ranks, int[] results, int[] resultByRank) {
        this.keys = keys;
        this.ranks = ranks;
        this.results = results;
        this.mask = keys.length - 1;
        this.resultByRank = resultByRank;
    }

    static final class Builder {
        private final long[] keys;
        private final int[] ranks;
        private final int[] results;
        private final int[] resultByRank;

        Builder(int expected) {
            resultByRank = new int[expected];
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 + 1) - 1) << 1;
            keys = new long[capacity];
            java.util.Arrays.fill(keys, EMPTY);
            ranks = new int[capacity];
            results = new int[capacity];
        }

        /** Adds a merge; a pair listed twice keeps its last rank, as the tokenizers library does. */
        void put(int left, int right, int rank, int result) {
            long key = key(left, right);
            int slot = slot(keys, key, keys.length - 1);
            keys[slot] = key;
            ranks[slot] = rank;
            results[slot] = result;
            resultByRank[rank] = result;
        }

        MergeTable build() {
            return new MergeTable(keys, ranks, results, resultByRank);
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int slot(long[] keys, long key, int mask) {
        int h = (int) (key ^ (key >>> 29) ^ (key >>> 43)) * 0x9E3779B9;
        int i = (h ^ (h >>> 16)) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** The slot of the merge of {@code left} and {@code right}, or -1 when there is none. */
    int find(int left, int right) {
        int i = slot(keys, key(left, right), mask);
        return keys[i] == EMPTY ? -1 : i;
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int result(int slot) {
        return results[slot];
    }

    int resultOfRank(int rank) {
        return resultByRank[rank];
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import java.util.Map;

/**
 * tokenizer.json's {@code model} of type BPE: a vocabulary and ranked merges. A word starts as one symbol
 * per character (with byte fallback to {@code <0xNN>} tokens or the unknown token for characters outside the
 * vocabulary) and the lowest-ranked adjacent pair is merged until none is left, leftmost first among equal
 * ranks: the tokenizers library's {@code Word::merge_all}, stale queue entries included.
 */
final class BpeModel {
    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    /** Ids of the 256 byte-fallback tokens, -1 where the vocabulary lacks one. */
    private final int[] byteTokenIds;

    BpeModel(Map<String, Integer> vocab, MergeTable merges, int unkId, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    /** Appends the ids of one pre-tokenized word. */
    void encodeWord(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        IntList symbols = initialSymbols(word);
        merge(symbols, out);
    }

    private IntList initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        int pendingUnk = -1;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            String ch = word.substring(i, next);
            Integer id = vocab.get(ch);
            i = next;
            if (id != null) {
                if (pendingUnk >= 0) {
                    symbols.add(pendingUnk);
                    pendingUnk = -1;
                }
                symbols.add(id);
                continue;
            }
            if (byteFallback && addBytes(ch, symbols)) {
                // The library does not flush a pending unknown token here; it lands after these bytes.
                continue;
            }
            if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    symbols.add(pendingUnk);
                }
                pendingUnk = unkId;
            }
        }
        if (pendingUnk >= 0) {
            symbols.add(pendingUnk);
        }
        return symbols;
    }

    private boolean addBytes(String ch, IntList symbols) {
        byte[] bytes = LossyUtf8.encode(ch);
        for (byte b : bytes) {
            if (byteTokenIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            symbols.add(byteTokenIds[b & 0xFF]);
        }
        return true;
    }

    private void merge(IntList initial, IntList out) {
        int n = initial.size();
        if (n == 1) {
            out.add(initial.get(0));
            return;
        }
        int[] ids = initial.toArray();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // Entries: rank in the high half, position in the low half: the smallest is the merge to do next.
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int slot = merges.find(ids[i], ids[i + 1]);
            if (slot >= 0) {
                queue.push(entry(merges.rank(slot), i));
            }
        }
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int slot = merges.find(ids[pos], ids[right]);
            // An entry is stale when the pair at its position no longer merges into the token it was queued for.
            if (slot < 0 || merges.result(slot) != merges.resultOfRank(rank)) {
                continue;
            }
            ids[pos] = merges.result(slot);
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                int s = merges.find(ids[prev[pos]], ids[pos]);
                if (s >= 0) {
                    queue.push(entry(merges.rank(s), prev[pos]));
                }
            }
            if (next[pos] >= 0) {
                int s = merges.find(ids[pos], ids[next[pos]]);
                if (s >= 0) {
                    queue.push(entry(merges.rank(s), pos));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                out.add(ids[i]);
            }
        }
    }

    private static long entry(int rank, int pos) {
        return ((long) rank << 32) | pos;
    }
}

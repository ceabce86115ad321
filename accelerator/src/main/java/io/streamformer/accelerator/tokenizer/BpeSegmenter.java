package io.streamformer.accelerator.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * BPE segmentation: start from characters (user-defined symbols stay whole and never merge), then
 * repeatedly merge the adjacent pair that forms the highest-scoring piece, leftmost first on ties.
 * A port of SentencePiece's bpe::Model::SampleEncode without dropout (bpe_model.cc); merged pieces that
 * are marked unused are split back into the pieces they were made of.
 */
final class BpeSegmenter implements Segmenter {
    private final PieceVocabulary vocabulary;
    private final PieceTrie userDefinedSymbols;

    BpeSegmenter(PieceVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.userDefinedSymbols = vocabulary.userDefinedTrie();
    }

    /** A candidate merge of symbols {@code left} and {@code right} into a piece of {@code length} bytes. */
    private record Merge(int left, int right, float score, int length) {
    }

    @Override
    public List<Segment> segment(byte[] s) {
        int n = s.length;
        if (n == 0) {
            return List.of();
        }
        // The symbols, a linked list over the characters; a merged-away symbol has length 0.
        List<int[]> spans = new ArrayList<>();   // {start, length}
        List<Boolean> frozen = new ArrayList<>();
        for (int pos = 0; pos < n; ) {
            int length = userDefinedSymbols != null ? userDefinedSymbols.longestMatch(s, pos, n) : 0;
            frozen.add(length > 0);
            if (length == 0) {
                length = Math.min(n - pos, Utf8.charLength(s[pos]));
            }
            spans.add(new int[] {pos, length});
            pos += length;
        }
        int count = spans.size();
        int[] start = new int[count];
        int[] length = new int[count];
        int[] prev = new int[count];
        int[] next = new int[count];
        for (int i = 0; i < count; i++) {
            start[i] = spans.get(i)[0];
            length[i] = spans.get(i)[1];
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        PriorityQueue<Merge> agenda = new PriorityQueue<>((a, b) -> a.score() != b.score()
                ? Float.compare(b.score(), a.score()) : Integer.compare(a.left(), b.left()));
        Map<String, Integer> unusedSplits = new HashMap<>();   // merged unused piece -> bytes of its left part
        MergeFinder finder = (left, right) -> {
            if (left == -1 || right == -1 || frozen.get(left) || frozen.get(right)) {
                return;
            }
            String piece = Utf8.decode(s, start[left], start[left] + length[left] + length[right]);
            int id = vocabulary.segmentableId(piece);
            if (id < 0) {
                return;
            }
            agenda.add(new Merge(left, right, vocabulary.score(id), length[left] + length[right]));
            if (vocabulary.type(id) == PieceType.UNUSED) {
                unusedSplits.put(piece, length[left]);
            }
        };
        for (int i = 1; i < count; i++) {
            finder.consider(i - 1, i);
        }
        while (!agenda.isEmpty()) {
            Merge top = agenda.poll();
            // stale: one side has been merged away or has grown since this candidate was queued
            if (length[top.left()] == 0 || length[top.right()] == 0
                    || length[top.left()] + length[top.right()] != top.length()) {
                continue;
            }
            length[top.left()] += length[top.right()];
            length[top.right()] = 0;
            next[top.left()] = next[top.right()];
            if (next[top.right()] >= 0) {
                prev[next[top.right()]] = top.left();
            }
            finder.consider(prev[top.left()], top.left());
            finder.consider(top.left(), next[top.left()]);
        }

        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i != -1; i = next[i]) {
            resegment(s, start[i], start[i] + length[i], unusedSplits, segments);
        }
        return segments;
    }

    private interface MergeFinder {
        void consider(int left, int right);
    }

    /** Emits {@code s[from, to)}, splitting unused pieces into the two pieces they were merged from. */
    private void resegment(byte[] s, int from, int to, Map<String, Integer> unusedSplits, List<Segment> out) {
        String piece = Utf8.decode(s, from, to);
        int id = vocabulary.pieceToId(piece);
        Integer leftLength = vocabulary.type(id) == PieceType.UNUSED ? unusedSplits.get(piece) : null;
        if (leftLength == null) {
            out.add(new Segment(from, to, id));
            return;
        }
        resegment(s, from, from + leftLength, unusedSplits, out);
        resegment(s, from + leftLength, to, unusedSplits, out);
    }
}

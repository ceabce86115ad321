package io.streamformer.accelerator.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Unigram-model segmentation: the split whose piece scores (log probabilities) sum highest, found by
 * Viterbi over byte positions. A port of SentencePiece's Model::EncodeOptimized (unigram_model.cc),
 * including its arithmetic, so that ties break the same way:
 * <ul>
 *   <li>candidate scores are summed in double and stored in float, as the C++ does;</li>
 *   <li>a character that no single-character piece covers gets {@code <unk>} with the score
 *       min_score - 10;</li>
 *   <li>user-defined symbols score length * max_score - 0.1, so they always win;</li>
 *   <li>unused pieces are never chosen.</li>
 * </ul>
 */
final class UnigramSegmenter implements Segmenter {
    private static final float UNK_PENALTY = 10.0f;

    private final PieceVocabulary vocabulary;
    private final PieceTrie trie;

    UnigramSegmenter(PieceVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.trie = vocabulary.segmentableTrie();
    }

    @Override
    public List<Segment> segment(byte[] s) {
        int n = s.length;
        if (n == 0) {
            return List.of();
        }
        float unkScore = vocabulary.minScore() - UNK_PENALTY;
        // For every end position: the best path's score, where its last piece starts, and that piece's id.
        float[] bestScore = new float[n + 1];
        int[] lastStart = new int[n + 1];
        int[] lastId = new int[n + 1];
        Arrays.fill(lastStart, -1);

        for (int start = 0; start < n; ) {
            float scoreSoFar = bestScore[start];
            int charLength = Math.min(Utf8.charLength(s[start]), n - start);
            boolean coversOneChar = false;
            int node = PieceTrie.ROOT;
            for (int end = start; end < n; ) {
                node = trie.next(node, s[end]);
                if (node == PieceTrie.NONE) {
                    break;
                }
                end++;
                int id = trie.value(node);
                if (id == PieceTrie.NONE || vocabulary.type(id) == PieceType.UNUSED) {
                    continue;
                }
                int length = end - start;
                double score = vocabulary.type(id) == PieceType.USER_DEFINED
                        ? (double) (length * vocabulary.maxScore()) - 0.1
                        : vocabulary.score(id);
                double candidate = score + scoreSoFar;
                if (lastStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = (float) candidate;
                    lastStart[end] = start;
                    lastId[end] = id;
                }
                if (length == charLength) {
                    coversOneChar = true;
                }
            }
            if (!coversOneChar) {
                int end = start + charLength;
                float candidate = unkScore + scoreSoFar;
                if (lastStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = candidate;
                    lastStart[end] = start;
                    lastId[end] = vocabulary.unkId();
                }
            }
            start += charLength;
        }

        List<Segment> segments = new ArrayList<>();
        for (int end = n; end > 0; end = lastStart[end]) {
            segments.add(new Segment(lastStart[end], end, lastId[end]));
        }
        Collections.reverse(segments);
        return segments;
    }
}

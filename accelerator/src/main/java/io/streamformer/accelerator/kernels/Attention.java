package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention for rows of queries against rows of keys and values held in a buffer
 * (a KV cache or the packed K/V of an encoder batch). Query row r attends to key rows
 * [keyStart[r], keyStart[r] + keyCount[r]); masking is expressed by those ranges (padding is never
 * materialised, the causal mask is a shorter range), which gives exactly what an additive
 * large-negative mask gives after the softmax.
 *
 * <p>Grouped-query attention: queries have {@code heads} heads, keys and values {@code kvHeads}, and query head h
 * reads key/value head h / (heads / kvHeads) (multi-head attention when they are equal). Scores are
 * {@code (q · k) × scale} (scale 1 when the queries come pre-scaled, as Marian's do).
 *
 * <p>Both products accumulate in order with a separate multiply and add, as torch's bmm does for
 * attention-sized matrices: scores of large models' first layers reach the hundreds with gaps below 1,
 * so the rounding order shows in the logits, and this order keeps them within 1e-5 of transformers. The
 * vector lanes keep that order: a score vector holds 16 keys, each lane summing its own key's products
 * dimension by dimension (the keys' i-th values are gathered, since the cache holds keys as rows), and the
 * query heads that share a key head use each gathered vector together.
 */
public final class Attention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Query heads scored together against one gathered key vector. */
    private static final int HEADS_PER_PASS = 4;

    private Attention() {
    }

    /** Scratch floats {@link #attend} needs per thread for {@code maxKeys} keys. */
    public static int scratchSize(int maxKeys) {
        return HEADS_PER_PASS * maxKeys;
    }

    /**
     * Computes (row, key head) pairs task in [taskFrom, taskTo), task = row * kvHeads + kvHead, for every query head
     * of that key head. Rows of q and out have width heads·headDim, rows of keys and values kvHeads·headDim;
     * {@code scores} is scratch of at least {@link #scratchSize}(max(keyCount)) floats.
     */
    public static void attend(float[] q, float[] keys, float[] values, int[] keyStart, int[] keyCount,
                              int heads, int kvHeads, int headDim, float scale, float[] out, float[] scores,
                              int taskFrom, int taskTo) {
        final int d = heads * headDim;
        final int kvd = kvHeads * headDim;
        final int group = heads / kvHeads;
        int[] keyRows = new int[L];
        for (int j = 0; j < L; j++) {
            keyRows[j] = j * kvd;
        }
        for (int task = taskFrom; task < taskTo; task++) {
            int row = task / kvHeads;
            int kvh = task % kvHeads;
            int start = keyStart[row];
            int count = keyCount[row];
            int kvBase = start * kvd + kvh * headDim;
            int blocked = count - count % L; // keys in whole vectors; the rest are scored one by one
            for (int g = 0; g < group; g += HEADS_PER_PASS) {
                int n = Math.min(HEADS_PER_PASS, group - g);
                int qo = row * d + (kvh * group + g) * headDim;
                if (n == 1) {
                    gatheredScores(q, qo, keys, kvBase, kvd, headDim, blocked, scores, keyRows);
                } else {
                    // four heads per pass: past the group's end it repeats the last one and ignores it
                    int last = qo + (n - 1) * headDim;
                    gatheredScores(q, qo, Math.min(qo + headDim, last), Math.min(qo + 2 * headDim, last),
                            Math.min(qo + 3 * headDim, last), keys, kvBase, kvd, headDim, blocked, count, scores,
                            keyRows);
                }
                for (int s = 0; s < n; s++) {
                    scalarScores(q, qo + s * headDim, keys, kvBase, kvd, headDim, blocked, count, scores, s * count);
                }
                for (int s = 0; s < n; s++) {
                    softmaxInPlace(scores, s * count, count, scale);
                    weightedValues(scores, s * count, count, values, kvBase, kvd, headDim, out, qo + s * headDim);
                }
            }
        }
    }

    /**
     * scores[s·count + j] = q_s · k_j for the four queries at qo0..qo3 and j in [0, blocked), blocked a multiple of
     * the vector length: sixteen keys per vector, each lane in the order of {@link #scalarScores}.
     */
    private static void gatheredScores(float[] q, int qo0, int qo1, int qo2, int qo3, float[] keys, int ko,
                                       int stride, int n, int blocked, int count, float[] scores, int[] keyRows) {
        for (int j = 0; j < blocked; j += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            int base = ko + j * stride;
            for (int i = 0; i < n; i++) {
                FloatVector k = FloatVector.fromArray(S, keys, base + i, keyRows, 0);
                a0 = a0.add(k.mul(q[qo0 + i]));
                a1 = a1.add(k.mul(q[qo1 + i]));
                a2 = a2.add(k.mul(q[qo2 + i]));
                a3 = a3.add(k.mul(q[qo3 + i]));
            }
            a0.intoArray(scores, j);
            a1.intoArray(scores, count + j);
            a2.intoArray(scores, 2 * count + j);
            a3.intoArray(scores, 3 * count + j);
        }
    }

    /** The one-query form of the above, for multi-head attention, where four repeated queries would cost more. */
    private static void gatheredScores(float[] q, int qo, float[] keys, int ko, int stride, int n, int blocked,
                                       float[] scores, int[] keyRows) {
        for (int j = 0; j < blocked; j += L) {
            FloatVector a = FloatVector.zero(S);
            int base = ko + j * stride;
            for (int i = 0; i < n; i++) {
                a = a.add(FloatVector.fromArray(S, keys, base + i, keyRows, 0).mul(q[qo + i]));
            }
            a.intoArray(scores, j);
        }
    }

    /** scores[so + j] = q · k_j for j in [from, count), four keys at a time for instruction-level parallelism. */
    private static void scalarScores(float[] q, int qo, float[] keys, int ko, int stride, int n, int from, int count,
                                     float[] scores, int so) {
        int j = from;
        for (; j + 4 <= count; j += 4) {
            int k0 = ko + j * stride;
            int k1 = k0 + stride;
            int k2 = k1 + stride;
            int k3 = k2 + stride;
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int i = 0; i < n; i++) {
                float qi = q[qo + i];
                s0 += qi * keys[k0 + i];
                s1 += qi * keys[k1 + i];
                s2 += qi * keys[k2 + i];
                s3 += qi * keys[k3 + i];
            }
            scores[so + j] = s0;
            scores[so + j + 1] = s1;
            scores[so + j + 2] = s2;
            scores[so + j + 3] = s3;
        }
        for (; j < count; j++) {
            int k0 = ko + j * stride;
            float s0 = 0f;
            for (int i = 0; i < n; i++) {
                s0 += q[qo + i] * keys[k0 + i];
            }
            scores[so + j] = s0;
        }
    }

    /** scores[from..from+count) scaled, then softmax, as torch.softmax in fp32 (max, exp, sum in order). */
    private static void softmaxInPlace(float[] scores, int from, int count, float scale) {
        int to = from + count;
        if (scale != 1f) {
            for (int j = from; j < to; j++) {
                scores[j] *= scale;
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) {
            max = Math.max(max, scores[j]);
        }
        float sum = 0f;
        for (int j = from; j < to; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int j = from; j < to; j++) {
            scores[j] *= inv;
        }
    }

    /**
     * out[oo..oo+n) = Σ_j p_j · v_j over the count value rows from {@code values[vBase..]}, in order of j; four
     * vectors of dimensions at a time so that four sums are in flight.
     */
    private static void weightedValues(float[] p, int pFrom, int count, float[] values, int vBase, int stride, int n,
                                       float[] out, int oo) {
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
            FloatVector a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
            int vo = vBase + i;
            for (int j = 0; j < count; j++, vo += stride) {
                FloatVector w = FloatVector.broadcast(S, p[pFrom + j]);
                a0 = a0.add(FloatVector.fromArray(S, values, vo).mul(w));
                a1 = a1.add(FloatVector.fromArray(S, values, vo + L).mul(w));
                a2 = a2.add(FloatVector.fromArray(S, values, vo + 2 * L).mul(w));
                a3 = a3.add(FloatVector.fromArray(S, values, vo + 3 * L).mul(w));
            }
            a0.intoArray(out, oo + i);
            a1.intoArray(out, oo + i + L);
            a2.intoArray(out, oo + i + 2 * L);
            a3.intoArray(out, oo + i + 3 * L);
        }
        for (; i + L <= n; i += L) {
            FloatVector acc = FloatVector.zero(S);
            int vo = vBase + i;
            for (int j = 0; j < count; j++, vo += stride) {
                acc = acc.add(FloatVector.fromArray(S, values, vo).mul(FloatVector.broadcast(S, p[pFrom + j])));
            }
            acc.intoArray(out, oo + i);
        }
        for (; i < n; i++) {
            float acc = 0f;
            int vo = vBase + i;
            for (int j = 0; j < count; j++, vo += stride) {
                acc += values[vo] * p[pFrom + j];
            }
            out[oo + i] = acc;
        }
    }
}

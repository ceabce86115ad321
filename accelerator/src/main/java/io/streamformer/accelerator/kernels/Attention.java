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
 * so the rounding order shows in the logits, and this order keeps them within 1e-5 of transformers.
 */
public final class Attention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Attention() {
    }

    /**
     * Computes (row, head) pairs task in [taskFrom, taskTo), task = row * heads + head. Rows of q and out have width
     * heads·headDim, rows of keys and values kvHeads·headDim; {@code scores} is scratch of at least max(keyCount)
     * floats.
     */
    public static void attend(float[] q, float[] keys, float[] values, int[] keyStart, int[] keyCount,
                              int heads, int kvHeads, int headDim, float scale, float[] out, float[] scores,
                              int taskFrom, int taskTo) {
        final int d = heads * headDim;
        final int kvd = kvHeads * headDim;
        final int group = heads / kvHeads;
        final int bound = headDim >= L ? S.loopBound(headDim) : 0;
        for (int task = taskFrom; task < taskTo; task++) {
            int row = task / heads;
            int h = task % heads;
            int kvh = h / group;
            int qo = row * d + h * headDim;
            int start = keyStart[row];
            int count = keyCount[row];

            scores(q, qo, keys, start * kvd + kvh * headDim, kvd, headDim, count, scores);
            if (scale != 1f) {
                for (int j = 0; j < count; j++) {
                    scores[j] *= scale;
                }
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < count; j++) {
                max = Math.max(max, scores[j]);
            }
            float sum = 0f;
            for (int j = 0; j < count; j++) {
                float e = (float) Math.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < count; j++) {
                scores[j] *= inv;
            }

            int vBase = start * kvd + kvh * headDim;
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector acc = FloatVector.zero(S);
                int vo = vBase + i;
                for (int j = 0; j < count; j++, vo += kvd) {
                    acc = acc.add(FloatVector.fromArray(S, values, vo).mul(FloatVector.broadcast(S, scores[j])));
                }
                acc.intoArray(out, qo + i);
            }
            for (; i < headDim; i++) {
                float acc = 0f;
                int vo = vBase + i;
                for (int j = 0; j < count; j++, vo += kvd) {
                    acc += values[vo] * scores[j];
                }
                out[qo + i] = acc;
            }
        }
    }

    /** scores[j] = q · k_j for j in [0, count), four keys at a time for instruction-level parallelism. */
    private static void scores(float[] q, int qo, float[] keys, int ko, int stride, int n, int count, float[] scores) {
        int j = 0;
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
            scores[j] = s0;
            scores[j + 1] = s1;
            scores[j + 2] = s2;
            scores[j + 3] = s3;
        }
        for (; j < count; j++) {
            int k0 = ko + j * stride;
            float s0 = 0f;
            for (int i = 0; i < n; i++) {
                s0 += q[qo + i] * keys[k0 + i];
            }
            scores[j] = s0;
        }
    }
}

package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention for rows of queries against rows of keys and values held in a buffer
 * (a KV cache or the packed K/V of an encoder batch). Query row r attends to key rows
 * [keyStart[r], keyStart[r] + keyCount[r]); masking is expressed by those ranges (padding is never
 * materialised, the causal mask is a shorter range), which gives exactly what an additive
 * large-negative mask gives after the softmax. Queries come pre-scaled by 1/sqrt(d_k).
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
     * Computes (row, head) pairs task in [taskFrom, taskTo), task = row * heads + head. Rows of q, keys,
     * values and out all have width {@code d = heads * headDim}; {@code scores} is scratch of at least
     * max(keyCount) floats.
     */
    public static void attend(float[] q, float[] keys, float[] values, int[] keyStart, int[] keyCount,
                              int heads, int headDim, float[] out, float[] scores, int taskFrom, int taskTo) {
        final int d = heads * headDim;
        final int bound = headDim >= L ? S.loopBound(headDim) : 0;
        for (int task = taskFrom; task < taskTo; task++) {
            int row = task / heads;
            int h = task % heads;
            int qo = row * d + h * headDim;
            int start = keyStart[row];
            int count = keyCount[row];

            scores(q, qo, keys, (start * d) + h * headDim, d, headDim, count, scores);
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

            int i = 0;
            for (; i < bound; i += L) {
                FloatVector acc = FloatVector.zero(S);
                int vo = start * d + h * headDim + i;
                for (int j = 0; j < count; j++, vo += d) {
                    acc = acc.add(FloatVector.fromArray(S, values, vo).mul(scores[j]));
                }
                acc.intoArray(out, qo + i);
            }
            for (; i < headDim; i++) {
                float acc = 0f;
                int vo = start * d + h * headDim + i;
                for (int j = 0; j < count; j++, vo += d) {
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

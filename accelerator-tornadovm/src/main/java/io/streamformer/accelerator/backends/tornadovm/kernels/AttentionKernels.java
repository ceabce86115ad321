package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static io.streamformer.accelerator.backends.tornadovm.kernels.KernelMath.REDUCE_LOCAL;

/**
 * Scaled dot-product attention of query rows over key/value rows [keyStart[r], keyStart[r] + keyCount[r]) of a
 * buffer (a KV cache, or the K/V of an encoder batch), as the JVM's {@code kernels.Attention}: scores (q · k) × scale,
 * softmax with its max and sum, probabilities scaled by 1/sum, then p·v accumulated in key order.
 *
 * <p>Grouped-query attention: query rows hold {@code heads} heads of {@code headDim}, key and value rows
 * {@code kvHeads}; query head h reads key/value head h / (heads / kvHeads).
 *
 * <p>One work-group per (row, head), grid-stride over them: each work-item scores some keys into local memory
 * ({@link #MAX_KEYS} at most), the max and the sum are local-memory tree reductions, then each work-item accumulates
 * some of the head's dimensions.
 */
public final class AttentionKernels {

    /** The most keys one query row may see (its scores are kept in local memory). */
    public static final int MAX_KEYS = 1024;

    private AttentionKernels() {
    }

    /** params: rows, qOff, keysOff, valuesOff, keyStartOff, keyCountOff (in ints), outOff. */
    public static void attention(KernelContext ctx, FloatArray q, FloatArray keys, FloatArray values, FloatArray out,
                                 IntArray ints, IntArray params, int p, int heads, int kvHeads, int headDim,
                                 float scale) {
        float[] scores = ctx.allocateFloatLocalArray(MAX_KEYS);
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int qOff = params.get(p + 1);
        int keysOff = params.get(p + 2);
        int valuesOff = params.get(p + 3);
        int startOff = params.get(p + 4);
        int countOff = params.get(p + 5);
        int outOff = params.get(p + 6);
        int d = heads * headDim;
        int kvd = kvHeads * headDim;
        int group = heads / kvHeads;
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        int units = rows * heads;
        for (int unit = ctx.groupIdx; unit < units; unit += groups) {
            int row = unit / heads;
            int h = unit - row * heads;
            int kvh = h / group;
            int start = ints.get(startOff + row);
            int count = ints.get(countOff + row);
            int qo = qOff + row * d + h * headDim;
            int ko = keysOff + start * kvd + kvh * headDim;

            float max = -3.4028235e38f;
            for (int j = lid; j < count; j += groupSize) {
                int kj = ko + j * kvd;
                float s = 0f;
                for (int i = 0; i < headDim; i++) {
                    s += q.get(qo + i) * keys.get(kj + i);
                }
                s = s * scale;
                scores[j] = s;
                max = TornadoMath.max(max, s);
            }
            red[lid] = max;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] = TornadoMath.max(red[lid], red[lid + stride]);
                }
            }
            ctx.localBarrier();
            float m = red[0];
            ctx.localBarrier();

            float sum = 0f;
            for (int j = lid; j < count; j += groupSize) {
                float e = TornadoMath.exp(scores[j] - m);
                scores[j] = e;
                sum += e;
            }
            red[lid] = sum;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float inv = 1f / red[0];
            for (int j = lid; j < count; j += groupSize) {
                scores[j] = scores[j] * inv;
            }
            ctx.localBarrier();

            int vo = valuesOff + start * kvd + kvh * headDim;
            for (int i = lid; i < headDim; i += groupSize) {
                float acc = 0f;
                for (int j = 0; j < count; j++) {
                    acc += values.get(vo + j * kvd + i) * scores[j];
                }
                out.set(outOff + row * d + h * headDim + i, acc);
            }
            ctx.localBarrier();
        }
    }
}

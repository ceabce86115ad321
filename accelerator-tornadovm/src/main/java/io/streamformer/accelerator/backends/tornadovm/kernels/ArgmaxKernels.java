package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static io.streamformer.accelerator.backends.tornadovm.kernels.KernelMath.REDUCE_LOCAL;

/** Greedy decoding's choice on the device: three floats per row come back instead of a vocabulary row. */
public final class ArgmaxKernels {

    private ArgmaxKernels() {
    }

    /**
     * Greedy decoding's choice per row of logits (width vocab), one work-group per row: out[3r] = the index of
     * the largest entry with the row's banned ids counting as -inf (the first index on ties, as torch.argmax), or
     * the forced id when it is &gt;= 0; out[3r+1] = log-sum-exp of the raw row; out[3r+2] = the entry at the chosen
     * index (-inf if banned). params: rows, logitsOff, banStartOff, banCountOff, bansOff, forcedOff (in ints),
     * outOff.
     */
    public static void argmaxRows(KernelContext ctx, FloatArray logits, FloatArray out, IntArray ints, IntArray params,
                                  int p, int vocab) {
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int[] redIndex = ctx.allocateIntLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int logitsOff = params.get(p + 1);
        int banStartOff = params.get(p + 2);
        int banCountOff = params.get(p + 3);
        int bansOff = params.get(p + 4);
        int forcedOff = params.get(p + 5);
        int outOff = params.get(p + 6);
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        for (int row = ctx.groupIdx; row < rows; row += groups) {
            int base = logitsOff + row * vocab;
            int banStart = bansOff + ints.get(banStartOff + row);
            int banCount = ints.get(banCountOff + row);
            float max = Float.NEGATIVE_INFINITY;
            float best = Float.NEGATIVE_INFINITY;
            int bestIndex = vocab;
            for (int i = lid; i < vocab; i += groupSize) {
                float v = logits.get(base + i);
                max = TornadoMath.max(max, v);
                float candidate = v;
                for (int b = 0; b < banCount; b++) {
                    if (ints.get(banStart + b) == i) {
                        candidate = Float.NEGATIVE_INFINITY;
                    }
                }
                if (bestIndex == vocab || candidate > best) {
                    best = candidate;
                    bestIndex = i;
                }
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

            red[lid] = best;
            redIndex[lid] = bestIndex;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    float other = red[lid + stride];
                    int otherIndex = redIndex[lid + stride];
                    boolean better = otherIndex < vocab && (redIndex[lid] == vocab || other > red[lid]
                            || (other == red[lid] && otherIndex < redIndex[lid]));
                    if (better) {
                        red[lid] = other;
                        redIndex[lid] = otherIndex;
                    }
                }
            }
            ctx.localBarrier();
            float chosen = red[0];
            int chosenIndex = redIndex[0];
            ctx.localBarrier();

            float sum = 0f;
            for (int i = lid; i < vocab; i += groupSize) {
                sum += TornadoMath.exp(logits.get(base + i) - m);
            }
            red[lid] = sum;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            if (lid == 0) {
                int forced = ints.get(forcedOff + row);
                if (forced >= 0) {
                    chosenIndex = forced;
                    chosen = logits.get(base + forced);
                }
                out.set(outOff + 3 * row, chosenIndex);
                out.set(outOff + 3 * row + 1, m + TornadoMath.log(red[0]));
                out.set(outOff + 3 * row + 2, chosen);
            }
            ctx.localBarrier();
        }
    }
}

package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import static io.streamformer.accelerator.backends.tornadovm.kernels.KernelMath.REDUCE_LOCAL;

/**
 * LayerNorm and RMSNorm over rows of width d, each after an optional residual add, with the conventions of the JVM's
 * {@code kernels.Norms}: s = x (+ residual); s goes to the sum rows when {@code hasSum} (a pre-norm model's residual
 * stream), else to the output rows, which are then normalised in place. Sum and output are both ranges of
 * {@code arena}, one parameter: TornadoVM 5.2's graph compiler never finishes scheduling a task that binds one array
 * to two parameters it writes. One work-group per row (grid-stride over rows);
 * the row's sums are local-memory tree reductions, written out in each kernel (TornadoVM does not keep a local array
 * local when it is passed to a helper). Every element is read and written by the same work-item in every pass, so
 * outputs may alias inputs. Optional operands ({@code has...} 0) are bound to some array and never read.
 */
public final class NormKernels {

    private NormKernels() {
    }

    /**
     * out = (s - mean) / sqrt(var + eps) · gamma (+ beta), mean and biased variance in two passes, as torch.
     * params: rows, xOff, residualOff, gammaOff, betaOff, sumOff, outOff.
     */
    public static void layerNorm(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray gamma,
                                 FloatArray beta, FloatArray arena, IntArray params, int p, int d,
                                 float eps, int hasResidual, int hasBeta, int hasSum) {
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int xOff = params.get(p + 1);
        int resOff = params.get(p + 2);
        int gammaOff = params.get(p + 3);
        int betaOff = params.get(p + 4);
        int sumOff = params.get(p + 5);
        int outOff = params.get(p + 6);
        int sOff = hasSum != 0 ? sumOff : outOff;
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        for (int row = ctx.groupIdx; row < rows; row += groups) {
            int o = row * d;
            float total = 0f;
            for (int i = lid; i < d; i += groupSize) {
                float v = x.get(xOff + o + i);
                if (hasResidual != 0) {
                    v = v + residual.get(resOff + o + i);
                }
                arena.set(sOff + o + i, v);
                total += v;
            }
            red[lid] = total;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float mean = red[0] / d;
            ctx.localBarrier();
            float sq = 0f;
            for (int i = lid; i < d; i += groupSize) {
                float s = arena.get(sOff + o + i);
                float c = s - mean;
                sq += c * c;
            }
            red[lid] = sq;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float inv = 1f / TornadoMath.sqrt(red[0] / d + eps);
            ctx.localBarrier();
            for (int i = lid; i < d; i += groupSize) {
                float s = arena.get(sOff + o + i);
                float v = (s - mean) * inv * gamma.get(gammaOff + i);
                if (hasBeta != 0) {
                    v = v + beta.get(betaOff + i);
                }
                arena.set(outOff + o + i, v);
            }
        }
    }

    /**
     * Llama's RMSNorm: out = gamma · (s · 1/sqrt(mean(s²) + eps)), the order of transformers' LlamaRMSNorm.
     * params: rows, xOff, residualOff, gammaOff, sumOff, outOff.
     */
    public static void rmsNorm(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray gamma,
                               FloatArray arena, IntArray params, int p, int d, float eps,
                               int hasResidual, int hasSum) {
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int xOff = params.get(p + 1);
        int resOff = params.get(p + 2);
        int gammaOff = params.get(p + 3);
        int sumOff = params.get(p + 4);
        int outOff = params.get(p + 5);
        int sOff = hasSum != 0 ? sumOff : outOff;
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        for (int row = ctx.groupIdx; row < rows; row += groups) {
            int o = row * d;
            float squares = 0f;
            for (int i = lid; i < d; i += groupSize) {
                float v = x.get(xOff + o + i);
                if (hasResidual != 0) {
                    v = v + residual.get(resOff + o + i);
                }
                arena.set(sOff + o + i, v);
                squares += v * v;
            }
            red[lid] = squares;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float inv = 1f / TornadoMath.sqrt(red[0] / d + eps);
            ctx.localBarrier();
            for (int i = lid; i < d; i += groupSize) {
                float s = arena.get(sOff + o + i);
                arena.set(outOff + o + i, s * inv * gamma.get(gammaOff + i));
            }
        }
    }
}

package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Residual add followed by LayerNorm (the post-LN "Add &amp; Norm" of the paper and of Marian). */
public final class Norms {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Norms() {
    }

    /**
     * For rows [rowFrom, rowTo): out = LayerNorm(x + residual) * gamma + beta, rows of width {@code d}.
     * {@code out} may alias {@code x} or {@code residual}. Mean and biased variance in two passes, as torch.
     */
    public static void addLayerNorm(float[] x, float[] residual, float[] gamma, float[] beta, float eps,
                                    int d, float[] out, int rowFrom, int rowTo) {
        int bound = S.loopBound(d);
        float[] lanes = new float[S.length()];
        for (int r = rowFrom; r < rowTo; r++) {
            int o = r * d;
            FloatVector acc = FloatVector.zero(S);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, o + i).add(FloatVector.fromArray(S, residual, o + i));
                v.intoArray(out, o + i);
                acc = acc.add(v);
            }
            float sum = VectorMath.sumLanes(acc, lanes);
            for (; i < d; i++) {
                float v = x[o + i] + residual[o + i];
                out[o + i] = v;
                sum += v;
            }
            float mean = sum / d;
            FloatVector meanV = FloatVector.broadcast(S, mean);
            FloatVector sq = FloatVector.zero(S);
            i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector c = FloatVector.fromArray(S, out, o + i).sub(meanV);
                sq = c.fma(c, sq);
            }
            float var = VectorMath.sumLanes(sq, lanes);
            for (; i < d; i++) {
                float c = out[o + i] - mean;
                var += c * c;
            }
            float inv = (float) (1.0 / Math.sqrt(var / d + eps));
            FloatVector invV = FloatVector.broadcast(S, inv);
            i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector c = FloatVector.fromArray(S, out, o + i).sub(meanV).mul(invV);
                c.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(out, o + i);
            }
            for (; i < d; i++) {
                out[o + i] = (out[o + i] - mean) * inv * gamma[i] + beta[i];
            }
        }
    }
}

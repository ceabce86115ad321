package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm and RMSNorm over rows, each optionally after a residual add: with {@code residual} non-null the row
 * normalised is s = x + residual, which is also written to {@code sum} when that is non-null (the residual stream of
 * a pre-norm model: sum aliases residual); then out = norm(s). Post-norm models (the paper, Marian) pass no sum and
 * let out alias x. Every output may alias any input: each row is read whole before it is written.
 */
public final class Norms {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Norms() {
    }

    /** out = LayerNorm(x + residual) · gamma + beta, as {@link #layerNorm} with a residual and no sum. */
    public static void addLayerNorm(float[] x, float[] residual, float[] gamma, float[] beta, float eps,
                                    int d, float[] out, int rowFrom, int rowTo) {
        layerNorm(x, residual, gamma, beta, eps, d, null, out, rowFrom, rowTo);
    }

    /**
     * For rows [rowFrom, rowTo) of width {@code d}: s = x (+ residual); sum = s (if given); out = (s - mean) /
     * sqrt(var + eps) · gamma + beta (beta may be null). Mean and biased variance in two passes, as torch.
     */
    public static void layerNorm(float[] x, float[] residual, float[] gamma, float[] beta, float eps, int d,
                                 float[] sum, float[] out, int rowFrom, int rowTo) {
        int bound = S.loopBound(d);
        float[] lanes = new float[S.length()];
        float[] s = sum != null ? sum : out;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = r * d;
            float total = addInto(x, residual, s, o, d, bound, lanes);
            float mean = total / d;
            FloatVector meanV = FloatVector.broadcast(S, mean);
            FloatVector sq = FloatVector.zero(S);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector c = FloatVector.fromArray(S, s, o + i).sub(meanV);
                sq = c.fma(c, sq);
            }
            float var = VectorMath.sumLanes(sq, lanes);
            for (; i < d; i++) {
                float c = s[o + i] - mean;
                var += c * c;
            }
            float inv = (float) (1.0 / Math.sqrt(var / d + eps));
            FloatVector invV = FloatVector.broadcast(S, inv);
            i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector c = FloatVector.fromArray(S, s, o + i).sub(meanV).mul(invV);
                FloatVector g = FloatVector.fromArray(S, gamma, i);
                (beta == null ? c.mul(g) : c.fma(g, FloatVector.fromArray(S, beta, i))).intoArray(out, o + i);
            }
            for (; i < d; i++) {
                float c = (s[o + i] - mean) * inv;
                out[o + i] = beta == null ? c * gamma[i] : c * gamma[i] + beta[i];
            }
        }
    }

    /**
     * Llama's RMSNorm for rows [rowFrom, rowTo): s = x (+ residual); sum = s (if given); out = gamma · (s ·
     * 1/sqrt(mean(s²) + eps)), the order of transformers' LlamaRMSNorm.
     */
    public static void rmsNorm(float[] x, float[] residual, float[] gamma, float eps, int d, float[] sum,
                               float[] out, int rowFrom, int rowTo) {
        int bound = S.loopBound(d);
        float[] lanes = new float[S.length()];
        float[] s = sum != null ? sum : out;
        for (int r = rowFrom; r < rowTo; r++) {
            int o = r * d;
            addInto(x, residual, s, o, d, bound, lanes);
            FloatVector sq = FloatVector.zero(S);
            int i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector v = FloatVector.fromArray(S, s, o + i);
                sq = v.fma(v, sq);
            }
            float squares = VectorMath.sumLanes(sq, lanes);
            for (; i < d; i++) {
                squares += s[o + i] * s[o + i];
            }
            float inv = (float) (1.0 / Math.sqrt(squares / d + eps));
            FloatVector invV = FloatVector.broadcast(S, inv);
            i = 0;
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, s, o + i).mul(invV).mul(FloatVector.fromArray(S, gamma, i))
                        .intoArray(out, o + i);
            }
            for (; i < d; i++) {
                out[o + i] = s[o + i] * inv * gamma[i];
            }
        }
    }

    /** dst[o..o+d) = x + residual (or x when residual is null); returns the row's sum in lane order. */
    private static float addInto(float[] x, float[] residual, float[] dst, int o, int d, int bound, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, o + i);
            if (residual != null) {
                v = v.add(FloatVector.fromArray(S, residual, o + i));
            }
            v.intoArray(dst, o + i);
            acc = acc.add(v);
        }
        float sum = VectorMath.sumLanes(acc, lanes);
        for (; i < d; i++) {
            float v = residual != null ? x[o + i] + residual[o + i] : x[o + i];
            dst[o + i] = v;
            sum += v;
        }
        return sum;
    }
}

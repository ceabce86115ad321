package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embeddings as transformers' Llama computes them ("rotate half": the pairs are (i, i + d/2) of a
 * head's d dimensions): x'[i] = x[i]·cos[p, i] - x[i + d/2]·sin[p, i] and x'[i + d/2] = x[i + d/2]·cos[p, i] +
 * x[i]·sin[p, i], two products then a sum, as torch evaluates {@code q * cos + rotate_half(q) * sin}.
 */
public final class Rotary {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Rotary() {
    }

    /**
     * Llama 3's rope_scaling ({@code rope_type: llama3}): long wavelengths are divided by {@code factor}, short ones
     * kept, the ones between interpolated.
     */
    public record Llama3Scaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
    }

    /**
     * The inverse frequencies of a head of {@code dims} dimensions (dims/2 of them), in fp32 as transformers computes
     * them: 1 / theta^(2i / dims), then Llama 3's scaling when given.
     */
    public static float[] inverseFrequencies(int dims, double theta, Llama3Scaling scaling) {
        float[] inv = new float[dims / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dims;
            inv[i] = 1f / (float) Math.pow(theta, exponent);
        }
        if (scaling != null) {
            float factor = (float) scaling.factor();
            double lowWavelen = scaling.originalMaxPositions() / scaling.lowFreqFactor();
            double highWavelen = scaling.originalMaxPositions() / scaling.highFreqFactor();
            for (int i = 0; i < inv.length; i++) {
                float f = inv[i];
                float wavelen = (float) (2 * Math.PI) / f;
                float scaled = wavelen > lowWavelen ? f / factor : f;
                if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                    // fp32 throughout, as torch evaluates it on the float tensor
                    float smooth = ((float) scaling.originalMaxPositions() / wavelen - (float) scaling.lowFreqFactor())
                            / (float) (scaling.highFreqFactor() - scaling.lowFreqFactor());
                    scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                }
                inv[i] = scaled;
            }
        }
        return inv;
    }

    /** cos and sin tables [positions][dims/2]: angle = position · inverse frequency, in fp32. */
    public static float[][] tables(int positions, float[] inverseFrequencies) {
        int half = inverseFrequencies.length;
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * inverseFrequencies[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][]{cos, sin};
    }

    /**
     * Rotates rows [rowFrom, rowTo) of {@code x} in place: each row holds {@code heads} heads of {@code headDim},
     * at position {@code positions[r]} of the tables (width headDim/2).
     */
    public static void apply(float[] x, int heads, int headDim, int[] positions, float[] cos, float[] sin,
                             int rowFrom, int rowTo) {
        int half = headDim / 2;
        int bound = half >= S.length() ? S.loopBound(half) : 0;
        for (int r = rowFrom; r < rowTo; r++) {
            int t = positions[r] * half;
            for (int h = 0; h < heads; h++) {
                int b = (r * heads + h) * headDim;
                int i = 0;
                for (; i < bound; i += S.length()) {
                    FloatVector x1 = FloatVector.fromArray(S, x, b + i);
                    FloatVector x2 = FloatVector.fromArray(S, x, b + half + i);
                    FloatVector c = FloatVector.fromArray(S, cos, t + i);
                    FloatVector s = FloatVector.fromArray(S, sin, t + i);
                    x1.mul(c).add(x2.neg().mul(s)).intoArray(x, b + i);
                    x2.mul(c).add(x1.mul(s)).intoArray(x, b + half + i);
                }
                for (; i < half; i++) {
                    float x1 = x[b + i];
                    float x2 = x[b + half + i];
                    float c = cos[t + i];
                    float s = sin[t + i];
                    x[b + i] = x1 * c + -x2 * s;
                    x[b + half + i] = x2 * c + x1 * s;
                }
            }
        }
    }
}

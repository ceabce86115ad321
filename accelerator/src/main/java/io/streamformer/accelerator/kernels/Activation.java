package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Feed-forward activations, under the names Hugging Face configs use. */
public enum Activation {
    IDENTITY("identity", "linear"),
    RELU("relu"),
    SWISH("swish", "silu"),
    GELU("gelu"),
    GELU_NEW("gelu_new", "gelu_pytorch_tanh", "gelu_fast");

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector V_ZERO = FloatVector.zero(S);
    private static final FloatVector V_ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector V_HALF = FloatVector.broadcast(S, 0.5f);
    private static final FloatVector V_GELU_C = FloatVector.broadcast(S, 0.044715f);
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    private static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));

    private final String[] names;

    Activation(String... names) {
        this.names = names;
    }

    public static Optional<Activation> fromHuggingFace(String name) {
        for (Activation a : values()) {
            if (a != IDENTITY && Arrays.asList(a.names).contains(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    public static String supportedNames() {
        return Arrays.stream(values()).filter(a -> a != IDENTITY)
                .flatMap(a -> Arrays.stream(a.names)).collect(Collectors.joining(", "));
    }

    public float apply(float x) {
        return switch (this) {
            case IDENTITY -> x;
            case RELU -> Math.max(x, 0f);
            case SWISH -> x / (1f + VectorMath.exp(-x));
            case GELU -> 0.5f * x * (1f + (float) erf(x * INV_SQRT_2));
            case GELU_NEW -> {
                float inner = (x * x * x * 0.044715f + x) * SQRT_2_OVER_PI;
                yield x * 0.5f * (VectorMath.tanh(inner) + 1f); // halved first: 2x overflows near Float.MAX_VALUE
            }
        };
    }

    /**
     * Applies the activation to {@code x[from, to)} in place. Each activation has its own loop so that the JIT
     * compiles its vector operations (exp, tanh) inline, where the vector shape is a constant: called as a method of
     * their own they would run boxed, many times slower.
     */
    public void applyInPlace(float[] x, int from, int to) {
        switch (this) {
            case IDENTITY -> { }
            case RELU -> relu(x, from, to);
            case SWISH -> swish(x, from, to);
            case GELU_NEW -> geluNew(x, from, to);
            case GELU -> {
                for (int i = from; i < to; i++) {
                    x[i] = apply(x[i]);
                }
            }
        }
    }

    private static void relu(float[] x, int from, int to) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector.fromArray(S, x, i).max(V_ZERO).intoArray(x, i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector.fromArray(S, x, i, m).max(V_ZERO).intoArray(x, i, m);
        }
    }

    private static final FloatVector V_TWO = FloatVector.broadcast(S, 2f);

    /** x / (1 + e^-x), chunk by chunk: -x into the scratch, exp in place, then the quotient. */
    private static void swish(float[] x, int from, int to) {
        float[] e = VectorMath.scratch();
        for (int c = from; c < to; c += VectorMath.CHUNK) {
            int len = Math.min(VectorMath.CHUNK, to - c);
            int j = 0;
            for (; j + S.length() <= len; j += S.length()) {
                FloatVector.fromArray(S, x, c + j).neg().intoArray(e, j);
            }
            for (; j < len; j++) {
                e[j] = -x[c + j];
            }
            VectorMath.expInPlace(e, 0, len);
            j = 0;
            for (; j + S.length() <= len; j += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, c + j);
                v.div(FloatVector.fromArray(S, e, j).add(V_ONE)).intoArray(x, c + j);
            }
            for (; j < len; j++) {
                x[c + j] = x[c + j] / (e[j] + 1f);
            }
        }
    }

    /**
     * 0.5·v·(1 + tanh(sqrt(2/π)·(v + 0.044715·v³))), tanh(y) = 1 - 2/(e^{2y} + 1), the operations of the scalar
     * form in its order, chunk by chunk through the scratch.
     */
    private static void geluNew(float[] x, int from, int to) {
        float[] e = VectorMath.scratch();
        for (int c = from; c < to; c += VectorMath.CHUNK) {
            int len = Math.min(VectorMath.CHUNK, to - c);
            int j = 0;
            for (; j + S.length() <= len; j += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, c + j);
                v.mul(v).mul(v).mul(V_GELU_C).add(v).mul(V_SQRT_2_OVER_PI).mul(V_TWO).intoArray(e, j);
            }
            for (; j < len; j++) {
                float v = x[c + j];
                e[j] = 2f * ((v * v * v * 0.044715f + v) * SQRT_2_OVER_PI);
            }
            VectorMath.expInPlace(e, 0, len);
            j = 0;
            for (; j + S.length() <= len; j += S.length()) {
                FloatVector v = FloatVector.fromArray(S, x, c + j);
                FloatVector tanh = V_ONE.sub(V_TWO.div(FloatVector.fromArray(S, e, j).add(V_ONE)));
                v.mul(V_HALF).mul(tanh.add(V_ONE)).intoArray(x, c + j);
            }
            for (; j < len; j++) {
                float tanh = 1f - 2f / (e[j] + 1f);
                x[c + j] = x[c + j] * 0.5f * (tanh + 1f);
            }
        }
    }

    private static final FloatVector V_SQRT_2_OVER_PI = FloatVector.broadcast(S, SQRT_2_OVER_PI);

    /**
     * erf(x) with a relative error below 1.2e-7 (Numerical Recipes' erfc by Chebyshev fitting), far below
     * the rounding of the fp32 result.
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }
}

package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;

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
                yield (VectorMath.tanh(inner) + 1f) * x * 0.5f;
            }
        };
    }

    /** True where {@link #apply(FloatVector)} is vectorised; GELU (erf) runs scalar. */
    public boolean vectorised() {
        return this != GELU;
    }

    public FloatVector apply(FloatVector x) {
        return switch (this) {
            case IDENTITY -> x;
            case RELU -> x.max(0f);
            case SWISH -> x.div(VectorMath.exp(x.neg()).add(1f));
            case GELU_NEW -> {
                FloatVector inner = x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI);
                yield VectorMath.tanh(inner).add(1f).mul(x).mul(0.5f);
            }
            case GELU -> throw new UnsupportedOperationException("GELU (erf) runs scalar");
        };
    }

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

package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * Constants and scalar helpers shared by the kernels of this package. The helpers are inlined by TornadoVM into the
 * kernels that call them; each has a single return (early returns inside inlined helpers mis-lower on some of
 * TornadoVM's backends).
 */
public final class KernelMath {

    /** Work-group size of the kernels that reduce a row in local memory; a power of two. */
    public static final int REDUCE_LOCAL = 64;

    /** Activation codes (shapes of a task graph, see {@link #activate}). */
    public static final int ACT_IDENTITY = 0;
    public static final int ACT_RELU = 1;
    public static final int ACT_SWISH = 2;
    public static final int ACT_GELU = 3;
    public static final int ACT_GELU_NEW = 4;

    private static final float TWO_TO_MINUS_24 = 5.9604645e-8f;
    private static final float TWO_TO_MINUS_25 = 2.9802322e-8f;

    private KernelMath() {
    }

    /** The activation {@code act} (an ACT_ code) of x, as the JVM's {@code kernels.Activation} computes it. */
    public static float activate(float x, int act) {
        float y = x;
        if (act == ACT_RELU) {
            y = TornadoMath.max(x, 0f);
        } else if (act == ACT_SWISH) {
            y = x / (1f + TornadoMath.exp(-x));
        } else if (act == ACT_GELU) {
            y = 0.5f * x * (1f + erf(x * 0.70710678118654752f));
        } else if (act == ACT_GELU_NEW) {
            float inner = (x * x * x * 0.044715f + x) * 0.79788456080286536f;
            y = (TornadoMath.tanh(inner) + 1f) * x * 0.5f;
        }
        return y;
    }

    /** erf by Numerical Recipes' Chebyshev fit of erfc (relative error below 1.2e-7), as the JVM kernels. */
    public static float erf(float x) {
        float z = TornadoMath.abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = -z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                + t * (-0.82215223f + t * 0.17087277f))))))));
        float erfc = t * TornadoMath.exp(poly);
        float r = 1f - erfc;
        if (x < 0f) {
            r = erfc - 1f;
        }
        return r;
    }

    /**
     * The IEEE half-precision value of the bit pattern {@code bits}, finite values only (the engine refuses others
     * at load). Arithmetic only, every step exact: TornadoVM's OpenCL backend has no bit reinterpretation
     * ({@code Float.intBitsToFloat}), and {@code half} needs cl_khr_fp16, which CPU drivers such as PoCL lack.
     * Normal: (1024 + mantissa) · 2^exponent · 2^-25; subnormal: mantissa · 2^-24.
     */
    public static float halfToFloat(short bits) {
        int b = bits & 0xFFFF;
        int exponent = (b >> 10) & 0x1F;
        int mantissa = b & 0x3FF;
        float magnitude = mantissa * TWO_TO_MINUS_24;
        if (exponent != 0) {
            magnitude = (float) (mantissa + 1024) * (float) (1 << exponent) * TWO_TO_MINUS_25;
        }
        float value = magnitude;
        if ((b & 0x8000) != 0) {
            value = -magnitude;
        }
        return value;
    }
}

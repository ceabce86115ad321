package io.streamformer.accelerator.weights;

import io.streamformer.accelerator.format.ModelFormatException;

/**
 * Conversions between weight types, done once at load. Widening F16 or BF16 to F32 is exact; F32 to F16 or BF16
 * rounds each value to nearest-even; any type to I8 quantizes each row symmetrically (scale = max|w| / 127,
 * q = round(w / scale)), as CTranslate2 does. A value the target cannot hold (beyond f16's range, not finite) is
 * refused with the tensor named.
 */
public final class WeightConversions {
    private WeightConversions() {
    }

    /** {@code w} as {@code target} ({@code w} itself when it already is); {@code name} names the tensor in errors. */
    public static Weights convert(Weights w, WeightType target, String name) {
        if (w.type() == target) {
            return w;
        }
        return switch (target) {
            case F32 -> new Weights.F32(toFloats(w), w.rows(), w.cols());
            case F16 -> toF16(toFloats(w), w.rows(), w.cols(), name);
            case BF16 -> toBF16(toFloats(w), w.rows(), w.cols(), name);
            case I8 -> quantize(toFloats(w), w.rows(), w.cols(), name);
        };
    }

    /** Every element widened to fp32 (I8: q × scale). */
    public static float[] toFloats(Weights w) {
        if (w instanceof Weights.F32 f) {
            return f.data();
        }
        int rows = w.rows();
        int cols = w.cols();
        float[] out = new float[rows * cols];
        switch (w) {
            case Weights.F16 h -> {
                short[] d = h.data();
                for (int i = 0; i < d.length; i++) {
                    out[i] = Float.float16ToFloat(d[i]);
                }
            }
            case Weights.BF16 b -> {
                short[] d = b.data();
                for (int i = 0; i < d.length; i++) {
                    out[i] = Float.intBitsToFloat((d[i] & 0xFFFF) << 16);
                }
            }
            case Weights.I8 q -> {
                byte[] d = q.data();
                for (int r = 0; r < rows; r++) {
                    float s = q.scales()[r];
                    for (int c = 0; c < cols; c++) {
                        out[r * cols + c] = d[r * cols + c] * s;
                    }
                }
            }
            case Weights.F32 f -> throw new AssertionError();
        }
        return out;
    }

    static Weights.F16 toF16(float[] v, int rows, int cols, String name) {
        short[] out = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (!Float.isFinite(x) || Math.abs(x) > 65504f) {
                throw new ModelFormatException("tensor '" + name + "' holds " + x + " at [" + i / cols + ", " + i % cols
                        + "], beyond the range of f16 (+-65504): use --weights bf16 or f32");
            }
            out[i] = Float.floatToFloat16(x);
        }
        return new Weights.F16(out, rows, cols);
    }

    static Weights.BF16 toBF16(float[] v, int rows, int cols, String name) {
        short[] out = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (!Float.isFinite(x)) {
                throw new ModelFormatException("tensor '" + name + "' holds " + x + " at [" + i / cols + ", " + i % cols
                        + "]: not a finite number");
            }
            out[i] = roundToBF16(x);
            if ((out[i] & 0x7F80) == 0x7F80) {
                throw new ModelFormatException("tensor '" + name + "' holds " + x + " at [" + i / cols + ", " + i % cols
                        + "], beyond the range of bf16");
            }
        }
        return new Weights.BF16(out, rows, cols);
    }

    /** fp32 to bfloat16 bits, rounding to nearest-even (finite inputs; the very largest round to infinity). */
    public static short roundToBF16(float x) {
        int bits = Float.floatToRawIntBits(x);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    static Weights.I8 quantize(float[] v, int rows, int cols, String name) {
        byte[] q = new byte[v.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float amax = 0f;
            for (int c = 0; c < cols; c++) {
                float x = v[r * cols + c];
                if (!Float.isFinite(x)) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + x + " at [" + r + ", " + c
                            + "]: not a finite number");
                }
                amax = Math.max(amax, Math.abs(x));
            }
            float scale = amax > 0 ? amax / 127f : 1f;
            scales[r] = scale;
            float inv = 1f / scale;
            for (int c = 0; c < cols; c++) {
                q[r * cols + c] = (byte) Math.max(-127, Math.min(127, Math.round(v[r * cols + c] * inv)));
            }
        }
        return new Weights.I8(q, scales, rows, cols);
    }

    /** Refuses a 16-bit matrix whose values are not all finite (the kernels widen without handling Inf or NaN). */
    public static void requireFinite(Weights w, String name) {
        if (w instanceof Weights.F16 h) {
            short[] d = h.data();
            for (int i = 0; i < d.length; i++) {
                if ((d[i] & 0x7C00) == 0x7C00) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + Float.float16ToFloat(d[i]) + " at ["
                            + i / h.cols() + ", " + i % h.cols() + "]: not a finite number");
                }
            }
        } else if (w instanceof Weights.BF16 b) {
            short[] d = b.data();
            for (int i = 0; i < d.length; i++) {
                if ((d[i] & 0x7F80) == 0x7F80) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + b.get(i / b.cols(), i % b.cols())
                            + " at [" + i / b.cols() + ", " + i % b.cols() + "]: not a finite number");
                }
            }
        } else if (w instanceof Weights.F32 f) {
            float[] d = f.data();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    throw new ModelFormatException("tensor '" + name + "' holds " + d[i] + " at [" + i / f.cols() + ", "
                            + i % f.cols() + "]: not a finite number");
                }
            }
        }
    }

    /** The transpose of {@code w}: GPT-2's Conv1D stores [in, out], the backends take [out, in]. F32/F16/BF16. */
    public static Weights transpose(Weights w) {
        int rows = w.rows();
        int cols = w.cols();
        return switch (w) {
            case Weights.F32 f -> {
                float[] d = f.data();
                float[] t = new float[d.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        t[c * rows + r] = d[r * cols + c];
                    }
                }
                yield new Weights.F32(t, cols, rows);
            }
            case Weights.F16 h -> new Weights.F16(transpose(h.data(), rows, cols), cols, rows);
            case Weights.BF16 b -> new Weights.BF16(transpose(b.data(), rows, cols), cols, rows);
            case Weights.I8 q -> throw new IllegalArgumentException("int8 matrices are made after transposing");
        };
    }

    private static short[] transpose(short[] d, int rows, int cols) {
        short[] t = new short[d.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = d[r * cols + c];
            }
        }
        return t;
    }

    /** Rows [from, from + count) of {@code w} (one of the projections of a fused matrix). F32/F16/BF16. */
    public static Weights rows(Weights w, int from, int count) {
        if (from < 0 || count < 0 || from + count > w.rows()) {
            throw new IllegalArgumentException("rows [" + from + ", " + (from + count) + ") of a matrix of "
                    + w.rows() + " rows");
        }
        int cols = w.cols();
        int a = from * cols;
        int b = (from + count) * cols;
        return switch (w) {
            case Weights.F32 f -> new Weights.F32(java.util.Arrays.copyOfRange(f.data(), a, b), count, cols);
            case Weights.F16 h -> new Weights.F16(java.util.Arrays.copyOfRange(h.data(), a, b), count, cols);
            case Weights.BF16 bf -> new Weights.BF16(java.util.Arrays.copyOfRange(bf.data(), a, b), count, cols);
            case Weights.I8 q -> throw new IllegalArgumentException("int8 matrices are made after splitting");
        };
    }
}

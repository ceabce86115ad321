package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * {@code out[r, c] = act((x[r] · W[c] (× rowScale[c]) + bias[c]) × outScale)}, one kernel per weight type held on the
 * device: fp32 ({@link FloatArray}), fp16 bit patterns ({@link ShortArray}, widened exactly in registers) and int8
 * with one fp32 scale per output feature ({@link ByteArray}). The three share one structure:
 *
 * <ul>
 * <li>one work-item per output feature c, four input rows at a time (the weight is loaded once for four rows), then
 * the remaining rows one at a time, with the same operations for every row, so a row gets the same result in any
 * batch;</li>
 * <li>even and odd k accumulate separately and are added at the end, the order of the JVM's {@code MatMul} (and of
 * the BLAS kernels behind PyTorch's Linear);</li>
 * <li>{@code parts} products of the same input in one launch (the query, key and value projections): work-item g
 * computes feature g mod n of part g / n;</li>
 * <li>W[c, i] is at {@code wOff + c * rowStride + i * colStride}: row-major [n][k] (strides k, 1: a work-item streams
 * a contiguous row, cache friendly on a CPU) or transposed [k][n] (strides 1, n: neighbouring work-items read
 * neighbouring addresses, coalesced on a GPU);</li>
 * <li>the epilogue vector of a matrix holds its output scale at [0] and, for int8, the row scales from [1].</li>
 * </ul>
 *
 * params: rows, xOff, then per part wOff, epilogueOff, biasOff, outOff.
 */
public final class MatMulKernels {

    /** Ints per part in params. */
    public static final int PART_PARAMS = 4;

    private MatMulKernels() {
    }

    /** The epilogue of one output: (raw + bias) × outScale, then the activation. */
    private static float finish(float raw, FloatArray bias, int biasIndex, int hasBias, float outScale, int act) {
        float v = raw;
        if (hasBias != 0) {
            v = v + bias.get(biasIndex);
        }
        return KernelMath.activate(v * outScale, act);
    }

    public static void linearF32(KernelContext ctx, FloatArray x, FloatArray w, FloatArray epilogue, FloatArray bias,
                                 FloatArray out, IntArray params, int p, int n, int k, int rowStride, int colStride,
                                 int act, int hasBias, int parts) {
        int g = ctx.globalIdx;
        if (g < parts * n) {
            int part = g / n;
            int c = g - part * n;
            int q = p + 2 + PART_PARAMS * part;
            int rows = params.get(p);
            int xOff = params.get(p + 1);
            int wo = params.get(q) + c * rowStride;
            float outScale = epilogue.get(params.get(q + 1));
            int b = params.get(q + 2) + c;
            int outOff = params.get(q + 3);
            int kEven = k - (k & 1);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x0 = xOff + r * k;
                int x1 = x0 + k;
                int x2 = x1 + k;
                int x3 = x2 + k;
                float e0 = 0f, e1 = 0f, e2 = 0f, e3 = 0f;
                float o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    float wa = w.get(wo + i * colStride);
                    float wb = w.get(wo + (i + 1) * colStride);
                    e0 = e0 + x.get(x0 + i) * wa;
                    e1 = e1 + x.get(x1 + i) * wa;
                    e2 = e2 + x.get(x2 + i) * wa;
                    e3 = e3 + x.get(x3 + i) * wa;
                    o0 = o0 + x.get(x0 + i + 1) * wb;
                    o1 = o1 + x.get(x1 + i + 1) * wb;
                    o2 = o2 + x.get(x2 + i + 1) * wb;
                    o3 = o3 + x.get(x3 + i + 1) * wb;
                }
                if (kEven < k) {
                    float wa = w.get(wo + kEven * colStride);
                    e0 = e0 + x.get(x0 + kEven) * wa;
                    e1 = e1 + x.get(x1 + kEven) * wa;
                    e2 = e2 + x.get(x2 + kEven) * wa;
                    e3 = e3 + x.get(x3 + kEven) * wa;
                }
                int o = outOff + r * n + c;
                out.set(o, finish(e0 + o0, bias, b, hasBias, outScale, act));
                out.set(o + n, finish(e1 + o1, bias, b, hasBias, outScale, act));
                out.set(o + 2 * n, finish(e2 + o2, bias, b, hasBias, outScale, act));
                out.set(o + 3 * n, finish(e3 + o3, bias, b, hasBias, outScale, act));
            }
            for (; r < rows; r++) {
                int x0 = xOff + r * k;
                float e0 = 0f;
                float o0 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    e0 = e0 + x.get(x0 + i) * w.get(wo + i * colStride);
                    o0 = o0 + x.get(x0 + i + 1) * w.get(wo + (i + 1) * colStride);
                }
                if (kEven < k) {
                    e0 = e0 + x.get(x0 + kEven) * w.get(wo + kEven * colStride);
                }
                out.set(outOff + r * n + c, finish(e0 + o0, bias, b, hasBias, outScale, act));
            }
        }
    }

    /** As {@link #linearF32}, the weights fp16 bit patterns widened exactly: the same results as their f32 copy. */
    public static void linearF16(KernelContext ctx, FloatArray x, ShortArray w, FloatArray epilogue, FloatArray bias,
                                 FloatArray out, IntArray params, int p, int n, int k, int rowStride, int colStride,
                                 int act, int hasBias, int parts) {
        int g = ctx.globalIdx;
        if (g < parts * n) {
            int part = g / n;
            int c = g - part * n;
            int q = p + 2 + PART_PARAMS * part;
            int rows = params.get(p);
            int xOff = params.get(p + 1);
            int wo = params.get(q) + c * rowStride;
            float outScale = epilogue.get(params.get(q + 1));
            int b = params.get(q + 2) + c;
            int outOff = params.get(q + 3);
            int kEven = k - (k & 1);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x0 = xOff + r * k;
                int x1 = x0 + k;
                int x2 = x1 + k;
                int x3 = x2 + k;
                float e0 = 0f, e1 = 0f, e2 = 0f, e3 = 0f;
                float o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    float wa = KernelMath.halfToFloat(w.get(wo + i * colStride));
                    float wb = KernelMath.halfToFloat(w.get(wo + (i + 1) * colStride));
                    e0 = e0 + x.get(x0 + i) * wa;
                    e1 = e1 + x.get(x1 + i) * wa;
                    e2 = e2 + x.get(x2 + i) * wa;
                    e3 = e3 + x.get(x3 + i) * wa;
                    o0 = o0 + x.get(x0 + i + 1) * wb;
                    o1 = o1 + x.get(x1 + i + 1) * wb;
                    o2 = o2 + x.get(x2 + i + 1) * wb;
                    o3 = o3 + x.get(x3 + i + 1) * wb;
                }
                if (kEven < k) {
                    float wa = KernelMath.halfToFloat(w.get(wo + kEven * colStride));
                    e0 = e0 + x.get(x0 + kEven) * wa;
                    e1 = e1 + x.get(x1 + kEven) * wa;
                    e2 = e2 + x.get(x2 + kEven) * wa;
                    e3 = e3 + x.get(x3 + kEven) * wa;
                }
                int o = outOff + r * n + c;
                out.set(o, finish(e0 + o0, bias, b, hasBias, outScale, act));
                out.set(o + n, finish(e1 + o1, bias, b, hasBias, outScale, act));
                out.set(o + 2 * n, finish(e2 + o2, bias, b, hasBias, outScale, act));
                out.set(o + 3 * n, finish(e3 + o3, bias, b, hasBias, outScale, act));
            }
            for (; r < rows; r++) {
                int x0 = xOff + r * k;
                float e0 = 0f;
                float o0 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    e0 = e0 + x.get(x0 + i) * KernelMath.halfToFloat(w.get(wo + i * colStride));
                    o0 = o0 + x.get(x0 + i + 1) * KernelMath.halfToFloat(w.get(wo + (i + 1) * colStride));
                }
                if (kEven < k) {
                    e0 = e0 + x.get(x0 + kEven) * KernelMath.halfToFloat(w.get(wo + kEven * colStride));
                }
                out.set(outOff + r * n + c, finish(e0 + o0, bias, b, hasBias, outScale, act));
            }
        }
    }

    /**
     * As {@link #linearF32} with int8 weights q: the sums of x·q are multiplied by the row's scale before the bias,
     * as the JVM's int8 kernel does ({@code ((x · q) × scale[c] + bias[c]) × outScale}).
     */
    public static void linearI8(KernelContext ctx, FloatArray x, ByteArray w, FloatArray epilogue, FloatArray bias,
                                FloatArray out, IntArray params, int p, int n, int k, int rowStride, int colStride,
                                int act, int hasBias, int parts) {
        int g = ctx.globalIdx;
        if (g < parts * n) {
            int part = g / n;
            int c = g - part * n;
            int q = p + 2 + PART_PARAMS * part;
            int rows = params.get(p);
            int xOff = params.get(p + 1);
            int wo = params.get(q) + c * rowStride;
            int epilogueOff = params.get(q + 1);
            float outScale = epilogue.get(epilogueOff);
            float rowScale = epilogue.get(epilogueOff + 1 + c);
            int b = params.get(q + 2) + c;
            int outOff = params.get(q + 3);
            int kEven = k - (k & 1);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x0 = xOff + r * k;
                int x1 = x0 + k;
                int x2 = x1 + k;
                int x3 = x2 + k;
                float e0 = 0f, e1 = 0f, e2 = 0f, e3 = 0f;
                float o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    float wa = w.get(wo + i * colStride);
                    float wb = w.get(wo + (i + 1) * colStride);
                    e0 = e0 + x.get(x0 + i) * wa;
                    e1 = e1 + x.get(x1 + i) * wa;
                    e2 = e2 + x.get(x2 + i) * wa;
                    e3 = e3 + x.get(x3 + i) * wa;
                    o0 = o0 + x.get(x0 + i + 1) * wb;
                    o1 = o1 + x.get(x1 + i + 1) * wb;
                    o2 = o2 + x.get(x2 + i + 1) * wb;
                    o3 = o3 + x.get(x3 + i + 1) * wb;
                }
                if (kEven < k) {
                    float wa = w.get(wo + kEven * colStride);
                    e0 = e0 + x.get(x0 + kEven) * wa;
                    e1 = e1 + x.get(x1 + kEven) * wa;
                    e2 = e2 + x.get(x2 + kEven) * wa;
                    e3 = e3 + x.get(x3 + kEven) * wa;
                }
                int o = outOff + r * n + c;
                out.set(o, finish((e0 + o0) * rowScale, bias, b, hasBias, outScale, act));
                out.set(o + n, finish((e1 + o1) * rowScale, bias, b, hasBias, outScale, act));
                out.set(o + 2 * n, finish((e2 + o2) * rowScale, bias, b, hasBias, outScale, act));
                out.set(o + 3 * n, finish((e3 + o3) * rowScale, bias, b, hasBias, outScale, act));
            }
            for (; r < rows; r++) {
                int x0 = xOff + r * k;
                float e0 = 0f;
                float o0 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    e0 = e0 + x.get(x0 + i) * w.get(wo + i * colStride);
                    o0 = o0 + x.get(x0 + i + 1) * w.get(wo + (i + 1) * colStride);
                }
                if (kEven < k) {
                    e0 = e0 + x.get(x0 + kEven) * w.get(wo + kEven * colStride);
                }
                out.set(outOff + r * n + c, finish((e0 + o0) * rowScale, bias, b, hasBias, outScale, act));
            }
        }
    }
}

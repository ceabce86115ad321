package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Token embeddings: {@code out[r, i] = table[ids[r], i] · scale (+ positions[pos[r], i])} for rows r &lt; params[p],
 * one kernel per weight type of the table (it may be the tied output projection, in its type and layout:
 * table[id, i] is at {@code tableOff + id * rowStride + i * colStride}, see {@link MatMulKernels}). Rotary models have
 * no position table ({@code hasPositions} 0). One work-item per element, grid-stride.
 *
 * <p>params: rows, idsOff, posOff (in ints), tableOff, epilogueOff (int8: the row scales follow the output scale),
 * positionsOff, outOff.
 */
public final class EmbeddingKernels {

    private EmbeddingKernels() {
    }

    public static void embedF32(KernelContext ctx, FloatArray table, FloatArray positions, FloatArray out,
                                IntArray ints, IntArray params, int p, int d, int rowStride, int colStride, float scale,
                                int hasPositions) {
        int rows = params.get(p);
        int total = rows * d;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / d;
            int i = e - r * d;
            int id = ints.get(params.get(p + 1) + r);
            float t = table.get(params.get(p + 3) + id * rowStride + i * colStride);
            out.set(params.get(p + 6) + e, withPosition(t * scale, positions, ints, params, p, d, r, i, hasPositions));
        }
    }

    public static void embedF16(KernelContext ctx, ShortArray table, FloatArray positions, FloatArray out,
                                IntArray ints, IntArray params, int p, int d, int rowStride, int colStride, float scale,
                                int hasPositions) {
        int rows = params.get(p);
        int total = rows * d;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / d;
            int i = e - r * d;
            int id = ints.get(params.get(p + 1) + r);
            float t = KernelMath.halfToFloat(table.get(params.get(p + 3) + id * rowStride + i * colStride));
            out.set(params.get(p + 6) + e, withPosition(t * scale, positions, ints, params, p, d, r, i, hasPositions));
        }
    }

    /** table[id, i] = q · rowScale[id], as the JVM's int8 matrix gives its elements. */
    public static void embedI8(KernelContext ctx, ByteArray table, FloatArray epilogue, FloatArray positions,
                               FloatArray out, IntArray ints, IntArray params, int p, int d, int rowStride,
                               int colStride, float scale, int hasPositions) {
        int rows = params.get(p);
        int total = rows * d;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / d;
            int i = e - r * d;
            int id = ints.get(params.get(p + 1) + r);
            float q = table.get(params.get(p + 3) + id * rowStride + i * colStride);
            float t = q * epilogue.get(params.get(p + 4) + 1 + id);
            out.set(params.get(p + 6) + e, withPosition(t * scale, positions, ints, params, p, d, r, i, hasPositions));
        }
    }

    private static float withPosition(float v, FloatArray positions, IntArray ints, IntArray params, int p, int d,
                                      int r, int i, int hasPositions) {
        float result = v;
        if (hasPositions != 0) {
            int pos = ints.get(params.get(p + 2) + r);
            result = v + positions.get(params.get(p + 5) + pos * d + i);
        }
        return result;
    }
}

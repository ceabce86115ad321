package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * Row moves inside the activation arena (KV-cache writes, gathers of output rows, beam search's cache copies), and the
 * "touch" kernels with which the first graph of a plan makes TornadoVM allocate and transfer the arrays it owns.
 */
public final class RowKernels {

    private RowKernels() {
    }

    /**
     * Reads one element, so that TornadoVM allocates and transfers the array in the graph that owns it; the write
     * (of the value read, under a condition the compiler cannot prove false) keeps the read alive and changes nothing.
     */
    public static void touch(KernelContext ctx, FloatArray a) {
        if (ctx.globalIdx == 0 && a.get(0) == -1.2345e30f) {
            a.set(0, -1.2345e30f);
        }
    }

    /** {@link #touch} of an array of 16-bit weights (any value may be a weight: it writes back what it read). */
    public static void touchShorts(KernelContext ctx, ShortArray a) {
        if (ctx.globalIdx == 0 && a.get(0) == (short) 12345) {
            a.set(0, (short) 12345);
        }
    }

    /** {@link #touch} of an array of 8-bit weights (writes back what it read). */
    public static void touchBytes(KernelContext ctx, ByteArray a) {
        if (ctx.globalIdx == 0 && a.get(0) == (byte) 123) {
            a.set(0, (byte) 123);
        }
    }

    /**
     * dst[rowIdx[r]] = src[r] for r &lt; rows, rows of {@code width}; {@code parts} such moves with the same row
     * indices in one launch (keys and values into their caches). params: rows, idxOff, then per part srcOff, dstOff.
     */
    public static void scatterRows(KernelContext ctx, FloatArray src, FloatArray dst, IntArray ints, IntArray params,
                                   int p, int width, int parts) {
        int rows = params.get(p);
        int idxOff = params.get(p + 1);
        int perPart = rows * width;
        int total = parts * perPart;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int part = e / perPart;
            int f = e - part * perPart;
            int r = f / width;
            int i = f - r * width;
            int srcOff = params.get(p + 2 + 2 * part);
            int dstOff = params.get(p + 3 + 2 * part);
            dst.set(dstOff + ints.get(idxOff + r) * width + i, src.get(srcOff + f));
        }
    }

    /** dst[r] = src[rowIdx[r]] for r &lt; rows, rows of {@code width}. params: rows, srcOff, idxOff, dstOff. */
    public static void gatherRows(KernelContext ctx, FloatArray src, FloatArray dst, IntArray ints, IntArray params,
                                  int p, int width) {
        int rows = params.get(p);
        int srcOff = params.get(p + 1);
        int idxOff = params.get(p + 2);
        int dstOff = params.get(p + 3);
        int total = rows * width;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / width;
            int i = e - r * width;
            dst.set(dstOff + e, src.get(srcOff + ints.get(idxOff + r) * width + i));
        }
    }

    /**
     * A batch of independent copies inside one array (the KV-cache moves of beam search):
     * params: count, listOff; params[listOff + 3c ..] = from, to, length of copy c. No copy reads what
     * another writes, so they run in any order.
     */
    public static void copyRanges(KernelContext ctx, FloatArray buffer, IntArray params, int p) {
        int count = params.get(p);
        int list = params.get(p + 1);
        for (int c = 0; c < count; c++) {
            int from = params.get(list + 3 * c);
            int to = params.get(list + 3 * c + 1);
            int length = params.get(list + 3 * c + 2);
            for (int e = ctx.globalIdx; e < length; e += ctx.globalGroupSizeX) {
                buffer.set(to + e, buffer.get(from + e));
            }
        }
    }
}

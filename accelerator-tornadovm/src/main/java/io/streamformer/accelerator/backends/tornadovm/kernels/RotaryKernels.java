package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Rotary position embeddings ("rotate half", as transformers' Llama), in place, as the JVM's {@code kernels.Rotary}:
 * for each of a row's heads, the pairs (i, i + headDim/2) at the row's position p are rotated by the tables'
 * angle, x'[i] = x[i]·cos[p, i] + (-x[i + half])·sin[p, i], x'[i + half] = x[i + half]·cos[p, i] + x[i]·sin[p, i].
 * One work-item per pair, grid-stride.
 */
public final class RotaryKernels {

    private RotaryKernels() {
    }

    /** params: rows, xOff, positionsOff (in ints), cosOff, sinOff; tables [position][headDim / 2]. */
    public static void rotary(KernelContext ctx, FloatArray x, FloatArray cos, FloatArray sin, IntArray ints,
                              IntArray params, int p, int heads, int headDim) {
        int rows = params.get(p);
        int xOff = params.get(p + 1);
        int posOff = params.get(p + 2);
        int cosOff = params.get(p + 3);
        int sinOff = params.get(p + 4);
        int half = headDim / 2;
        int perRow = heads * half;
        int total = rows * perRow;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / perRow;
            int f = e - r * perRow;
            int h = f / half;
            int i = f - h * half;
            int t = ints.get(posOff + r) * half + i;
            int b = xOff + (r * heads + h) * headDim + i;
            float x1 = x.get(b);
            float x2 = x.get(b + half);
            float c = cos.get(cosOff + t);
            float s = sin.get(sinOff + t);
            x.set(b, x1 * c + -x2 * s);
            x.set(b + half, x2 * c + x1 * s);
        }
    }
}

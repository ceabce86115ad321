package io.streamformer.accelerator.kernels.matmul;

import io.streamformer.accelerator.kernels.Activation;
import jdk.incubator.vector.FloatVector;

import static io.streamformer.accelerator.kernels.matmul.PackedWeights.L;
import static io.streamformer.accelerator.kernels.matmul.PackedWeights.PANEL_WIDTH;
import static io.streamformer.accelerator.kernels.matmul.PackedWeights.S;

/**
 * {@code out[r, n] = act(((x[r] · W[n]) × columnScale[n] + bias[n]) × outScale)} over a range of W's column panels,
 * for any {@link PackedWeights} type.
 *
 * <p>One input row (a decoding step of one sequence) streams each panel once with the type's own kernel, which
 * widens the weights in registers as it goes: this is the memory-bound case, where 16- and 8-bit weights pay off
 * (BF16 streams two panels at once, as one stream its widening left too few loads in flight). Four rows or more
 * share a widened fp32 copy of each panel (decoded once per panel, then cached) in blocks of four rows whose 16
 * accumulators stay in registers; the rows left over take the one-row kernel. Even and odd k accumulate
 * separately and are added at the end, the order of the BLAS kernels behind PyTorch's Linear, which keeps logits of
 * sensitive models within 1e-5 of transformers'. Every row is computed with the same operations whatever block it
 * falls in, so a sequence gets bit-identical results alone or inside any batch, and a 16-bit matrix gives exactly
 * what its widened F32 copy gives.
 *
 * <p>Each kernel is its own small method so that the JIT inlines every vector operation (a method that holds
 * several grows past the inlining budget, and the vector operations left out run boxed, many times slower). The
 * bias and scales are applied in a second pass over each finished panel, the activation over each row's columns
 * once all panels of the call are done.
 */
public final class MatMul {

    private MatMul() {
    }

    /** Per-thread buffers of {@link #linear}, grown on demand. */
    public static final class Scratch {
        float[] panel = new float[0];
        float[] tile = new float[0];
        float[] secondTile = new float[0];

        float[] panel(int size) {
            return panel = atLeast(panel, size);
        }

        float[] tile(int size) {
            return tile = atLeast(tile, size);
        }

        float[] secondTile(int size) {
            return secondTile = atLeast(secondTile, size);
        }

        private static float[] atLeast(float[] buffer, int size) {
            return buffer.length < size ? new float[size] : buffer;
        }
    }

    /** What happens to a raw sum before it is stored: bias (may be null), output scale, activation. */
    public record Epilogue(float[] bias, float outScale, Activation activation) {
        public static final Epilogue NONE = new Epilogue(null, 1f, Activation.IDENTITY);
    }

    /**
     * Computes the output columns of panels [panelFrom, panelTo) for {@code rows} input rows of width w.cols() at
     * {@code x[xOffset..]}, into {@code out} rows of width w.rows() at {@code outOffset}.
     */
    public static void linear(float[] x, int xOffset, int rows, PackedWeights w, Epilogue epilogue, float[] out,
                              int outOffset, int panelFrom, int panelTo, Scratch scratch) {
        if (rows < 4 && w.streamsTwoPanels()) {
            linearTwoStreams(x, xOffset, rows, w, epilogue, out, outOffset, panelFrom, panelTo, scratch);
        } else {
            linearPanelByPanel(x, xOffset, rows, w, epilogue, out, outOffset, panelFrom, panelTo, scratch);
        }
        if (epilogue.activation() != Activation.IDENTITY) {
            // over each row's columns of these panels at once: long ranges keep the activation's loop efficient
            int colFrom = panelFrom * PANEL_WIDTH;
            int colTo = Math.min(w.rows(), panelTo * PANEL_WIDTH);
            for (int r = 0; r < rows; r++) {
                int o = outOffset + r * w.rows();
                epilogue.activation().applyInPlace(out, o + colFrom, o + colTo);
            }
        }
    }

    /** Raw sums and epilogue (no activation) one panel at a time: blocks of four rows, then one-row kernels. */
    private static void linearPanelByPanel(float[] x, int xOffset, int rows, PackedWeights w, Epilogue epilogue,
                                           float[] out, int outOffset, int panelFrom, int panelTo, Scratch scratch) {
        final int k = w.cols();
        float[] tile = scratch.tile(rows * PANEL_WIDTH);
        int blocked = rows >= 4 ? rows & ~3 : 0;
        for (int panel = panelFrom; panel < panelTo; panel++) {
            if (blocked > 0) {
                float[] src;
                int base;
                int first = 0;
                if (w instanceof F32Panels f) {
                    src = f.panels;
                    base = panel * PANEL_WIDTH * k;
                } else {
                    src = scratch.panel(PANEL_WIDTH * k);
                    base = 0;
                    w.block4Decoding(x, xOffset, panel, src, tile, 0);
                    first = 4;
                }
                for (int r = first; r < blocked; r += 4) {
                    block4(x, xOffset + r * k, k, src, base, tile, r * PANEL_WIDTH);
                }
            }
            for (int r = blocked; r < rows; r++) {
                w.gemv(x, xOffset + r * k, panel, tile, r * PANEL_WIDTH);
            }
            store(tile, rows, panel, w.rows(), w.columnScales(), epilogue, out, outOffset);
        }
    }

    /**
     * Raw sums and epilogue (no activation) of fewer than four rows with the one-row kernels, two panels at a time
     * to keep two weight streams in flight: panel i of the range's first half with panel i of its second half, an odd
     * last panel alone.
     */
    private static void linearTwoStreams(float[] x, int xOffset, int rows, PackedWeights w, Epilogue epilogue,
                                         float[] out, int outOffset, int panelFrom, int panelTo, Scratch scratch) {
        final int k = w.cols();
        float[] tileA = scratch.tile(rows * PANEL_WIDTH);
        float[] tileB = scratch.secondTile(rows * PANEL_WIDTH);
        int half = (panelTo - panelFrom) / 2;
        for (int a = panelFrom; a < panelFrom + half; a++) {
            int b = a + half;
            for (int r = 0; r < rows; r++) {
                int t = r * PANEL_WIDTH;
                w.gemv2(x, xOffset + r * k, a, tileA, t, b, tileB, t);
            }
            store(tileA, rows, a, w.rows(), w.columnScales(), epilogue, out, outOffset);
            store(tileB, rows, b, w.rows(), w.columnScales(), epilogue, out, outOffset);
        }
        for (int panel = panelFrom + 2 * half; panel < panelTo; panel++) {
            for (int r = 0; r < rows; r++) {
                w.gemv(x, xOffset + r * k, panel, tileA, r * PANEL_WIDTH);
            }
            store(tileA, rows, panel, w.rows(), w.columnScales(), epilogue, out, outOffset);
        }
    }

    /** Raw sums of four rows against one fp32 panel at {@code p[base..]} into {@code tile[t..t + 4·W)}. */
    static void block4(float[] x, int x0, int k, float[] p, int base, float[] tile, int t) {
        final int kEven = k & ~1;
        int x1 = x0 + k;
        int x2 = x1 + k;
        int x3 = x2 + k;
        // even k accumulate into e.., odd k into o..; the two halves are added at the end
        FloatVector e00 = FloatVector.zero(S), e01 = FloatVector.zero(S);
        FloatVector e10 = FloatVector.zero(S), e11 = FloatVector.zero(S);
        FloatVector e20 = FloatVector.zero(S), e21 = FloatVector.zero(S);
        FloatVector e30 = FloatVector.zero(S), e31 = FloatVector.zero(S);
        FloatVector o00 = FloatVector.zero(S), o01 = FloatVector.zero(S);
        FloatVector o10 = FloatVector.zero(S), o11 = FloatVector.zero(S);
        FloatVector o20 = FloatVector.zero(S), o21 = FloatVector.zero(S);
        FloatVector o30 = FloatVector.zero(S), o31 = FloatVector.zero(S);
        int i = 0;
        int wi = base;
        for (; i < kEven; i += 2, wi += 2 * PANEL_WIDTH) {
            FloatVector w0 = FloatVector.fromArray(S, p, wi);
            FloatVector w1 = FloatVector.fromArray(S, p, wi + L);
            FloatVector a0 = FloatVector.broadcast(S, x[x0 + i]);
            e00 = w0.fma(a0, e00);
            e01 = w1.fma(a0, e01);
            FloatVector a1 = FloatVector.broadcast(S, x[x1 + i]);
            e10 = w0.fma(a1, e10);
            e11 = w1.fma(a1, e11);
            FloatVector a2 = FloatVector.broadcast(S, x[x2 + i]);
            e20 = w0.fma(a2, e20);
            e21 = w1.fma(a2, e21);
            FloatVector a3 = FloatVector.broadcast(S, x[x3 + i]);
            e30 = w0.fma(a3, e30);
            e31 = w1.fma(a3, e31);
            FloatVector v0 = FloatVector.fromArray(S, p, wi + PANEL_WIDTH);
            FloatVector v1 = FloatVector.fromArray(S, p, wi + PANEL_WIDTH + L);
            FloatVector b0 = FloatVector.broadcast(S, x[x0 + i + 1]);
            o00 = v0.fma(b0, o00);
            o01 = v1.fma(b0, o01);
            FloatVector b1 = FloatVector.broadcast(S, x[x1 + i + 1]);
            o10 = v0.fma(b1, o10);
            o11 = v1.fma(b1, o11);
            FloatVector b2 = FloatVector.broadcast(S, x[x2 + i + 1]);
            o20 = v0.fma(b2, o20);
            o21 = v1.fma(b2, o21);
            FloatVector b3 = FloatVector.broadcast(S, x[x3 + i + 1]);
            o30 = v0.fma(b3, o30);
            o31 = v1.fma(b3, o31);
        }
        if (i < k) {
            FloatVector w0 = FloatVector.fromArray(S, p, wi);
            FloatVector w1 = FloatVector.fromArray(S, p, wi + L);
            FloatVector a0 = FloatVector.broadcast(S, x[x0 + i]);
            e00 = w0.fma(a0, e00);
            e01 = w1.fma(a0, e01);
            FloatVector a1 = FloatVector.broadcast(S, x[x1 + i]);
            e10 = w0.fma(a1, e10);
            e11 = w1.fma(a1, e11);
            FloatVector a2 = FloatVector.broadcast(S, x[x2 + i]);
            e20 = w0.fma(a2, e20);
            e21 = w1.fma(a2, e21);
            FloatVector a3 = FloatVector.broadcast(S, x[x3 + i]);
            e30 = w0.fma(a3, e30);
            e31 = w1.fma(a3, e31);
        }
        e00.add(o00).intoArray(tile, t);
        e01.add(o01).intoArray(tile, t + L);
        e10.add(o10).intoArray(tile, t + PANEL_WIDTH);
        e11.add(o11).intoArray(tile, t + PANEL_WIDTH + L);
        e20.add(o20).intoArray(tile, t + 2 * PANEL_WIDTH);
        e21.add(o21).intoArray(tile, t + 2 * PANEL_WIDTH + L);
        e30.add(o30).intoArray(tile, t + 3 * PANEL_WIDTH);
        e31.add(o31).intoArray(tile, t + 3 * PANEL_WIDTH + L);
    }

    /**
     * The epilogue over one panel's raw sums, stored into the output rows (the last panel may be partial): scale and
     * bias; the activation follows over all the panels of the call.
     */
    private static void store(float[] tile, int rows, int panel, int n, float[] columnScales, Epilogue e,
                              float[] out, int outOffset) {
        int col0 = panel * PANEL_WIDTH;
        int valid = n - col0;
        if (valid < PANEL_WIDTH) {
            storePartial(tile, rows, col0, valid, n, columnScales, e, out, outOffset);
            return;
        }
        float[] bias = e.bias();
        float outScale = e.outScale();
        for (int r = 0; r < rows; r++) {
            int o = outOffset + r * n + col0;
            int t = r * PANEL_WIDTH;
            FloatVector v0 = FloatVector.fromArray(S, tile, t);
            FloatVector v1 = FloatVector.fromArray(S, tile, t + L);
            if (columnScales != null) {
                v0 = v0.mul(FloatVector.fromArray(S, columnScales, col0));
                v1 = v1.mul(FloatVector.fromArray(S, columnScales, col0 + L));
            }
            if (bias != null) {
                v0 = v0.add(FloatVector.fromArray(S, bias, col0));
                v1 = v1.add(FloatVector.fromArray(S, bias, col0 + L));
            }
            if (outScale != 1f) {
                FloatVector s = FloatVector.broadcast(S, outScale);
                v0 = v0.mul(s);
                v1 = v1.mul(s);
            }
            v0.intoArray(out, o);
            v1.intoArray(out, o + L);
        }
    }

    /** The last panel, whose columns end within it: element by element, the same operations in the same order. */
    private static void storePartial(float[] tile, int rows, int col0, int valid, int n, float[] columnScales,
                                     Epilogue e, float[] out, int outOffset) {
        float[] bias = e.bias();
        float outScale = e.outScale();
        for (int r = 0; r < rows; r++) {
            int o = outOffset + r * n + col0;
            int t = r * PANEL_WIDTH;
            for (int j = 0; j < valid; j++) {
                float v = tile[t + j];
                if (columnScales != null) {
                    v *= columnScales[col0 + j];
                }
                if (bias != null) {
                    v += bias[col0 + j];
                }
                if (outScale != 1f) {
                    v *= outScale;
                }
                out[o + j] = v;
            }
        }
    }
}

package io.streamformer.accelerator.kernels.matmul;

import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * bfloat16 panels: a value is the upper half of an fp32, widened by a shift in the vector lanes. (Widening a chunk
 * into scratch with a scalar loop first ran 2.7× slower: the JIT does not vectorize that loop.)
 */
public final class BF16Panels extends PackedWeights {
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());

    final short[] panels;

    BF16Panels(Weights.BF16 w) {
        super(w.rows(), w.cols());
        panels = new short[panelCount() * PANEL_WIDTH * cols];
        short[] src = w.data();
        for (int r = 0; r < rows; r++) {
            int base = index(r, 0, cols);
            int from = r * cols;
            for (int c = 0; c < cols; c++) {
                panels[base + c * PANEL_WIDTH] = src[from + c];
            }
        }
    }

    @Override
    public WeightType type() {
        return WeightType.BF16;
    }

    @Override
    public long bytes() {
        return 2L * panels.length;
    }

    @Override
    public float get(int row, int col) {
        return Float.intBitsToFloat((panels[index(row, col, cols)] & 0xFFFF) << 16);
    }

    private static FloatVector widen(short[] p, int offset) {
        IntVector i = (IntVector) ShortVector.fromArray(H, p, offset).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    void gemv(float[] x, int xOffset, int panel, float[] out, int outOffset) {
        final int k = cols;
        final int kEven = k & ~1;
        final short[] p = panels;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int wi = panel * PANEL_WIDTH * k;
        int i = 0;
        for (; i < kEven; i += 2, wi += 2 * PANEL_WIDTH) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = widen(p, wi).fma(a, e0);
            e1 = widen(p, wi + L).fma(a, e1);
            FloatVector b = FloatVector.broadcast(S, x[xOffset + i + 1]);
            o0 = widen(p, wi + PANEL_WIDTH).fma(b, o0);
            o1 = widen(p, wi + PANEL_WIDTH + L).fma(b, o1);
        }
        if (i < k) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = widen(p, wi).fma(a, e0);
            e1 = widen(p, wi + L).fma(a, e1);
        }
        e0.add(o0).intoArray(out, outOffset);
        e1.add(o1).intoArray(out, outOffset + L);
    }

    /** Two streams in flight: one panel at a time a core here read bf16 at ~60% of what it reads fp32 at. */
    @Override
    boolean streamsTwoPanels() {
        return true;
    }

    @Override
    void gemv2(float[] x, int xOffset, int panelA, float[] outA, int offA, int panelB, float[] outB, int offB) {
        final int k = cols;
        final int kEven = k & ~1;
        final short[] p = panels;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        FloatVector f0 = FloatVector.zero(S), f1 = FloatVector.zero(S);
        FloatVector q0 = FloatVector.zero(S), q1 = FloatVector.zero(S);
        int wa = panelA * PANEL_WIDTH * k;
        int wb = panelB * PANEL_WIDTH * k;
        int i = 0;
        for (; i < kEven; i += 2, wa += 2 * PANEL_WIDTH, wb += 2 * PANEL_WIDTH) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = widen(p, wa).fma(a, e0);
            e1 = widen(p, wa + L).fma(a, e1);
            f0 = widen(p, wb).fma(a, f0);
            f1 = widen(p, wb + L).fma(a, f1);
            FloatVector b = FloatVector.broadcast(S, x[xOffset + i + 1]);
            o0 = widen(p, wa + PANEL_WIDTH).fma(b, o0);
            o1 = widen(p, wa + PANEL_WIDTH + L).fma(b, o1);
            q0 = widen(p, wb + PANEL_WIDTH).fma(b, q0);
            q1 = widen(p, wb + PANEL_WIDTH + L).fma(b, q1);
        }
        if (i < k) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = widen(p, wa).fma(a, e0);
            e1 = widen(p, wa + L).fma(a, e1);
            f0 = widen(p, wb).fma(a, f0);
            f1 = widen(p, wb + L).fma(a, f1);
        }
        e0.add(o0).intoArray(outA, offA);
        e1.add(o1).intoArray(outA, offA + L);
        f0.add(q0).intoArray(outB, offB);
        f1.add(q1).intoArray(outB, offB + L);
    }

    /** MatMul's four-row block with this type's widening, each widened vector also stored into {@code dst}. */
    @Override
    void block4Decoding(float[] x, int x0, int panel, float[] dst, float[] tile, int t) {
        final int k = cols;
        final int kEven = k & ~1;
        final short[] p = panels;
        final int base = panel * PANEL_WIDTH * k;
        int x1 = x0 + k;
        int x2 = x1 + k;
        int x3 = x2 + k;
        FloatVector e00 = FloatVector.zero(S), e01 = FloatVector.zero(S);
        FloatVector e10 = FloatVector.zero(S), e11 = FloatVector.zero(S);
        FloatVector e20 = FloatVector.zero(S), e21 = FloatVector.zero(S);
        FloatVector e30 = FloatVector.zero(S), e31 = FloatVector.zero(S);
        FloatVector o00 = FloatVector.zero(S), o01 = FloatVector.zero(S);
        FloatVector o10 = FloatVector.zero(S), o11 = FloatVector.zero(S);
        FloatVector o20 = FloatVector.zero(S), o21 = FloatVector.zero(S);
        FloatVector o30 = FloatVector.zero(S), o31 = FloatVector.zero(S);
        int i = 0;
        int d = 0;
        for (; i < kEven; i += 2, d += 2 * PANEL_WIDTH) {
            FloatVector w0 = widen(p, base + d);
            FloatVector w1 = widen(p, base + d + L);
            w0.intoArray(dst, d);
            w1.intoArray(dst, d + L);
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
            FloatVector v0 = widen(p, base + d + PANEL_WIDTH);
            FloatVector v1 = widen(p, base + d + PANEL_WIDTH + L);
            v0.intoArray(dst, d + PANEL_WIDTH);
            v1.intoArray(dst, d + PANEL_WIDTH + L);
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
            FloatVector w0 = widen(p, base + d);
            FloatVector w1 = widen(p, base + d + L);
            w0.intoArray(dst, d);
            w1.intoArray(dst, d + L);
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

    @Override
    void decodePanel(int panel, float[] dst) {
        int base = panel * PANEL_WIDTH * cols;
        for (int i = 0; i < PANEL_WIDTH * cols; i += L) {
            widen(panels, base + i).intoArray(dst, i);
        }
    }
}

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
 * IEEE half-precision panels (finite values: the loader refuses others). A half h widens exactly: its sign, exponent
 * and mantissa bits moved to their fp32 places ({@code (h << 13) & 0x8FFFE000} after sign extension) give the fp32
 * of h × 2^-112, normal or subnormal, which × 2^112 is h. Rather than multiply every weight, the batch-1 kernel
 * multiplies the input row by 2^112 once (exact while |x| < 2^16, else it multiplies the weights): each product
 * x·2^112 · h·2^-112 is then exactly x·h, so the sums are bit for bit those of the widened F32 matrix.
 */
public final class F16Panels extends PackedWeights {
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final float TWO_112 = 0x1p112f;
    private static final int FIELDS = 0x8FFFE000;

    final short[] panels;

    F16Panels(Weights.F16 w) {
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
        return WeightType.F16;
    }

    @Override
    public long bytes() {
        return 2L * panels.length;
    }

    @Override
    public float get(int row, int col) {
        return Float.float16ToFloat(panels[index(row, col, cols)]);
    }

    /** L halves at {@code offset} as the fp32 values h × 2^-112. */
    private static FloatVector scaledDown(short[] p, int offset) {
        IntVector i = (IntVector) ShortVector.fromArray(H, p, offset).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 13).and(FIELDS).reinterpretAsFloats();
    }

    @Override
    boolean scaleInput(float[] x, int xOffset, float[] scratch, int offset) {
        for (int i = 0; i < cols; i++) {
            float v = x[xOffset + i];
            if (!(Math.abs(v) < 65536f)) {
                return false;
            }
            scratch[offset + i] = v * TWO_112;
        }
        return true;
    }

    @Override
    void gemv(float[] x, int xOffset, float[] xScaled, int xScaledOffset, int panel, float[] out,
              int outOffset) {
        if (xScaled == null) {
            gemvExact(x, xOffset, panel, out, outOffset);
            return;
        }
        final int k = cols;
        final int kEven = k & ~1;
        final short[] p = panels;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int wi = panel * PANEL_WIDTH * k;
        int i = 0;
        for (; i < kEven; i += 2, wi += 2 * PANEL_WIDTH) {
            FloatVector a = FloatVector.broadcast(S, xScaled[xScaledOffset + i]);
            e0 = scaledDown(p, wi).fma(a, e0);
            e1 = scaledDown(p, wi + L).fma(a, e1);
            FloatVector b = FloatVector.broadcast(S, xScaled[xScaledOffset + i + 1]);
            o0 = scaledDown(p, wi + PANEL_WIDTH).fma(b, o0);
            o1 = scaledDown(p, wi + PANEL_WIDTH + L).fma(b, o1);
        }
        if (i < k) {
            FloatVector a = FloatVector.broadcast(S, xScaled[xScaledOffset + i]);
            e0 = scaledDown(p, wi).fma(a, e0);
            e1 = scaledDown(p, wi + L).fma(a, e1);
        }
        e0.add(o0).intoArray(out, outOffset);
        e1.add(o1).intoArray(out, outOffset + L);
    }

    /** For inputs too large to scale: the weights widened exactly, one multiply each. */
    private void gemvExact(float[] x, int xOffset, int panel, float[] out, int outOffset) {
        final int k = cols;
        final int kEven = k & ~1;
        final short[] p = panels;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int wi = panel * PANEL_WIDTH * k;
        int i = 0;
        for (; i < kEven; i += 2, wi += 2 * PANEL_WIDTH) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = scaledDown(p, wi).mul(TWO_112).fma(a, e0);
            e1 = scaledDown(p, wi + L).mul(TWO_112).fma(a, e1);
            FloatVector b = FloatVector.broadcast(S, x[xOffset + i + 1]);
            o0 = scaledDown(p, wi + PANEL_WIDTH).mul(TWO_112).fma(b, o0);
            o1 = scaledDown(p, wi + PANEL_WIDTH + L).mul(TWO_112).fma(b, o1);
        }
        if (i < k) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = scaledDown(p, wi).mul(TWO_112).fma(a, e0);
            e1 = scaledDown(p, wi + L).mul(TWO_112).fma(a, e1);
        }
        e0.add(o0).intoArray(out, outOffset);
        e1.add(o1).intoArray(out, outOffset + L);
    }

    @Override
    void decodePanel(int panel, float[] dst) {
        int base = panel * PANEL_WIDTH * cols;
        for (int i = 0; i < PANEL_WIDTH * cols; i += L) {
            scaledDown(panels, base + i).mul(TWO_112).intoArray(dst, i);
        }
    }
}

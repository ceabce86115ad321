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
 * IEEE half-precision panels (finite values: the loader refuses others). The one-row kernel widens a half in the
 * vector lanes, exactly: its sign, exponent and mantissa shifted into an fp32's places, times 2^112 to move the
 * exponent bias from 15 to 127 (which also turns a half's subnormals into the right fp32 normals). The panel
 * decoder for several rows widens with {@link Float#float16ToFloat} in a loop the JIT compiles to the hardware's
 * conversion ({@code vcvtph2ps}); both give the same fp32 values, so the sums are bit for bit those of the widened
 * F32 matrix. (Batch-1 decode on an AMD EPYC host: in the lanes ran 1.2-1.3× faster than widening a stretch of
 * the panel into scratch with that loop first; an earlier Intel host had shown the opposite at one thread and a
 * tie at two.)
 */
public final class F16Panels extends PackedWeights {
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

    /** {@code n} halves from {@code panels[from..]} widened into {@code dst[to..]}: a loop the JIT vectorizes. */
    private void widen(int from, float[] dst, int to, int n) {
        final short[] p = panels;
        for (int j = 0; j < n; j++) {
            dst[to + j] = Float.float16ToFloat(p[from + j]);
        }
    }

    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final FloatVector HALF_TO_FLOAT_SCALE = FloatVector.broadcast(S, 0x1p112f);

    private static FloatVector widen(short[] p, int offset) {
        IntVector i = (IntVector) ShortVector.fromArray(H, p, offset).convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 13).lanewise(VectorOperators.AND, 0x8FFFE000).reinterpretAsFloats()
                .mul(HALF_TO_FLOAT_SCALE);
    }

    /** BF16's loop with this type's widening: each type keeps its own copy so that the JIT inlines its widening. */
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

    @Override
    void decodePanel(int panel, float[] dst) {
        widen(panel * PANEL_WIDTH * cols, dst, 0, PANEL_WIDTH * cols);
    }
}

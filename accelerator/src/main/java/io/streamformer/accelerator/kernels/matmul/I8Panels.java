package io.streamformer.accelerator.kernels.matmul;

import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * int8 panels with one fp32 scale per output feature (w ≈ q × scale). Each q is stored as the byte q + 128 and
 * widened to q/256 exactly: the panel decoder places it in the mantissa of 1.0, which gives 1 + (q+128)/256, and
 * subtracts 1.5; the one-row kernel converts it to float and scales and shifts it in one FMA. The raw sums are thus
 * Σ x·q / 256, and the column scale is scale × 256.
 */
public final class I8Panels extends PackedWeights {
    /** Bytes are loaded L at a time where a vector of L bytes exists (L ≥ 8), else two groups at once. */
    private static final boolean NARROW = L * 8 < 64;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final IntVector ONE = IntVector.broadcast(I, Float.floatToRawIntBits(1f));
    private static final FloatVector ONE_AND_A_HALF = FloatVector.broadcast(S, 1.5f);
    private static final FloatVector ONE_256TH = FloatVector.broadcast(S, 0x1p-8f);
    private static final FloatVector MINUS_HALF = FloatVector.broadcast(S, -0.5f);

    final byte[] panels;
    private final float[] scales;
    private final float[] columnScales;

    I8Panels(Weights.I8 w) {
        super(w.rows(), w.cols());
        panels = new byte[panelCount() * PANEL_WIDTH * cols];
        java.util.Arrays.fill(panels, (byte) 128); // padding columns hold q = 0
        byte[] src = w.data();
        for (int r = 0; r < rows; r++) {
            int base = index(r, 0, cols);
            int from = r * cols;
            for (int c = 0; c < cols; c++) {
                panels[base + c * PANEL_WIDTH] = (byte) (src[from + c] + 128);
            }
        }
        scales = w.scales().clone();
        columnScales = new float[panelCount() * PANEL_WIDTH];
        for (int r = 0; r < rows; r++) {
            columnScales[r] = scales[r] * 256f;
        }
    }

    @Override
    public WeightType type() {
        return WeightType.I8;
    }

    @Override
    public long bytes() {
        return panels.length + 4L * scales.length;
    }

    @Override
    public float get(int row, int col) {
        return ((panels[index(row, col, cols)] & 0xFF) - 128) * scales[row];
    }

    @Override
    public float[] columnScales() {
        return columnScales;
    }

    /** Lanes {@code [part·L, part·L + L)} of the bytes at {@code offset} as q/256. */
    private static FloatVector widen(byte[] p, int offset, int part) {
        IntVector u = (IntVector) ByteVector.fromArray(B, p, offset)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
        return u.lanewise(VectorOperators.LSHL, 15).or(ONE).reinterpretAsFloats().sub(ONE_AND_A_HALF);
    }

    /**
     * {@link #widen}'s values by an int-to-float conversion: (q+128) × 2^-8 - 0.5 in one exact FMA. One operation
     * fewer, and faster in the one-row kernel on the AMD host (batch-1 int8 decode ahead in 5 of 7 alternating
     * rounds against the old jar, medians 339 vs 311 tok/s); slower in the panel decoder for four rows and more
     * (-9% at batch 16 in one pair of rounds), which keeps {@link #widen}.
     */
    private static FloatVector converted(byte[] p, int offset, int part) {
        IntVector u = (IntVector) ByteVector.fromArray(B, p, offset)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
        return ((FloatVector) u.convert(VectorOperators.I2F, 0)).fma(ONE_256TH, MINUS_HALF);
    }

    private static FloatVector low(byte[] p, int offset) {
        return converted(p, offset, 0);
    }

    private static FloatVector high(byte[] p, int offset) {
        return NARROW ? converted(p, offset, 1) : converted(p, offset + L, 0);
    }

    @Override
    void gemv(float[] x, int xOffset, int panel, float[] out, int outOffset) {
        final int k = cols;
        final int kEven = k & ~1;
        final byte[] p = panels;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int wi = panel * PANEL_WIDTH * k;
        int i = 0;
        for (; i < kEven; i += 2, wi += 2 * PANEL_WIDTH) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = low(p, wi).fma(a, e0);
            e1 = high(p, wi).fma(a, e1);
            FloatVector b = FloatVector.broadcast(S, x[xOffset + i + 1]);
            o0 = low(p, wi + PANEL_WIDTH).fma(b, o0);
            o1 = high(p, wi + PANEL_WIDTH).fma(b, o1);
        }
        if (i < k) {
            FloatVector a = FloatVector.broadcast(S, x[xOffset + i]);
            e0 = low(p, wi).fma(a, e0);
            e1 = high(p, wi).fma(a, e1);
        }
        e0.add(o0).intoArray(out, outOffset);
        e1.add(o1).intoArray(out, outOffset + L);
    }

    @Override
    void decodePanel(int panel, float[] dst) {
        int base = panel * PANEL_WIDTH * cols;
        for (int i = 0; i < PANEL_WIDTH * cols; i += PANEL_WIDTH) {
            widen(panels, base + i, 0).intoArray(dst, i);
            (NARROW ? widen(panels, base + i, 1) : widen(panels, base + i + L, 0)).intoArray(dst, i + L);
        }
    }
}

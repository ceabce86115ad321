package io.streamformer.accelerator.kernels.matmul;

import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix W [rows = output features][cols = input features] laid out once at load for the matmul, in the
 * type it was given: column panels of {@link #PANEL_WIDTH} output features, panel p holding rows
 * [p·W, p·W + W) as [cols][W], so that a kernel streams it sequentially and keeps W outputs in two vector registers.
 * One subclass per weight type; each widens its values to fp32 in registers ({@link #gemv}) or into an fp32 panel
 * ({@link #decodePanel}), always to the same fp32 values, so every type computes exactly what an F32 matrix of the
 * widened values computes.
 */
public abstract sealed class PackedWeights permits F32Panels, F16Panels, BF16Panels, I8Panels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Output features per panel: two vectors. */
    public static final int PANEL_WIDTH = 2 * L;

    protected final int rows;
    protected final int cols;

    PackedWeights(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        long size = (long) panelCount(rows) * PANEL_WIDTH * cols;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " is too large for one array");
        }
    }

    /** Lays {@code w} out in its own type. */
    public static PackedWeights pack(Weights w) {
        return switch (w) {
            case Weights.F32 f -> new F32Panels(f);
            case Weights.F16 h -> new F16Panels(h);
            case Weights.BF16 b -> new BF16Panels(b);
            case Weights.I8 q -> new I8Panels(q);
        };
    }

    static int panelCount(int rows) {
        return (rows + PANEL_WIDTH - 1) / PANEL_WIDTH;
    }

    /** Index of W[row][col] in a panel array. */
    static int index(int row, int col, int cols) {
        return (row / PANEL_WIDTH) * PANEL_WIDTH * cols + col * PANEL_WIDTH + row % PANEL_WIDTH;
    }

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final int panelCount() {
        return panelCount(rows);
    }

    public abstract WeightType type();

    /** Bytes held. */
    public abstract long bytes();

    /** W[row][col] as the kernels see it (I8: q × scale). */
    public abstract float get(int row, int col);

    /** Row {@code row} of W as the kernels see it, into {@code dst[offset..offset+cols)} (embedding lookups). */
    public void copyRow(int row, float[] dst, int offset) {
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = get(row, c);
        }
    }

    /**
     * Per output feature, the factor the raw sums of {@link #gemv} and of the decoded panel get before the bias
     * (I8: its row scale, the decoded values being q / 256 ... see {@link I8Panels}); null when there is none.
     */
    public float[] columnScales() {
        return null;
    }

    /**
     * Raw sums of one input row against panel {@code panel}: {@code out[outOffset + j] = Σ_k x[xOffset + k] ·
     * W'[panel·W + j][k]} for j in [0, W), W' the widened (I8: q / 256) values, even and odd k summed separately
     * and added last (the order of every kernel here).
     */
    abstract void gemv(float[] x, int xOffset, int panel, float[] out, int outOffset);

    /**
     * Whether {@link #gemv2} streams two panels in one pass; a type whose one-panel kernel cannot keep enough loads
     * in flight to reach the memory's bandwidth says so.
     */
    boolean streamsTwoPanels() {
        return false;
    }

    /**
     * {@link #gemv} of one input row against panels {@code panelA} and {@code panelB}, into {@code outA[offA..]} and
     * {@code outB[offB..]}: each panel with exactly the operations {@link #gemv} performs.
     */
    void gemv2(float[] x, int xOffset, int panelA, float[] outA, int offA, int panelB, float[] outB, int offB) {
        gemv(x, xOffset, panelA, outA, offA);
        gemv(x, xOffset, panelB, outB, offB);
    }

    /**
     * Raw sums of the four input rows at {@code x[x0..]} against panel {@code panel} into {@code tile[t..t + 4·W)},
     * exactly as {@link MatMul}'s fp32 four-row block computes them from the decoded panel, which is left in
     * {@code dst} for the rows after: a type that widens in registers does both in one pass, so that the panel's
     * stream from memory overlaps with arithmetic.
     */
    void block4Decoding(float[] x, int x0, int panel, float[] dst, float[] tile, int t) {
        decodePanel(panel, dst);
        MatMul.block4(x, x0, cols, dst, 0, tile, t);
    }

    /** The fp32 panel {@code panel} of W' into {@code dst[0 .. W·cols)}, in the F32 layout. */
    abstract void decodePanel(int panel, float[] dst);
}

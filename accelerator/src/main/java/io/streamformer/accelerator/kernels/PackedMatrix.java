package io.streamformer.accelerator.kernels;

/**
 * A weight matrix W of shape [rows = output features, cols = input features] (PyTorch's Linear layout),
 * re-laid out once at load time into column panels: panel p holds output rows [p*W, p*W+W) as
 * [cols][W] so that the matmul streams it sequentially and keeps W outputs in vector registers.
 */
public final class PackedMatrix {
    private final int rows;
    private final int cols;
    private final int panelWidth;
    private final float[] panels;

    private PackedMatrix(int rows, int cols, int panelWidth, float[] panels) {
        this.rows = rows;
        this.cols = cols;
        this.panelWidth = panelWidth;
        this.panels = panels;
    }

    public static PackedMatrix pack(float[] rowMajor, int rows, int cols) {
        return pack(rowMajor, rows, cols, 1f);
    }

    /** Packs {@code scale * W}; used to fold attention's 1/sqrt(d_k) into the query projection. */
    public static PackedMatrix pack(float[] rowMajor, int rows, int cols, float scale) {
        if ((long) rows * cols != rowMajor.length) {
            throw new IllegalArgumentException("matrix of " + rowMajor.length + " values is not " + rows + "x" + cols);
        }
        int width = MatMul.PANEL_WIDTH;
        int panelCount = (rows + width - 1) / width;
        long size = (long) panelCount * width * cols;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " is too large for one array");
        }
        float[] panels = new float[(int) size];
        for (int r = 0; r < rows; r++) {
            int panel = r / width;
            int lane = r % width;
            int base = panel * width * cols + lane;
            int src = r * cols;
            for (int c = 0; c < cols; c++) {
                panels[base + c * width] = rowMajor[src + c] * scale;
            }
        }
        return new PackedMatrix(rows, cols, width, panels);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public int panelWidth() {
        return panelWidth;
    }

    public int panelCount() {
        return (rows + panelWidth - 1) / panelWidth;
    }

    float[] panels() {
        return panels;
    }

    /** W[row][col], for lookups such as the (tied) embedding table. */
    public float get(int row, int col) {
        return panels[(row / panelWidth) * panelWidth * cols + col * panelWidth + row % panelWidth];
    }

    /** Copies row {@code row} of W into {@code dst[dstOffset..dstOffset+cols)}. */
    public void copyRow(int row, float[] dst, int dstOffset) {
        int base = (row / panelWidth) * panelWidth * cols + row % panelWidth;
        for (int c = 0; c < cols; c++) {
            dst[dstOffset + c] = panels[base + c * panelWidth];
        }
    }
}

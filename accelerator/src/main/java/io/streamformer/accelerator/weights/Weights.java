package io.streamformer.accelerator.weights;

/**
 * A weight matrix on the host, row-major [rows][cols] (PyTorch's Linear layout: rows are output features), in one
 * of the {@link WeightType}s: what a model hands its backend, which lays it out for its kernels. Converting between
 * types is explicit ({@link WeightConversions}); widening F16 or BF16 to F32 is exact.
 */
public sealed interface Weights permits Weights.F32, Weights.F16, Weights.BF16, Weights.I8 {

    int rows();

    int cols();

    WeightType type();

    /** Bytes the values take (I8: plus one fp32 scale per row). */
    long bytes();

    /** Element [row][col] as fp32 (I8: q × scale); for lookups and tests, not for kernels. */
    float get(int row, int col);

    /** Row {@code row} widened to fp32 into {@code dst[offset..offset+cols)}. */
    default void copyRow(int row, float[] dst, int offset) {
        for (int c = 0; c < cols(); c++) {
            dst[offset + c] = get(row, c);
        }
    }

    private static void checkShape(int length, int rows, int cols, String what) {
        if (rows < 0 || cols < 0 || (long) rows * cols != length) {
            throw new IllegalArgumentException(what + " of " + length + " values is not " + rows + "x" + cols);
        }
    }

    record F32(float[] data, int rows, int cols) implements Weights {
        public F32 {
            checkShape(data.length, rows, cols, "F32 matrix");
        }

        @Override
        public WeightType type() {
            return WeightType.F32;
        }

        @Override
        public long bytes() {
            return 4L * data.length;
        }

        @Override
        public float get(int row, int col) {
            return data[row * cols + col];
        }

        @Override
        public void copyRow(int row, float[] dst, int offset) {
            System.arraycopy(data, row * cols, dst, offset, cols);
        }
    }

    /** IEEE half precision bit patterns; finite values only (checked where they are made). */
    record F16(short[] data, int rows, int cols) implements Weights {
        public F16 {
            checkShape(data.length, rows, cols, "F16 matrix");
        }

        @Override
        public WeightType type() {
            return WeightType.F16;
        }

        @Override
        public long bytes() {
            return 2L * data.length;
        }

        @Override
        public float get(int row, int col) {
            return Float.float16ToFloat(data[row * cols + col]);
        }
    }

    /** bfloat16 bit patterns: the upper half of an fp32. */
    record BF16(short[] data, int rows, int cols) implements Weights {
        public BF16 {
            checkShape(data.length, rows, cols, "BF16 matrix");
        }

        @Override
        public WeightType type() {
            return WeightType.BF16;
        }

        @Override
        public long bytes() {
            return 2L * data.length;
        }

        @Override
        public float get(int row, int col) {
            return Float.intBitsToFloat((data[row * cols + col] & 0xFFFF) << 16);
        }
    }

    /** w[r][c] ≈ q[r][c] × scales[r], q in [-127, 127]. */
    record I8(byte[] data, float[] scales, int rows, int cols) implements Weights {
        public I8 {
            checkShape(data.length, rows, cols, "I8 matrix");
            if (scales.length != rows) {
                throw new IllegalArgumentException("I8 matrix of " + rows + " rows has " + scales.length + " scales");
            }
        }

        @Override
        public WeightType type() {
            return WeightType.I8;
        }

        @Override
        public long bytes() {
            return data.length + 4L * scales.length;
        }

        @Override
        public float get(int row, int col) {
            return data[row * cols + col] * scales[row];
        }
    }
}

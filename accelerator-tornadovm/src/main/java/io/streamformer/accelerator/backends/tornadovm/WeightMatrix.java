package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.weights.WeightType;

/**
 * A weight matrix [rows = output features, cols = input features] in a weight chunk of its type, laid out for the
 * device (row-major or transposed: element [c, i] at offset + c·rowStride + i·colStride), with its epilogue vector:
 * the output scale at [0] and, for int8, the scale of row r at [1 + r].
 */
final class WeightMatrix extends WeightRange implements Matrix {
    final int rows;
    final int cols;
    final WeightType type;
    final boolean transposed;
    final WeightVector epilogue;

    WeightMatrix(WeightType type, Elements elements, Object laidOut, int rows, int cols, boolean transposed,
                 WeightVector epilogue) {
        super(elements, laidOut, rows * cols);
        this.rows = rows;
        this.cols = cols;
        this.type = type;
        this.transposed = transposed;
        this.epilogue = epilogue;
    }

    /** Distance between W[c, i] and W[c + 1, i]. */
    int rowStride() {
        return transposed ? 1 : cols;
    }

    /** Distance between W[c, i] and W[c, i + 1]. */
    int colStride() {
        return transposed ? rows : 1;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** What the device holds: f32, f16 or int8 (bf16 is widened to f32 at upload). */
    @Override
    public WeightType type() {
        return type;
    }

    /** The values' bytes on the device, plus the row scales of int8 (as the JVM backend counts them). */
    @Override
    public long bytes() {
        return (long) length * elements.bytes + (type == WeightType.I8 ? 4L * rows : 0);
    }
}

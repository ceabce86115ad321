package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;

/**
 * What the device holds for each uploaded weight, staged for {@link DeviceMemory} to pack:
 *
 * <ul>
 * <li>F32: fp32;</li>
 * <li>F16: the fp16 bit patterns (16 bits on the device), widened exactly in the kernels' registers;</li>
 * <li>BF16: widened to fp32 here, exactly (the kernels would need a bit cast to widen bf16 cheaply, which
 * TornadoVM's OpenCL backend lacks); logged once per backend;</li>
 * <li>I8: the int8 values and one fp32 scale per row (w ≈ q × scale[row]), the scales in the matrix's epilogue.</li>
 * </ul>
 *
 * Matrices are laid out row-major or transposed, as the device's matmul prefers (see {@link WeightMatrix}).
 */
final class WeightUploads {
    private final DeviceMemory memory;
    private final boolean transposed;
    private boolean bf16Logged;

    WeightUploads(DeviceMemory memory, boolean transposed) {
        this.memory = memory;
        this.transposed = transposed;
    }

    boolean transposed() {
        return transposed;
    }

    WeightVector vector(float[] data) {
        WeightVector v = new WeightVector(data.clone());
        memory.stage(v);
        return v;
    }

    WeightMatrix matrix(Weights weights, float outputScale) {
        int rows = weights.rows();
        int cols = weights.cols();
        float[] epilogue = new float[weights instanceof Weights.I8 ? 1 + rows : 1];
        epilogue[0] = outputScale;
        WeightMatrix m = switch (weights) {
            case Weights.F32 f -> new WeightMatrix(WeightType.F32, WeightRange.Elements.FLOATS,
                    layOut(f.data(), rows, cols), rows, cols, transposed, vector(epilogue));
            case Weights.F16 h -> new WeightMatrix(WeightType.F16, WeightRange.Elements.SHORTS,
                    layOut(h.data(), rows, cols), rows, cols, transposed, vector(epilogue));
            case Weights.BF16 b -> {
                if (!bf16Logged) {
                    bf16Logged = true;
                    TornadoLog.info("tornadovm: bf16 weights are widened to f32 on the device (exactly; twice their"
                            + " bytes): TornadoVM's OpenCL kernels cannot reinterpret bf16 bits as floats cheaply");
                }
                yield new WeightMatrix(WeightType.F32, WeightRange.Elements.FLOATS,
                        layOut(WeightConversions.toFloats(b), rows, cols), rows, cols, transposed, vector(epilogue));
            }
            case Weights.I8 q -> {
                System.arraycopy(q.scales(), 0, epilogue, 1, rows);
                yield new WeightMatrix(WeightType.I8, WeightRange.Elements.BYTES, layOut(q.data(), rows, cols), rows,
                        cols, transposed, vector(epilogue));
            }
        };
        memory.stage(m);
        return m;
    }

    private float[] layOut(float[] rowMajor, int rows, int cols) {
        if (!transposed) {
            return rowMajor.clone();
        }
        float[] t = new float[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = rowMajor[r * cols + c];
            }
        }
        return t;
    }

    private short[] layOut(short[] rowMajor, int rows, int cols) {
        if (!transposed) {
            return rowMajor.clone();
        }
        short[] t = new short[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = rowMajor[r * cols + c];
            }
        }
        return t;
    }

    private byte[] layOut(byte[] rowMajor, int rows, int cols) {
        if (!transposed) {
            return rowMajor.clone();
        }
        byte[] t = new byte[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = rowMajor[r * cols + c];
            }
        }
        return t;
    }
}

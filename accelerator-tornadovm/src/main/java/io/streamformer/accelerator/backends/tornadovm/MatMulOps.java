package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.tornadovm.kernels.KernelMath;
import io.streamformer.accelerator.backends.tornadovm.kernels.MatMulKernels;
import io.streamformer.accelerator.kernels.Activation;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/**
 * {@code Backend.linear}: one kernel per weight type the device holds ({@link MatMulKernels}). Projections of the same
 * input with the same shape fuse into one launch (the query, key and value projections; any output scales).
 */
final class MatMulOps {

    /** Shape: xSlot, wSlot, epilogueSlot, biasSlot, outSlot, n, k, rowStride, colStride, act, hasBias, parts. */
    private static final int PARTS = 11;

    enum Kernel implements KernelOp {
        LINEAR_F32, LINEAR_F16, LINEAR_I8;

        @Override
        public int paramCount(int[] s) {
            return 2 + MatMulKernels.PART_PARAMS * s[PARTS];
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            switch (this) {
                case LINEAR_F32 -> g.task(id, MatMulKernels::linearF32, b.ctx(), b.floats(s[0]), b.floats(s[1]),
                        b.floats(s[2]), b.floats(s[3]), b.floats(s[4]), b.params(), p, s[5], s[6], s[7], s[8], s[9],
                        s[10], s[11]);
                case LINEAR_F16 -> g.task(id, MatMulKernels::linearF16, b.ctx(), b.floats(s[0]), b.shorts(s[1]),
                        b.floats(s[2]), b.floats(s[3]), b.floats(s[4]), b.params(), p, s[5], s[6], s[7], s[8], s[9],
                        s[10], s[11]);
                case LINEAR_I8 -> g.task(id, MatMulKernels::linearI8, b.ctx(), b.floats(s[0]), b.bytes(s[1]),
                        b.floats(s[2]), b.floats(s[3]), b.floats(s[4]), b.params(), p, s[5], s[6], s[7], s[8], s[9],
                        s[10], s[11]);
            }
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perOutput(s[PARTS] * s[5]);
        }

        static Kernel of(WeightMatrix m) {
            return switch (m.type) {
                case F32 -> LINEAR_F32;
                case F16 -> LINEAR_F16;
                case I8 -> LINEAR_I8;
                case BF16 -> throw new AssertionError("bf16 is widened at upload");
            };
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    MatMulOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        WeightMatrix m = Checks.matrix(w);
        Checks.floats(x, rows, m.cols, "linear input");
        Checks.output(out, rows, m.rows, "linear output");
        if (bias != null && bias.size() < m.rows) {
            throw new IllegalArgumentException("a bias of " + bias.size() + " for " + m.rows + " outputs");
        }
        FloatTensor b = bias == null ? m.epilogue : bias; // any float array when there is no bias: never read
        OpSpec spec = new OpSpec(Kernel.of(m), memory.slot(x), memory.slot(m), memory.slot(m.epilogue), memory.slot(b),
                memory.slot(out), m.rows, m.cols, m.rowStride(), m.colStride(), activation(act), bias == null ? 0 : 1,
                1);
        int[] head = {rows, memory.offset(x)};
        int[] part = {memory.offset(m), memory.offset(m.epilogue), bias == null ? 0 : memory.offset(bias),
                memory.offset(out)};
        Object[] operands = {w, bias, out};
        if (!recording.fuse(spec, PARTS, head, x, part, operands, bias, out)) {
            recording.record(spec, Recording.concat(head, part), Recording.concat(new Object[]{x}, operands));
        }
    }

    static int activation(Activation act) {
        return switch (act) {
            case IDENTITY -> KernelMath.ACT_IDENTITY;
            case RELU -> KernelMath.ACT_RELU;
            case SWISH -> KernelMath.ACT_SWISH;
            case GELU -> KernelMath.ACT_GELU;
            case GELU_NEW -> KernelMath.ACT_GELU_NEW;
        };
    }
}

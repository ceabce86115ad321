package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.tornadovm.kernels.NormKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/**
 * {@code Backend.layerNorm} and {@code rmsNorm}, each with an optional residual add and an optional sum output (see
 * {@link NormKernels}). A missing optional operand is bound to the input's array and flagged 0 in the shape; the
 * outputs are both in the arena (slot 0).
 */
final class NormOps {

    enum Kernel implements KernelOp {
        /** Shape: xSlot, residualSlot, gammaSlot, betaSlot, d, eps, hasResidual, hasBeta, hasSum. */
        LAYER_NORM,
        /** Shape: xSlot, residualSlot, gammaSlot, d, eps, hasResidual, hasSum. */
        RMS_NORM;

        @Override
        public int paramCount(int[] s) {
            return this == LAYER_NORM ? 7 : 6;
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            if (this == LAYER_NORM) {
                g.task(id, NormKernels::layerNorm, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.floats(s[2]),
                        b.floats(s[3]), b.floats(0), b.params(), p, s[4], Float.intBitsToFloat(s[5]), s[6], s[7], s[8]);
            } else {
                g.task(id, NormKernels::rmsNorm, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.floats(s[2]),
                        b.floats(0), b.params(), p, s[3], Float.intBitsToFloat(s[4]), s[5], s[6]);
            }
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perRow();
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    NormOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta, float eps,
                   FloatTensor sum, FloatTensor out) {
        int d = gamma.size();
        check(x, residual, rows, d, sum, out);
        if (beta != null) {
            Checks.size(beta, d, "layer norm beta");
        }
        FloatTensor res = or(residual, x);
        FloatTensor bt = or(beta, gamma);
        FloatTensor sm = or(sum, out);
        recording.record(new OpSpec(Kernel.LAYER_NORM, memory.slot(x), memory.slot(res), memory.slot(gamma),
                        memory.slot(bt), d, Float.floatToIntBits(eps),
                        flag(residual), flag(beta), flag(sum)),
                new int[]{rows, memory.offset(x), memory.offset(res), memory.offset(gamma), memory.offset(bt),
                        memory.offset(sm), memory.offset(out)},
                new Object[]{x, residual, gamma, beta, sum, out});
    }

    void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                 FloatTensor out) {
        int d = gamma.size();
        check(x, residual, rows, d, sum, out);
        FloatTensor res = or(residual, x);
        FloatTensor sm = or(sum, out);
        recording.record(new OpSpec(Kernel.RMS_NORM, memory.slot(x), memory.slot(res), memory.slot(gamma),
                        d, Float.floatToIntBits(eps), flag(residual), flag(sum)),
                new int[]{rows, memory.offset(x), memory.offset(res), memory.offset(gamma), memory.offset(sm),
                        memory.offset(out)},
                new Object[]{x, residual, gamma, sum, out});
    }

    private static void check(FloatTensor x, FloatTensor residual, int rows, int d, FloatTensor sum,
                              FloatTensor out) {
        Checks.floats(x, rows, d, "norm input");
        if (residual != null) {
            Checks.floats(residual, rows, d, "norm residual");
        }
        if (sum != null) {
            Checks.output(sum, rows, d, "norm sum");
        }
        Checks.output(out, rows, d, "norm output");
    }

    private static FloatTensor or(FloatTensor t, FloatTensor instead) {
        return t != null ? t : instead;
    }

    private static int flag(Object t) {
        return t == null ? 0 : 1;
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.tornadovm.kernels.ActivationKernels;
import io.streamformer.accelerator.kernels.Activation;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/** {@code Backend.gatedActivation}: the product of a gated feed-forward (a plain one's activation is in the matmul). */
final class ActivationOps {

    enum Kernel implements KernelOp {
        /** Shape: gateSlot, upSlot, outSlot, width, act. */
        GATED;

        @Override
        public int paramCount(int[] s) {
            return 4;
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            g.task(id, ActivationKernels::gated, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.floats(s[2]), b.params(), p,
                    s[3], s[4]);
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perElement();
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    ActivationOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void gated(FloatTensor gate, FloatTensor up, int rows, int width, Activation act, FloatTensor out) {
        Checks.floats(gate, rows, width, "gate");
        Checks.floats(up, rows, width, "up projection");
        Checks.output(out, rows, width, "gated output");
        recording.record(new OpSpec(Kernel.GATED, memory.slot(gate), memory.slot(up), memory.slot(out), width,
                        MatMulOps.activation(act)),
                new int[]{rows, memory.offset(gate), memory.offset(up), memory.offset(out)},
                new Object[]{gate, up, out});
    }
}

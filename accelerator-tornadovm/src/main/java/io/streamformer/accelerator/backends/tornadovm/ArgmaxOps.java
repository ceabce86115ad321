package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.tornadovm.kernels.ArgmaxKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/** {@code Backend.argmaxRows}: greedy decoding's choice on the device, with bans and forced tokens. */
final class ArgmaxOps {

    enum Kernel implements KernelOp {
        /** Shape: logitsSlot, outSlot, vocab. */
        ARGMAX_ROWS;

        @Override
        public int paramCount(int[] s) {
            return 7;
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            g.task(id, ArgmaxKernels::argmaxRows, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.ints(), b.params(), p,
                    s[2]);
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perRow();
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    ArgmaxOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void argmax(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount, IntTensor bans,
                IntTensor forced, FloatTensor out) {
        IntRange start = Checks.ints(banStart);
        IntRange count = Checks.ints(banCount);
        IntRange banned = Checks.ints(bans);
        IntRange force = Checks.ints(forced);
        Checks.rows(rows, start, count, force);
        Checks.floats(logits, rows, vocab, "logits");
        Checks.output(out, rows, 3, "greedy choices");
        for (int r = 0; r < rows; r++) {
            int s = memory.hostInt(start, r);
            int c = memory.hostInt(count, r);
            int f = memory.hostInt(force, r);
            if (s < 0 || c < 0 || s + c > banned.size || f >= vocab) {
                throw new IllegalArgumentException("argmax row " + r + ": bans [" + s + ", " + (s + c)
                        + ") or forced token " + f + " out of range");
            }
            for (int b = s; b < s + c; b++) {
                int id = memory.hostInt(banned, b);
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("banned token " + id + " outside [0, " + vocab + ")");
                }
            }
        }
        recording.record(new OpSpec(Kernel.ARGMAX_ROWS, memory.slot(logits), memory.slot(out), vocab),
                new int[]{rows, memory.offset(logits), start.offset, count.offset, banned.offset, force.offset,
                        memory.offset(out)},
                new Object[]{logits, banStart, banCount, bans, forced, out}, start, count, banned, force);
    }
}

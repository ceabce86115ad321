package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.tornadovm.kernels.EmbeddingKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/** {@code Backend.embed}: token rows of a table in any weight type, scaled, plus an optional position table. */
final class EmbeddingOps {

    enum Kernel implements KernelOp {
        EMBED_F32, EMBED_F16, EMBED_I8;

        /** Shape: tableSlot, epilogueSlot, positionTableSlot, outSlot, d, rowStride, colStride, scale, hasPositions. */
        @Override
        public int paramCount(int[] s) {
            return 7;
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            float scale = Float.intBitsToFloat(s[7]);
            switch (this) {
                case EMBED_F32 -> g.task(id, EmbeddingKernels::embedF32, b.ctx(), b.floats(s[0]), b.floats(s[2]),
                        b.floats(s[3]), b.ints(), b.params(), p, s[4], s[5], s[6], scale, s[8]);
                case EMBED_F16 -> g.task(id, EmbeddingKernels::embedF16, b.ctx(), b.shorts(s[0]), b.floats(s[2]),
                        b.floats(s[3]), b.ints(), b.params(), p, s[4], s[5], s[6], scale, s[8]);
                case EMBED_I8 -> g.task(id, EmbeddingKernels::embedI8, b.ctx(), b.bytes(s[0]), b.floats(s[1]),
                        b.floats(s[2]), b.floats(s[3]), b.ints(), b.params(), p, s[4], s[5], s[6], scale, s[8]);
            }
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perElement();
        }

        static Kernel of(WeightMatrix m) {
            return switch (m.type) {
                case F32 -> EMBED_F32;
                case F16 -> EMBED_F16;
                case I8 -> EMBED_I8;
                case BF16 -> throw new AssertionError("bf16 is widened at upload");
            };
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    EmbeddingOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale, FloatTensor positionTable,
               FloatTensor out) {
        WeightMatrix t = Checks.matrix(table);
        IntRange i = Checks.ints(ids);
        int d = t.cols;
        Checks.rows(rows, i);
        Checks.output(out, rows, d, "embedding output");
        Checks.indices(memory, i, rows, t.rows, "token id");
        IntRange p = null;
        if (positionTable != null) {
            p = Checks.ints(positions);
            Checks.rows(rows, p);
            Checks.indices(memory, p, rows, positionTable.size() / Math.max(1, d), "position");
        }
        FloatTensor pt = positionTable == null ? t.epilogue : positionTable; // never read without positions
        recording.record(new OpSpec(Kernel.of(t), memory.slot(t), memory.slot(t.epilogue), memory.slot(pt),
                        memory.slot(out), d, t.rowStride(), t.colStride(), Float.floatToIntBits(scale),
                        positionTable == null ? 0 : 1),
                new int[]{rows, i.offset, p == null ? 0 : p.offset, memory.offset(t), memory.offset(t.epilogue),
                        memory.offset(pt), memory.offset(out)},
                new Object[]{ids, positions, table, positionTable, out}, p == null ? new IntRange[]{i}
                        : new IntRange[]{i, p});
    }
}

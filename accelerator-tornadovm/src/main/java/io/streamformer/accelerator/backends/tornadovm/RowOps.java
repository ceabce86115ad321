package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.tornadovm.kernels.RowKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/**
 * {@code Backend.scatterRows}, {@code gatherRows} and {@code copyRows}: the KV-cache writes (the key and value writes
 * of a layer fuse into one launch), the output rows' gather, and beam search's cache moves (batched into one
 * launch while they touch nothing the batch reads or writes).
 */
final class RowOps {

    /** Shape of SCATTER_ROWS: srcSlot, dstSlot, width, parts. */
    private static final int SCATTER_PARTS = 3;
    private static final OpSpec COPY = new OpSpec(Kernel.COPY_RANGES, 0);

    enum Kernel implements KernelOp {
        SCATTER_ROWS,
        /** Shape: srcSlot, dstSlot, width. */
        GATHER_ROWS,
        /** Shape: bufferSlot (the arena); the copies are a list in params. */
        COPY_RANGES;

        @Override
        public int paramCount(int[] s) {
            return switch (this) {
                case SCATTER_ROWS -> 2 + 2 * s[SCATTER_PARTS];
                case GATHER_ROWS -> 4;
                case COPY_RANGES -> 2;
            };
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            switch (this) {
                case SCATTER_ROWS -> g.task(id, RowKernels::scatterRows, b.ctx(), b.floats(s[0]), b.floats(s[1]),
                        b.ints(), b.params(), p, s[2], s[3]);
                case GATHER_ROWS -> g.task(id, RowKernels::gatherRows, b.ctx(), b.floats(s[0]), b.floats(s[1]),
                        b.ints(), b.params(), p, s[2]);
                case COPY_RANGES -> g.task(id, RowKernels::copyRanges, b.ctx(), b.floats(s[0]), b.params(), p);
            }
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return grids.perElement();
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    RowOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void scatter(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        IntRange idx = Checks.ints(dstRows);
        Checks.rows(rows, idx);
        Checks.floats(src, rows, width, "scattered rows");
        Checks.arena(dst);
        Checks.indices(memory, idx, rows, dst.size() / Math.max(1, width), "destination row");
        OpSpec spec = new OpSpec(Kernel.SCATTER_ROWS, memory.slot(src), memory.slot(dst), width, 1);
        int[] head = {rows, idx.offset};
        int[] part = {memory.offset(src), memory.offset(dst)};
        Object[] operands = {src, dst};
        if (!recording.fuse(spec, SCATTER_PARTS, head, dstRows, part, operands, src, dst)) {
            recording.record(spec, Recording.concat(head, part), Recording.concat(new Object[]{dstRows}, operands),
                    idx);
        }
    }

    void gather(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        IntRange idx = Checks.ints(srcRows);
        Checks.rows(rows, idx);
        Checks.output(dst, rows, width, "gathered rows");
        Checks.indices(memory, idx, rows, src.size() / Math.max(1, width), "source row");
        recording.record(new OpSpec(Kernel.GATHER_ROWS, memory.slot(src), memory.slot(dst), width),
                new int[]{rows, memory.offset(src), idx.offset, memory.offset(dst)},
                new Object[]{src, srcRows, dst}, idx);
    }

    void copy(FloatTensor buffer, int from, int to, int count, int width) {
        ArenaTensor b = Checks.arena(buffer);
        if (count == 0 || from == to) {
            return;
        }
        long end = (long) Math.max(from, to) + count;
        if (from < 0 || to < 0 || count < 0 || end * width > b.size) {
            throw new IllegalArgumentException("copy of rows [" + from + ", " + (from + count) + ") to " + to
                    + " outside a buffer of " + b.size / Math.max(1, width) + " rows");
        }
        int src = b.offset + from * width;
        int dst = b.offset + to * width;
        int length = count * width;
        if (Math.abs(dst - src) < length) {
            // Overlapping source and destination: pieces that do not overlap, in an order that reads before writing.
            int piece = Math.abs(dst - src);
            if (dst > src) {
                for (int e = length; e > 0; e -= piece) {
                    int n = Math.min(piece, e);
                    recording.addCopy(COPY, b, src + e - n, dst + e - n, n, true);
                }
            } else {
                for (int e = 0; e < length; e += piece) {
                    recording.addCopy(COPY, b, src + e, dst + e, Math.min(piece, length - e), true);
                }
            }
            return;
        }
        recording.addCopy(COPY, b, src, dst, length, false);
    }
}

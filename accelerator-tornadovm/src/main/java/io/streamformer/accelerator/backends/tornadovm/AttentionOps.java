package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.tornadovm.kernels.AttentionKernels;
import io.streamformer.accelerator.backends.tornadovm.kernels.RotaryKernels;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;

/** {@code Backend.attention} (grouped-query, scaled scores) and {@code Backend.rotary}, the positions of attention. */
final class AttentionOps {

    enum Kernel implements KernelOp {
        /** Shape: qSlot, keysSlot, valuesSlot, outSlot, heads, kvHeads, headDim, scale. */
        ATTENTION,
        /** Shape: xSlot, cosSlot, sinSlot, heads, headDim. */
        ROTARY;

        @Override
        public int paramCount(int[] s) {
            return this == ATTENTION ? 7 : 5;
        }

        @Override
        public void addTask(TaskGraph g, String id, int[] s, Bindings b, int p) {
            if (this == ATTENTION) {
                g.task(id, AttentionKernels::attention, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.floats(s[2]),
                        b.floats(s[3]), b.ints(), b.params(), p, s[4], s[5], s[6], Float.intBitsToFloat(s[7]));
            } else {
                g.task(id, RotaryKernels::rotary, b.ctx(), b.floats(s[0]), b.floats(s[1]), b.floats(s[2]), b.ints(),
                        b.params(), p, s[3], s[4]);
            }
        }

        @Override
        public WorkerGrid grid(int[] s, Grids grids) {
            return this == ATTENTION ? grids.perRow() : grids.perElement();
        }
    }

    private final DeviceMemory memory;
    private final Recording recording;

    AttentionOps(DeviceMemory memory, Recording recording) {
        this.memory = memory;
        this.recording = recording;
    }

    void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                   IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out) {
        IntRange start = Checks.ints(keyStart);
        IntRange count = Checks.ints(keyCount);
        if (heads < 1 || kvHeads < 1 || headDim < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention of " + heads + " query heads over " + kvHeads
                    + " key/value heads of " + headDim);
        }
        int d = heads * headDim;
        int kvd = kvHeads * headDim;
        Checks.rows(rows, start, count);
        Checks.floats(q, rows, d, "attention queries");
        Checks.output(out, rows, d, "attention output");
        int keyRows = Math.min(keys.size(), values.size()) / kvd;
        for (int r = 0; r < rows; r++) {
            int s = memory.hostInt(start, r);
            int c = memory.hostInt(count, r);
            if (c > AttentionKernels.MAX_KEYS) {
                throw new IllegalArgumentException("attention over " + c + " keys: the TornadoVM backend supports at"
                        + " most " + AttentionKernels.MAX_KEYS + " per query");
            }
            if (s < 0 || c < 0 || s + c > keyRows) {
                throw new IllegalArgumentException("attention range [" + s + ", " + (s + c) + ") of row " + r
                        + " lies outside the " + keyRows + " key rows");
            }
        }
        recording.record(new OpSpec(Kernel.ATTENTION, memory.slot(q), memory.slot(keys), memory.slot(values),
                        memory.slot(out), heads, kvHeads, headDim, Float.floatToIntBits(scale)),
                new int[]{rows, memory.offset(q), memory.offset(keys), memory.offset(values), start.offset,
                        count.offset, memory.offset(out)},
                new Object[]{q, keys, values, keyStart, keyCount, out}, start, count);
    }

    void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                FloatTensor sin) {
        IntRange pos = Checks.ints(positions);
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException("rotary embedding of an odd head size " + headDim);
        }
        int half = headDim / 2;
        Checks.rows(rows, pos);
        Checks.output(x, rows, heads * headDim, "rotary input");
        Checks.indices(memory, pos, rows, Math.min(cos.size(), sin.size()) / half, "rotary position");
        recording.record(new OpSpec(Kernel.ROTARY, memory.slot(x), memory.slot(cos), memory.slot(sin), heads, headDim),
                new int[]{rows, memory.offset(x), pos.offset, memory.offset(cos), memory.offset(sin)},
                new Object[]{x, positions, cos, sin}, pos);
    }
}

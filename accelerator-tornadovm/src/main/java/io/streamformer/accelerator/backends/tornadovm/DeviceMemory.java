package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Every array the task graphs bind, and where each tensor lives in them:
 *
 * <ul>
 * <li>slot 0, the activation arena (FloatArray): activations and KV caches, a tensor is a range of it
 * ({@link ArenaTensor});</li>
 * <li>slots 1.., the weight chunks: FloatArray, ShortArray (fp16) or ByteArray (int8), each packing many weights
 * ({@link WeightRange}), transferred to the device once;</li>
 * <li>the int array (IntArray), outside the slots: token ids, positions, attention ranges and row indices
 * ({@link IntRange}), sent with every execution (it is small).</li>
 * </ul>
 *
 * A tensor's identity never enters a task graph, only its slot and offset. Ranges of tensors the model dropped
 * return to the allocators once collected and are reused (not zeroed: the model writes a tensor before reading it).
 * Replacing an array (a grown arena, new chunks) invalidates the execution plan, so {@code beforeArraysChange} runs
 * first (the plan brings the arena's contents home and closes).
 */
final class DeviceMemory {

    private final int maxArenaElements;
    private final long maxChunkBytes;
    private final Runnable beforeArraysChange;

    private FloatArray arena;
    private final RangeAllocator arenaRanges;
    private IntArray ints;
    private final RangeAllocator intRanges;
    /** FloatArray, ShortArray or ByteArray; chunk i is slot 1 + i. */
    private final List<Object> chunks = new ArrayList<>();
    private final List<WeightRange> staged = new ArrayList<>();

    DeviceMemory(long maxAllocBytes, int arenaMiB, Runnable beforeArraysChange) {
        // one array is at most the device's largest allocation, and at most 1 GiB
        long maxAlloc = Math.min(maxAllocBytes > 0 ? maxAllocBytes : Integer.MAX_VALUE, 1L << 30);
        this.maxChunkBytes = maxAlloc;
        this.maxArenaElements = (int) Math.min(maxAlloc / Float.BYTES - 64, 256L << 20);
        this.beforeArraysChange = beforeArraysChange;
        int arenaElements = (int) Math.min(maxArenaElements, (long) Math.max(1, arenaMiB) << 18);
        this.arena = new FloatArray(arenaElements);
        this.arenaRanges = new RangeAllocator(arenaElements);
        this.ints = new IntArray(1 << 14);
        this.intRanges = new RangeAllocator(1 << 14);
    }

    // ------------------------------------------------------------------------------------------ arrays

    /** The arrays of the task graphs, by slot: the arena, then the weight chunks. */
    Object[] arrays() {
        Object[] a = new Object[1 + chunks.size()];
        a[0] = arena;
        for (int i = 0; i < chunks.size(); i++) {
            a[1 + i] = chunks.get(i);
        }
        return a;
    }

    FloatArray arena() {
        return arena;
    }

    IntArray ints() {
        return ints;
    }

    /** The end of the highest arena range in use: what must come home before the arena's plan closes. */
    int arenaTop() {
        return arenaRanges.top();
    }

    int chunkCount() {
        return chunks.size();
    }

    // ------------------------------------------------------------------------------------------ tensors

    /** The array slot of an operand, packing staged weights first if it is one of them. */
    int slot(Object t) {
        if (t instanceof ArenaTensor) {
            return 0;
        }
        if (t instanceof WeightRange w) {
            if (!w.packed()) {
                packStaged();
            }
            return w.slot;
        }
        throw new IllegalArgumentException("not a tensor of the TornadoVM backend: " + t);
    }

    /** The offset of an operand in its array (after {@link #slot}, which packs). */
    int offset(Object t) {
        if (t instanceof ArenaTensor a) {
            return a.offset;
        }
        if (t instanceof WeightRange w) {
            if (!w.packed()) {
                packStaged();
            }
            return w.offset;
        }
        throw new IllegalArgumentException("not a tensor of the TornadoVM backend: " + t);
    }

    /** Whether two float operands share elements of one array. */
    boolean overlaps(FloatTensor a, FloatTensor b) {
        return slot(a) == slot(b) && Recording.overlaps(offset(a), a.size(), offset(b), b.size());
    }

    ArenaTensor allocate(int size) {
        ArenaTensor t = new ArenaTensor(size);
        t.offset = allocateIn(arenaRanges, t, size, true);
        return t;
    }

    IntRange allocateInts(int size) {
        IntRange t = new IntRange(size);
        t.offset = allocateIn(intRanges, t, size, false);
        return t;
    }

    void writeInts(IntRange t, int[] src, int count) {
        MemorySegment.copy(src, 0, ints.getSegment(), ValueLayout.JAVA_INT, (long) t.offset * Integer.BYTES, count);
    }

    /** The host copy of int {@code index} of {@code t} (for argument checks). */
    int hostInt(IntRange t, int index) {
        return ints.getSegment().getAtIndex(ValueLayout.JAVA_INT, t.offset + index);
    }

    /** Copies from the host copy of the arena (current once the plan has brought the range home). */
    void readArena(int from, float[] dst, int dstOffset, int count) {
        MemorySegment.copy(arena.getSegment(), ValueLayout.JAVA_FLOAT, (long) from * Float.BYTES, dst, dstOffset,
                count);
    }

    /** A weight vector's values: from the heap while staged, else from its chunk's host copy (never changed). */
    void readWeights(WeightVector w, int srcOffset, float[] dst, int dstOffset, int count) {
        if (w.staged != null) {
            System.arraycopy((float[]) w.staged, srcOffset, dst, dstOffset, count);
        } else {
            FloatArray chunk = (FloatArray) chunks.get(w.slot - 1);
            MemorySegment.copy(chunk.getSegment(), ValueLayout.JAVA_FLOAT, (long) (w.offset + srcOffset) * Float.BYTES,
                    dst, dstOffset, count);
        }
    }

    private int allocateIn(RangeAllocator ranges, Object owner, int size, boolean isArena) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        int offset = ranges.allocate(owner, size);
        if (offset >= 0) {
            return offset;
        }
        // Unreachable tensors give their ranges back once collected.
        System.gc();
        for (int i = 0; i < 20 && offset < 0; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            offset = ranges.allocate(owner, size);
        }
        if (offset >= 0) {
            return offset;
        }
        long need = (long) ranges.top() + RangeAllocator.aligned(size);
        long grown = Math.max(2L * ranges.capacity(), need);
        int max = isArena ? maxArenaElements : Integer.MAX_VALUE - 64;
        if (need > max) {
            throw new IllegalArgumentException("the TornadoVM device cannot hold " + need + " floats of activations"
                    + " and KV cache in one array (limit " + max + "): lower the batch size or the maximum lengths");
        }
        grown = Math.min(grown, max);
        TornadoLog.verbose("growing the %s from %d to %d elements", isArena ? "activation arena" : "int array",
                ranges.capacity(), grown);
        beforeArraysChange.run();
        if (isArena) {
            FloatArray bigger = new FloatArray((int) grown);
            MemorySegment.copy(arena.getSegment(), 0, bigger.getSegment(), 0, (long) ranges.top() * Float.BYTES);
            arena = bigger;
        } else {
            IntArray bigger = new IntArray((int) grown);
            MemorySegment.copy(ints.getSegment(), 0, bigger.getSegment(), 0, (long) ranges.top() * Integer.BYTES);
            ints = bigger;
        }
        ranges.grow((int) grown);
        offset = ranges.allocate(owner, size);
        if (offset < 0) {
            throw new IllegalStateException("arena allocation failed after growing");
        }
        return offset;
    }

    // ------------------------------------------------------------------------------------------ weights

    void stage(WeightRange w) {
        staged.add(w);
    }

    /** Packs every staged weight into new chunks, one element type per chunk. */
    void packStaged() {
        if (staged.isEmpty()) {
            return;
        }
        beforeArraysChange.run(); // the set of arrays changes
        for (WeightRange.Elements e : WeightRange.Elements.values()) {
            List<WeightRange> items = new ArrayList<>();
            for (WeightRange w : staged) {
                if (w.elements == e) {
                    items.add(w);
                }
            }
            pack(e, items);
        }
        staged.clear();
    }

    private void pack(WeightRange.Elements e, List<WeightRange> items) {
        long max = maxChunkBytes / e.bytes - 64;
        int i = 0;
        while (i < items.size()) {
            long total = 0;
            int j = i;
            while (j < items.size()) {
                long next = total + RangeAllocator.aligned(items.get(j).length);
                if (next > max && j > i) {
                    break;
                }
                if (next > max) {
                    throw new IllegalArgumentException("a weight of " + items.get(j).length + " values exceeds the"
                            + " device's largest allocation (" + max + " values of " + e.bytes + " bytes)");
                }
                total = next;
                j++;
            }
            int size = (int) Math.max(total, RangeAllocator.ALIGN);
            Object chunk = switch (e) {
                case FLOATS -> new FloatArray(size);
                case SHORTS -> new ShortArray(size);
                case BYTES -> new ByteArray(size);
            };
            int slot = 1 + chunks.size();
            int offset = 0;
            for (int k = i; k < j; k++) {
                WeightRange w = items.get(k);
                copyInto(chunk, offset, w.staged, w.length);
                w.slot = slot;
                w.offset = offset;
                w.staged = null;
                offset += RangeAllocator.aligned(w.length);
            }
            chunks.add(chunk);
            TornadoLog.verbose("packed %d weights (%d %s) into slot %d", j - i, total, e, slot);
            i = j;
        }
    }

    private static void copyInto(Object chunk, int offset, Object data, int length) {
        switch (chunk) {
            case FloatArray f -> MemorySegment.copy((float[]) data, 0, f.getSegment(), ValueLayout.JAVA_FLOAT,
                    (long) offset * Float.BYTES, length);
            case ShortArray s -> MemorySegment.copy((short[]) data, 0, s.getSegment(), ValueLayout.JAVA_SHORT,
                    (long) offset * Short.BYTES, length);
            case ByteArray b -> MemorySegment.copy((byte[]) data, 0, b.getSegment(), ValueLayout.JAVA_BYTE, offset,
                    length);
            default -> throw new AssertionError(chunk);
        }
    }
}

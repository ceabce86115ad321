package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The kernel calls recorded since the last sync point, not yet run: each its {@link OpSpec}, its params (row counts
 * and offsets) and the tensors it must keep alive until it has run. Consecutive calls of the same shape on the same
 * input merge into one launch ({@link #fuse}, {@link #addCopy}). {@link Plans} runs the recording as one task graph.
 */
final class Recording {

    /** One recorded call; {@code ranges} is the copy list of a COPY_RANGES call, else null. */
    record Pending(OpSpec spec, int[] params, List<int[]> ranges, Object[] operands) {
    }

    /** The most parts one fused call holds (the query, key and value projections). */
    static final int MAX_PARTS = 3;

    private final DeviceMemory memory;
    private final List<Pending> pending = new ArrayList<>();
    private final Set<IntRange> intsRead = Collections.newSetFromMap(new IdentityHashMap<>());

    Recording(DeviceMemory memory) {
        this.memory = memory;
    }

    /** Records a call; {@code reads} are the int tensors it reads (a write to one of them must flush first). */
    void record(OpSpec spec, int[] params, Object[] operands, IntRange... reads) {
        if (params[0] == 0) {
            return; // no rows
        }
        pending.add(new Pending(spec, params, null, operands));
        Collections.addAll(intsRead, reads);
    }

    /** Whether a recorded call still has to read {@code t}. */
    boolean reads(IntRange t) {
        return intsRead.contains(t);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    int size() {
        return pending.size();
    }

    /** The recorded calls, in order; the recording is empty afterwards. */
    List<Pending> takeAll() {
        List<Pending> all = new ArrayList<>(pending);
        pending.clear();
        intsRead.clear();
        return all;
    }

    void clear() {
        pending.clear();
        intsRead.clear();
    }

    /**
     * Merges a call into the previous recorded call when that has the same shape (but for its part count, at
     * {@code partsIndex}), the same {@code head} params (rows, and the offset of the input they share), fewer than
     * {@link #MAX_PARTS} parts, and when the new part's {@code tensors} overlap neither the shared input nor any
     * operand of the previous call: the Q/K/V projections, the K/V cache writes. The merged call's params are the
     * previous call's followed by {@code part}. Returns false (nothing recorded) when the call does not merge.
     */
    boolean fuse(OpSpec spec, int partsIndex, int[] head, Object sharedInput, int[] part, Object[] operands,
                 FloatTensor... tensors) {
        Pending last = pending.isEmpty() ? null : pending.getLast();
        if (head[0] == 0 || last == null || last.spec().op != spec.op || last.spec().shape[partsIndex] >= MAX_PARTS
                || last.params()[0] != head[0] || last.params()[1] != head[1]) {
            return false;
        }
        int[] shape = last.spec().shape.clone();
        shape[partsIndex] = spec.shape[partsIndex];
        if (!Arrays.equals(shape, spec.shape)) {
            return false;
        }
        for (FloatTensor t : tensors) {
            if (t == null) {
                continue;
            }
            if (sharedInput instanceof FloatTensor in && memory.overlaps(in, t)) {
                return false;
            }
            for (Object o : last.operands()) {
                if (o instanceof FloatTensor f && o != sharedInput && memory.overlaps(f, t)) {
                    return false;
                }
            }
        }
        pending.set(pending.size() - 1, new Pending(last.spec().withOneMorePart(partsIndex),
                concat(last.params(), part), null, concat(last.operands(), operands)));
        return true;
    }

    /**
     * Adds a copy of {@code length} elements inside the arena to the batch of copies at the end of the recording when
     * it touches nothing the batch reads or writes (beam search's cache moves always qualify), else starts a batch.
     * {@code alone}: a piece of an overlapping copy, which must run after the batch before it.
     */
    void addCopy(OpSpec copyRanges, ArenaTensor buffer, int src, int dst, int length, boolean alone) {
        Pending last = pending.isEmpty() ? null : pending.getLast();
        if (!alone && last != null && last.spec().equals(copyRanges) && last.ranges().size() < 4096) {
            boolean conflict = false;
            for (int[] c : last.ranges()) {
                if (overlaps(dst, length, c[0], c[2]) || overlaps(dst, length, c[1], c[2])
                        || overlaps(src, length, c[1], c[2])) {
                    conflict = true;
                    break;
                }
            }
            if (!conflict) {
                last.ranges().add(new int[]{src, dst, length});
                return;
            }
        }
        List<int[]> ranges = new ArrayList<>();
        ranges.add(new int[]{src, dst, length});
        pending.add(new Pending(copyRanges, new int[]{0, 0}, ranges, new Object[]{buffer}));
    }

    static boolean overlaps(int a, int n, int b, int m) {
        return a < b + m && b < a + n;
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static Object[] concat(Object[] a, Object[] b) {
        Object[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}

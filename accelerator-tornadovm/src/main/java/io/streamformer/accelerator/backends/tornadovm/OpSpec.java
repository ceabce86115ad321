package io.streamformer.accelerator.backends.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.util.Arrays;

/**
 * The static part of one recorded kernel call: which kernel, which arenas its operands live in (array slots:
 * 0 is the activation arena, 1 + i weight chunk i) and the shapes fixed for a task graph (widths, heads,
 * activation, epsilon...). Two steps whose op sequences have equal specs replay the same task graph; what
 * differs between them (row counts, offsets) travels in the params array.
 */
final class OpSpec {

    enum Kind {
        EMBED, LINEAR, ADD_LAYER_NORM, ATTENTION, SCATTER_ROWS, GATHER_ROWS, COPY_RANGES, ARGMAX_ROWS
    }

    /** Index in {@link #s} of the number of fused calls ("parts") of LINEAR and SCATTER_ROWS. */
    static final int LINEAR_PARTS = 10;
    static final int SCATTER_PARTS = 3;

    /** Grid shapes of the device, fixed for a backend. */
    record Grids(int linearLocal, int reduceGroups, int elementGroups, int elementLocal) {
    }

    final Kind kind;
    /** Slots and shapes; floats as their bits. */
    final int[] s;
    private final int hash;

    OpSpec(Kind kind, int... s) {
        this.kind = kind;
        this.s = s;
        this.hash = 31 * kind.hashCode() + Arrays.hashCode(s);
    }

    /** Ints this call reads from params at its base offset. */
    int paramCount() {
        return switch (kind) {
            case EMBED, ADD_LAYER_NORM -> 6;
            case LINEAR -> 2 + 3 * s[LINEAR_PARTS];
            case ATTENTION, ARGMAX_ROWS -> 7;
            case SCATTER_ROWS -> 2 + 2 * s[SCATTER_PARTS];
            case GATHER_ROWS -> 4;
            case COPY_RANGES -> 2;
        };
    }

    /** This spec with one more fused part (LINEAR, SCATTER_ROWS). */
    OpSpec withOneMorePart() {
        int[] t = s.clone();
        t[kind == Kind.LINEAR ? LINEAR_PARTS : SCATTER_PARTS]++;
        return new OpSpec(kind, t);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpSpec other && other.kind == kind && Arrays.equals(other.s, s);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return kind + Arrays.toString(s);
    }

    /** Adds this call as task {@code id} of {@code g}, reading its params at {@code p}. */
    void addTask(TaskGraph g, String id, FloatArray[] a, IntArray ints, IntArray params, int p, KernelContext ctx) {
        switch (kind) {
            case EMBED -> g.task(id, TornadoKernels::embed, ctx, a[s[0]], a[s[1]], a[s[2]], ints, params, p,
                    s[3], s[4], s[5], Float.intBitsToFloat(s[6]));
            case LINEAR -> g.task(id, TornadoKernels::linear, ctx, a[s[0]], a[s[1]], a[s[2]], a[s[3]], params, p,
                    s[4], s[5], s[6], s[7], s[8], s[9], s[10]);
            case ADD_LAYER_NORM -> g.task(id, TornadoKernels::addLayerNorm, ctx, a[s[0]], a[s[1]], a[s[2]], a[s[3]],
                    a[s[4]], params, p, s[5], Float.intBitsToFloat(s[6]));
            case ATTENTION -> g.task(id, TornadoKernels::attention, ctx, a[s[0]], a[s[1]], a[s[2]], a[s[3]], ints,
                    params, p, s[4], s[5]);
            case SCATTER_ROWS -> g.task(id, TornadoKernels::scatterRows, ctx, a[s[0]], a[s[1]], ints, params, p, s[2],
                    s[3]);
            case GATHER_ROWS -> g.task(id, TornadoKernels::gatherRows, ctx, a[s[0]], a[s[1]], ints, params, p, s[2]);
            case COPY_RANGES -> g.task(id, TornadoKernels::copyRanges, ctx, a[s[0]], params, p);
            case ARGMAX_ROWS -> g.task(id, TornadoKernels::argmaxRows, ctx, a[s[0]], a[s[1]], ints, params, p, s[2]);
        }
    }

    /** The grid of the task: fixed, whatever the row counts of a step. */
    WorkerGrid grid(Grids grids) {
        WorkerGrid1D w;
        switch (kind) {
            case LINEAR -> {
                int local = grids.linearLocal();
                int outputs = s[LINEAR_PARTS] * s[4];
                w = new WorkerGrid1D((outputs + local - 1) / local * local);
                w.setLocalWork(local, 1, 1);
            }
            case ADD_LAYER_NORM, ATTENTION, ARGMAX_ROWS -> {
                w = new WorkerGrid1D(grids.reduceGroups() * TornadoKernels.REDUCE_LOCAL);
                w.setLocalWork(TornadoKernels.REDUCE_LOCAL, 1, 1);
            }
            default -> {
                w = new WorkerGrid1D(grids.elementGroups() * grids.elementLocal());
                w.setLocalWork(grids.elementLocal(), 1, 1);
            }
        }
        return w;
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

/**
 * One device kernel as a task of a graph: how many params a call reads, how the task binds the kernel to the
 * graph's arrays, and its grid. Implemented by the enums of the op families ({@link MatMulOps}, {@link NormOps}...),
 * each next to the Backend methods that record its calls.
 */
interface KernelOp {

    /** Ints a call with this shape reads from params. */
    int paramCount(int[] shape);

    /** Adds the call as task {@code id} of {@code g}, reading its params at {@code p}. */
    void addTask(TaskGraph g, String id, int[] shape, Bindings b, int p);

    /** The task's grid: fixed whatever the row counts of a step (kernels loop over rows). */
    WorkerGrid grid(int[] shape, Grids grids);

    /** What a task binds: the arrays by slot, the int array, the params array, the graph's kernel context. */
    record Bindings(Object[] arrays, IntArray ints, IntArray params, KernelContext ctx) {
        FloatArray floats(int slot) {
            return (FloatArray) arrays[slot];
        }

        ShortArray shorts(int slot) {
            return (ShortArray) arrays[slot];
        }

        ByteArray bytes(int slot) {
            return (ByteArray) arrays[slot];
        }
    }

    /**
     * Grid shapes of the device, fixed for a backend: work-items per group of the matmul, and groups (and group size)
     * of the kernels that reduce a row per group and of the element-wise ones.
     */
    record Grids(int linearLocal, int reduceGroups, int reduceLocal, int elementGroups, int elementLocal) {

        /** One work-item per output, in groups of {@code linearLocal}. */
        WorkerGrid perOutput(int outputs) {
            WorkerGrid1D w = new WorkerGrid1D((outputs + linearLocal - 1) / linearLocal * linearLocal);
            w.setLocalWork(linearLocal, 1, 1);
            return w;
        }

        /** A work-group per row (or per row and head), grid-stride over them. */
        WorkerGrid perRow() {
            WorkerGrid1D w = new WorkerGrid1D(reduceGroups * reduceLocal);
            w.setLocalWork(reduceLocal, 1, 1);
            return w;
        }

        /** A work-item per element, grid-stride. */
        WorkerGrid perElement() {
            WorkerGrid1D w = new WorkerGrid1D(elementGroups * elementLocal);
            w.setLocalWork(elementLocal, 1, 1);
            return w;
        }
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.tornadovm.kernels.RowKernels;
import uk.ac.manchester.tornado.api.DataRange;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs recordings as task graphs. A recording's sequence of {@link OpSpec}s (a "segment") is the key of a task graph
 * with one task per call, built the first time the sequence is seen and replayed afterwards; the calls' params are
 * serialised into the params array, transferred with every execution together with the int array.
 *
 * <p>TornadoVM shares device buffers only between the task graphs of one execution plan (a graph consumes what the
 * graph executed before it persisted), and a plan cannot grow. So all graphs live in one plan: a "begin" graph that
 * owns the arrays (transfers them once) and one graph per segment shape, each consuming the arrays from whichever
 * graph ran before and persisting them again. A new segment shape (a handful per model: prompt or encoder pass,
 * decoder step, decoder step after beam reordering...), a grown arena or new weights retire the plan: the arena's
 * contents come home, the plan closes, and the next execution builds a new one with all known graphs (which TornadoVM
 * compiles again).
 *
 * <p>A segment of more than {@link #MAX_TASKS_PER_GRAPH} calls (a deep model's pass) becomes several graphs executed
 * one after the other: TornadoVM 5.2 records a task graph's tasks in a fixed buffer of 8 KiB (about 15 + 5 bytes per
 * kernel argument per task), which a graph of ~90 tasks overflows.
 */
final class Plans {

    private final TornadoDevice device;
    private final DeviceMemory memory;
    private final KernelOp.Grids grids;
    /** Null unless profiling. */
    private final Profile profile;

    /** The most tasks in one task graph (at most 15 arguments each: 90 bytes of TornadoVM's 8 KiB per graph). */
    static final int MAX_TASKS_PER_GRAPH = 64;

    /** Segment shapes in order of appearance: the number of each. */
    private final Map<List<OpSpec>, Integer> segments = new LinkedHashMap<>();
    /** In the current plan: the index of each segment's first graph (graph 0 is the begin graph). */
    private final List<Integer> firstGraph = new ArrayList<>();
    private IntArray params = new IntArray(1 << 12);
    private TornadoExecutionPlan plan;
    private int generation;
    private TornadoExecutionResult lastResult;
    /** The device's arena holds results the host copy has not seen. */
    private boolean deviceAhead;
    private long executions;
    private int builds;

    Plans(TornadoDevice device, DeviceMemory memory, KernelOp.Grids grids, Profile profile) {
        this.device = device;
        this.memory = memory;
        this.grids = grids;
        this.profile = profile;
    }

    int segmentCount() {
        return segments.size();
    }

    int builds() {
        return builds;
    }

    String statistics() {
        return segments.size() + " segment shapes, " + builds + " plan builds, " + executions + " graph executions";
    }

    /** Runs the calls as one task graph: replayed if this sequence was seen before, else built. */
    void run(List<Recording.Pending> calls) {
        if (calls.isEmpty()) {
            return;
        }
        List<OpSpec> key = new ArrayList<>(calls.size());
        int fixed = 0;
        int variable = 0;
        for (Recording.Pending c : calls) {
            key.add(c.spec());
            fixed += c.spec().paramCount();
            if (c.ranges() != null) {
                variable += 3 * c.ranges().size();
            }
        }
        Integer index = segments.get(key);
        if (index == null) {
            index = segments.size();
            segments.put(List.copyOf(key), index);
            TornadoLog.verbose("new segment shape #%d: %d calls %s", index, key.size(), summary(key));
            retire();
        }
        if (params.getSize() < fixed + variable) {
            retire();
            params = new IntArray(Math.max(2 * params.getSize(), fixed + variable));
        }
        writeParams(calls, fixed);
        ensurePlan();
        int first = firstGraph.get(index);
        for (int g = 0; g < graphCount(key); g++) {
            long start = System.nanoTime();
            lastResult = plan.withGraph(first + g).execute();
            deviceAhead = true;
            executions++;
            if (profile != null) {
                profile.execution(generation + ":" + (first + g), System.nanoTime() - start, lastResult);
            }
        }
    }

    private static int graphCount(List<OpSpec> segment) {
        return (segment.size() + MAX_TASKS_PER_GRAPH - 1) / MAX_TASKS_PER_GRAPH;
    }

    /** Each call's params at its base; copy lists after all of them (a COPY_RANGES call's params say where). */
    private void writeParams(List<Recording.Pending> calls, int fixed) {
        MemorySegment ps = params.getSegment();
        int base = 0;
        int list = fixed;
        for (Recording.Pending c : calls) {
            int[] values = c.params();
            if (c.ranges() != null) {
                values[0] = c.ranges().size();
                values[1] = list;
                for (int[] r : c.ranges()) {
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[0]);
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[1]);
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[2]);
                }
            }
            MemorySegment.copy(values, 0, ps, ValueLayout.JAVA_INT, (long) base * Integer.BYTES, values.length);
            base += c.spec().paramCount();
        }
    }

    /** Brings arena elements [from, from + count) home if the device is ahead of the host copy. */
    void bringHome(int from, int count) {
        if (!deviceAhead) {
            return;
        }
        long start = System.nanoTime();
        lastResult.transferToHost(new DataRange(memory.arena()).withOffset(from).withSize(count));
        if (profile != null) {
            profile.read(System.nanoTime() - start, (long) Float.BYTES * count);
        }
    }

    private static String summary(List<OpSpec> key) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (OpSpec s : key) {
            counts.merge(s.op.toString(), 1, Integer::sum);
        }
        return counts.toString();
    }

    /** Builds the plan holding the begin graph and every known segment graph, and runs the begin graph. */
    private void ensurePlan() {
        if (plan != null) {
            return;
        }
        long start = System.nanoTime();
        generation++;
        Object[] all = memory.arrays();
        IntArray ints = memory.ints();
        GridScheduler scheduler = new GridScheduler();
        List<ImmutableTaskGraph> graphs = new ArrayList<>();

        String beginName = "sfBegin" + generation;
        TaskGraph begin = new TaskGraph(beginName).transferToDevice(DataTransferMode.FIRST_EXECUTION, all);
        KernelContext beginContext = new KernelContext();
        for (int i = 0; i < all.length; i++) {
            String id = "touch" + i;
            switch (all[i]) {
                case FloatArray f -> begin.task(id, RowKernels::touch, beginContext, f);
                case ShortArray s -> begin.task(id, RowKernels::touchShorts, beginContext, s);
                case ByteArray b -> begin.task(id, RowKernels::touchBytes, beginContext, b);
                default -> throw new AssertionError(all[i]);
            }
            WorkerGrid1D one = new WorkerGrid1D(1);
            one.setLocalWork(1, 1, 1);
            scheduler.addWorkerGrid(beginName + "." + id, one);
        }
        begin.persistOnDevice(all);
        graphs.add(begin.snapshot());

        firstGraph.clear();
        for (List<OpSpec> specs : segments.keySet()) {
            firstGraph.add(graphs.size());
            int p = 0;
            for (int from = 0; from < specs.size(); from += MAX_TASKS_PER_GRAPH) {
                String name = "sf" + generation + "g" + graphs.size();
                TaskGraph g = new TaskGraph(name).consumeFromDevice(all)
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, params, ints);
                KernelOp.Bindings bindings = new KernelOp.Bindings(all, ints, params, new KernelContext());
                for (int i = from; i < Math.min(specs.size(), from + MAX_TASKS_PER_GRAPH); i++) {
                    OpSpec spec = specs.get(i);
                    spec.op.addTask(g, "t" + i, spec.shape, bindings, p);
                    scheduler.addWorkerGrid(name + ".t" + i, spec.op.grid(spec.shape, grids));
                    p += spec.paramCount();
                }
                g.persistOnDevice(all);
                graphs.add(g.snapshot());
            }
        }
        plan = new TornadoExecutionPlan(graphs.toArray(new ImmutableTaskGraph[0]));
        plan.withDevice(device).withGridScheduler(scheduler);
        if (profile != null) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
        // Each graph compiles on its first execution. Not plan.withPreCompilation(): TornadoVM 5.2 then refuses to
        // run the plan's graphs once any other plan on the device has been closed ("reset() was called after
        // warmup()"), which breaks a second backend (another model) on the same device.
        lastResult = plan.withGraph(0).execute();
        deviceAhead = false;
        builds++;
        TornadoLog.verbose("built plan %d: %d graphs for %d segment shapes, %d weight chunks, arena %d floats (%.0f ms)",
                generation, graphs.size() - 1, segments.size(), memory.chunkCount(), memory.arena().getSize(),
                (System.nanoTime() - start) / 1e6);
    }

    /** Before the plan is replaced: brings the arena's contents home, then frees the device. */
    void retire() {
        if (plan == null) {
            return;
        }
        if (deviceAhead && lastResult != null && memory.arenaTop() > 0) {
            lastResult.transferToHost(new DataRange(memory.arena()).withOffset(0).withSize(memory.arenaTop()));
        }
        deviceAhead = false;
        close();
    }

    void close() {
        if (plan != null) {
            try {
                plan.close();
            } catch (TornadoExecutionPlanException e) {
                throw new IllegalStateException("TornadoVM could not free the device memory of a plan: "
                        + e.getMessage(), e);
            } finally {
                plan = null;
                lastResult = null;
            }
        }
    }
}

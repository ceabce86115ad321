package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
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
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The TornadoVM backend: the engine's kernels as TornadoVM task graphs, on any device TornadoVM's OpenCL
 * (or PTX / SPIR-V) backend offers.
 *
 * <h2>Memory</h2>
 * Weights are packed into a few large device arrays ("chunks", FloatArray) when the first kernel is recorded,
 * transferred to the device once and never again. Activations and KV caches are ranges of one activation
 * arena, a FloatArray that lives on the device; a tensor is an offset into it. Int tensors (token ids,
 * positions, attention ranges, row indices) are ranges of one IntArray that goes to the device with every
 * execution (it is small). So all task graphs bind the same few arrays, and a tensor's identity never enters
 * a task graph: only its offset, which is data. The range of a tensor the caller dropped is reused once the
 * tensor is collected; unlike the JVM backend's fresh arrays, a reused range is not zeroed (the model writes
 * every tensor before it reads it).
 *
 * <h2>Record and replay</h2>
 * Kernel calls are recorded, not run. At a sync point (a {@link #read}, or a {@link #write} to an int tensor
 * that a recorded call still has to read) the recording is one "segment": its sequence of {@link OpSpec}s is
 * the key of a task graph with one task per call, built the first time that sequence is seen and replayed
 * afterwards. The varying part of every call (row counts, offsets) is serialised into a small params
 * IntArray transferred on every execution; the kernels read their row counts from it and loop over rows with
 * a fixed grid, so one decoder step of any batch size replays the same graph. Per decode step the host sends
 * params and the int tensors (a few KB) and executes one graph; the logits come back as a partial copy of
 * the arena (the read).
 *
 * <p>TornadoVM shares device buffers only between task graphs of one execution plan (a graph consumes what
 * the graph executed before it persisted), and a plan cannot grow. So all graphs live in one plan: a "begin"
 * graph that owns the arrays (transfers them once) and one graph per segment shape, each consuming the arrays
 * from whichever graph ran before and persisting them again. When a new segment shape appears (a handful per
 * model: encoder pass, decoder step, decoder step after beam reordering, teacher-forced pass) or an arena must
 * grow, the activation arena is copied back to the host, the plan is closed and a new one is built with all
 * known graphs (which TornadoVM compiles again on first use).
 *
 * <p>Not thread-safe, like every backend.
 */
public final class TornadoBackend implements Backend {

    /** Initial size of the activation arena in MiB (grows by doubling); system property. */
    public static final String ARENA_PROPERTY = "streamformer.tornadovm.arenaMiB";
    /** "rowmajor" or "transposed": weight layout for matmul; default by device type (CPU: rowmajor). */
    public static final String LAYOUT_PROPERTY = "streamformer.tornadovm.weightLayout";
    /** When "true", plan rebuilds and their reasons are logged to stderr. */
    public static final String VERBOSE_PROPERTY = "streamformer.tornadovm.verbose";
    /** When "true", TornadoVM's profiler runs and a summary (kernel vs transfer vs host time) is logged on close. */
    public static final String PROFILE_PROPERTY = "streamformer.tornadovm.profile";

    // ------------------------------------------------------------------------------------------ handles

    /** A weight vector (bias, norm, position table): staged on the heap until packed into a chunk. */
    static final class WeightTensor implements FloatTensor {
        final int size;
        float[] staged;
        int chunk = -1;
        int offset;

        WeightTensor(float[] data) {
            this.size = data.length;
            this.staged = data;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** A weight matrix [rows = out features, cols = in features], laid out for the matmul kernel in use. */
    static final class WeightMatrix implements Matrix {
        final int rows;
        final int cols;
        float[] staged;
        int chunk = -1;
        int offset;

        WeightMatrix(float[] laidOut, int rows, int cols) {
            this.rows = rows;
            this.cols = cols;
            this.staged = laidOut;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public int cols() {
            return cols;
        }
    }

    /** A range of the activation arena. */
    static final class ArenaTensor implements FloatTensor {
        final int size;
        int offset;

        ArenaTensor(int size) {
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** A range of the int array. */
    static final class Ints implements IntTensor {
        final int size;
        int offset;

        Ints(int size) {
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** One recorded call: its spec, its params and the tensors it must keep alive until it has run. */
    private record Pending(OpSpec spec, int[] params, List<int[]> ranges, Object[] operands) {
    }

    // ------------------------------------------------------------------------------------------ state

    private final TornadoDevice device;
    private final String deviceLine;
    private final boolean transposed;
    private final OpSpec.Grids grids;
    private final int maxArrayElements;
    private final boolean verbose;
    /** Null unless {@link #PROFILE_PROPERTY} is set. */
    private final Profile profile;

    private final List<FloatArray> chunks = new ArrayList<>();
    private final List<Object> stagedWeights = new ArrayList<>();
    private FloatArray arena;
    private final RangeAllocator arenaRanges;
    private IntArray ints;
    private final RangeAllocator intRanges;
    private IntArray params;

    private final List<Pending> pending = new ArrayList<>();
    private final Set<Ints> pendingInts = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<List<OpSpec>, Integer> segments = new LinkedHashMap<>();

    private TornadoExecutionPlan plan;
    private int planGeneration;
    private TornadoExecutionResult lastResult;
    /** The device's arena holds results the host copy has not seen. */
    private boolean deviceAhead;
    private long executions;
    private int rebuilds;
    private boolean closed;

    TornadoBackend(TornadoDevice device) {
        this.device = device;
        this.deviceLine = describe(device);
        String layout = System.getProperty(LAYOUT_PROPERTY, "");
        boolean cpu = device.getDeviceType() == TornadoDeviceType.CPU;
        this.transposed = layout.isEmpty() ? !cpu : layout.equals("transposed");
        int units = Math.max(1, device.getPhysicalDevice().getDeviceMaxComputeUnits());
        this.grids = cpu
                ? new OpSpec.Grids(64, Math.max(8, 4 * units), Math.max(8, 4 * units), 256)
                : new OpSpec.Grids(128, Math.max(64, 8 * units), Math.max(64, 8 * units), 256);
        long maxAlloc = device.getMaxAllocMemory();
        long limit = maxAlloc > 0 ? maxAlloc / Float.BYTES - 64 : Integer.MAX_VALUE - 64;
        this.maxArrayElements = (int) Math.min(Math.min(limit, 256L << 20), Integer.MAX_VALUE - 64);
        this.verbose = Boolean.getBoolean(VERBOSE_PROPERTY);
        this.profile = Boolean.getBoolean(PROFILE_PROPERTY) ? new Profile() : null;
        long arenaMiB = Long.getLong(ARENA_PROPERTY, 16);
        int arenaElements = (int) Math.min(maxArrayElements, Math.max(1, arenaMiB) << 18);
        this.arena = new FloatArray(arenaElements);
        this.arenaRanges = new RangeAllocator(arenaElements);
        this.ints = new IntArray(1 << 14);
        this.intRanges = new RangeAllocator(1 << 14);
        this.params = new IntArray(1 << 12);
    }

    /** One line: platform, device, type, device and driver versions, compute units, memory. */
    static String describe(TornadoDevice d) {
        String info = "";
        try {
            Object i = d.getPhysicalDevice().getDeviceInfo();
            info = i == null ? "" : i.toString();
        } catch (RuntimeException ignored) {
            // not every TornadoVM backend reports it
        }
        StringBuilder sb = new StringBuilder();
        sb.append(d.getPlatformName()).append(" / ").append(d.getPhysicalDevice().getDeviceName()).append(" (")
                .append(d.getDeviceType());
        String version = infoLine(info, "Device version");
        String driver = infoLine(info, "Driver version");
        if (!version.isEmpty()) {
            sb.append(", ").append(version);
        }
        if (!driver.isEmpty()) {
            sb.append(", driver ").append(driver);
        }
        sb.append(", ").append(d.getPhysicalDevice().getDeviceMaxComputeUnits()).append(" compute units, ")
                .append(String.format("%.1f GiB", d.getMaxGlobalMemory() / (double) (1L << 30))).append(')');
        return sb.toString();
    }

    private static String infoLine(String info, String key) {
        for (String line : info.split("\n")) {
            String t = line.strip();
            if (t.startsWith(key)) {
                int colon = t.indexOf(':');
                return colon < 0 ? "" : t.substring(colon + 1).strip();
            }
        }
        return "";
    }

    /** TornadoVM's version, from its API module (e.g. 5.2.0-jdk25). */
    static String tornadoVersion() {
        var descriptor = TornadoExecutionPlan.class.getModule().getDescriptor();
        return descriptor == null ? "" : descriptor.rawVersion().orElse("");
    }

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public String device() {
        return "TornadoVM " + tornadoVersion() + " " + device.getTornadoVMBackend() + ": " + deviceLine + ", weights "
                + (transposed ? "transposed" : "row-major");
    }

    /** Counters for tests and logs: segment shapes seen, plan (re)builds, graph executions. */
    public String statistics() {
        return segments.size() + " segment graphs, " + rebuilds + " plan builds, " + executions + " executions";
    }

    /** Kernel calls recorded and not yet run (fused calls count once). */
    int pendingCalls() {
        return pending.size();
    }

    int segmentCount() {
        return segments.size();
    }

    int planBuilds() {
        return rebuilds;
    }

    // ------------------------------------------------------------------------------------------ allocation

    @Override
    public FloatTensor upload(float[] data) {
        WeightTensor t = new WeightTensor(data.clone());
        stagedWeights.add(t);
        return t;
    }

    @Override
    public Matrix uploadMatrix(float[] rowMajor, int rows, int cols, float scale) {
        if ((long) rows * cols != rowMajor.length) {
            throw new IllegalArgumentException("matrix of " + rowMajor.length + " values is not " + rows + "x" + cols);
        }
        float[] laid = new float[rowMajor.length];
        if (transposed) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    laid[c * rows + r] = rowMajor[r * cols + c] * scale;
                }
            }
        } else {
            for (int i = 0; i < laid.length; i++) {
                laid[i] = rowMajor[i] * scale;
            }
        }
        WeightMatrix m = new WeightMatrix(laid, rows, cols);
        stagedWeights.add(m);
        return m;
    }

    @Override
    public FloatTensor allocate(int size) {
        ArenaTensor t = new ArenaTensor(size);
        t.offset = allocateIn(arenaRanges, t, size, true);
        return t;
    }

    @Override
    public IntTensor allocateInts(int size) {
        Ints t = new Ints(size);
        t.offset = allocateIn(intRanges, t, size, false);
        return t;
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
        int max = isArena ? maxArrayElements : Integer.MAX_VALUE - 64;
        if (need > max) {
            throw new IllegalArgumentException("the TornadoVM device cannot hold " + need + " floats of activations"
                    + " and KV cache in one array (limit " + max + "): lower the batch size or the maximum lengths");
        }
        grown = Math.min(grown, max);
        log("growing the %s from %d to %d elements", isArena ? "activation arena" : "int array", ranges.capacity(),
                grown);
        retirePlan();
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

    // ------------------------------------------------------------------------------------------ host I/O

    @Override
    public void write(IntTensor dst, int[] src, int count) {
        Ints t = ints(dst);
        if (count < 0 || count > t.size || count > src.length) {
            throw new IllegalArgumentException("write of " + count + " ints into a tensor of " + t.size);
        }
        if (pendingInts.contains(t)) {
            flush(); // a recorded call still has to read the old values
        }
        MemorySegment.copy(src, 0, ints.getSegment(), ValueLayout.JAVA_INT, (long) t.offset * Integer.BYTES, count);
    }

    @Override
    public void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        if (count == 0) {
            return;
        }
        if (srcOffset < 0 || count < 0 || srcOffset + count > src.size()) {
            throw new IllegalArgumentException("read of [" + srcOffset + ", " + (srcOffset + count) + ") from a tensor of "
                    + src.size());
        }
        if (src instanceof WeightTensor w) {
            if (w.staged != null) {
                System.arraycopy(w.staged, srcOffset, dst, dstOffset, count);
            } else {
                MemorySegment.copy(chunks.get(w.chunk).getSegment(), ValueLayout.JAVA_FLOAT,
                        (long) (w.offset + srcOffset) * Float.BYTES, dst, dstOffset, count);
            }
            return;
        }
        ArenaTensor t = arena(src);
        flush();
        int from = t.offset + srcOffset;
        if (deviceAhead) {
            // A partial device-to-host copy of the arena: the sync point of a step.
            long start = System.nanoTime();
            lastResult.transferToHost(new DataRange(arena).withOffset(from).withSize(count));
            if (profile != null) {
                profile.read(System.nanoTime() - start, (long) Float.BYTES * count);
            }
        }
        MemorySegment.copy(arena.getSegment(), ValueLayout.JAVA_FLOAT, (long) from * Float.BYTES, dst, dstOffset, count);
    }

    // ------------------------------------------------------------------------------------------ kernels

    @Override
    public void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale, FloatTensor positionTable,
                      FloatTensor out) {
        WeightMatrix t = matrix(table);
        Ints i = ints(ids);
        Ints p = ints(positions);
        prepare();
        int d = t.cols;
        checkRows(rows, i, p);
        checkFloats(out, rows, d);
        record(new OpSpec(OpSpec.Kind.EMBED, slot(t), slot(positionTable), slot(out), d, rowStride(t), colStride(t),
                        Float.floatToIntBits(scale)),
                new int[]{rows, i.offset, p.offset, t.offset, offset(positionTable), offset(out)},
                null, new Object[]{ids, positions, table, positionTable, out}, i, p);
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        WeightMatrix m = matrix(w);
        prepare();
        checkFloats(x, rows, m.cols);
        checkFloats(out, rows, m.rows);
        FloatTensor b = bias == null ? x : bias;
        OpSpec spec = new OpSpec(OpSpec.Kind.LINEAR, slot(x), slot(m), slot(b), slot(out), m.rows, m.cols, rowStride(m),
                colStride(m), activation(act), bias == null ? 0 : 1, 1);
        int[] part = {m.offset, bias == null ? 0 : offset(bias), offset(out)};
        Object[] operands = {w, bias, out};
        if (!fused(spec, OpSpec.LINEAR_PARTS, rows, offset(x), x, part, operands, bias, out)) {
            record(spec, concat(new int[]{rows, offset(x)}, part), null, concat(new Object[]{x}, operands));
        }
    }

    /**
     * Fuses a LINEAR or SCATTER_ROWS call into the previous recorded call when that has the same shape and reads
     * the same input (x, resp. row indices) for the same rows, and the new part's tensors overlap none of the
     * previous call's: the Q/K/V projections, the K/V cache writes. One launch instead of two or three.
     */
    private boolean fused(OpSpec spec, int partsIndex, int rows, int sharedOffset, Object sharedInput, int[] part,
                          Object[] operands, FloatTensor... tensors) {
        Pending last = pending.isEmpty() ? null : pending.getLast();
        if (rows == 0 || last == null || last.spec().kind != spec.kind || last.spec().s[partsIndex] >= 3
                || last.params()[0] != rows || last.params()[1] != sharedOffset) {
            return false;
        }
        int[] shape = last.spec().s.clone();
        shape[partsIndex] = 1;
        if (!Arrays.equals(shape, spec.s)) {
            return false;
        }
        for (FloatTensor t : tensors) {
            if (t == null) {
                continue;
            }
            if (sharedInput instanceof FloatTensor in && overlaps(in, t)) {
                return false;
            }
            for (Object o : last.operands()) {
                if (o instanceof FloatTensor f && o != sharedInput && overlaps(f, t)) {
                    return false;
                }
            }
        }
        pending.set(pending.size() - 1, new Pending(last.spec().withOneMorePart(), concat(last.params(), part), null,
                concat(last.operands(), operands)));
        return true;
    }

    private boolean overlaps(FloatTensor a, FloatTensor b) {
        if (slot(a) != slot(b)) {
            return false;
        }
        return overlaps(offset(a), a.size(), offset(b), b.size());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Override
    public void addLayerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                             float eps, FloatTensor out) {
        prepare();
        int d = gamma.size();
        checkFloats(x, rows, d);
        checkFloats(residual, rows, d);
        checkFloats(out, rows, d);
        record(new OpSpec(OpSpec.Kind.ADD_LAYER_NORM, slot(x), slot(residual), slot(gamma), slot(beta), slot(out), d,
                        Float.floatToIntBits(eps)),
                new int[]{rows, offset(x), offset(residual), offset(gamma), offset(beta), offset(out)},
                null, new Object[]{x, residual, gamma, beta, out});
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int headDim, FloatTensor out) {
        Ints start = ints(keyStart);
        Ints count = ints(keyCount);
        prepare();
        int d = heads * headDim;
        checkRows(rows, start, count);
        checkFloats(q, rows, d);
        checkFloats(out, rows, d);
        int keyRows = keys.size() / d;
        MemorySegment host = ints.getSegment();
        for (int r = 0; r < rows; r++) {
            int s = host.getAtIndex(ValueLayout.JAVA_INT, start.offset + r);
            int c = host.getAtIndex(ValueLayout.JAVA_INT, count.offset + r);
            if (c > TornadoKernels.MAX_KEYS) {
                throw new IllegalArgumentException("attention over " + c + " keys: the TornadoVM backend supports at most "
                        + TornadoKernels.MAX_KEYS + " per query");
            }
            if (s < 0 || c < 0 || s + c > keyRows || s + c > values.size() / d) {
                throw new IllegalArgumentException("attention range [" + s + ", " + (s + c) + ") of row " + r
                        + " lies outside the " + keyRows + " key rows");
            }
        }
        record(new OpSpec(OpSpec.Kind.ATTENTION, slot(q), slot(keys), slot(values), slot(out), heads, headDim),
                new int[]{rows, offset(q), offset(keys), offset(values), start.offset, count.offset, offset(out)},
                null, new Object[]{q, keys, values, keyStart, keyCount, out}, start, count);
    }

    @Override
    public void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        Ints idx = ints(dstRows);
        prepare();
        checkRows(rows, idx);
        checkFloats(src, rows, width);
        checkIndices(idx, rows, dst.size() / Math.max(1, width));
        OpSpec spec = new OpSpec(OpSpec.Kind.SCATTER_ROWS, slot(src), slot(dst), width, 1);
        int[] part = {offset(src), offset(dst)};
        Object[] operands = {src, dst};
        if (!fused(spec, OpSpec.SCATTER_PARTS, rows, idx.offset, dstRows, part, operands, src, dst)) {
            record(spec, concat(new int[]{rows, idx.offset}, part), null, concat(new Object[]{dstRows}, operands), idx);
        }
    }

    @Override
    public void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        Ints idx = ints(srcRows);
        prepare();
        checkRows(rows, idx);
        checkFloats(dst, rows, width);
        checkIndices(idx, rows, src.size() / Math.max(1, width));
        record(new OpSpec(OpSpec.Kind.GATHER_ROWS, slot(src), slot(dst), width),
                new int[]{rows, offset(src), idx.offset, offset(dst)}, null, new Object[]{src, srcRows, dst}, idx);
    }

    @Override
    public boolean supportsArgmax() {
        return true;
    }

    @Override
    public void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                           IntTensor bans, IntTensor forced, FloatTensor out) {
        Ints start = ints(banStart);
        Ints count = ints(banCount);
        Ints banned = ints(bans);
        Ints force = ints(forced);
        prepare();
        checkRows(rows, start, count, force);
        checkFloats(logits, rows, vocab);
        checkFloats(out, rows, 3);
        MemorySegment host = ints.getSegment();
        for (int r = 0; r < rows; r++) {
            int s = host.getAtIndex(ValueLayout.JAVA_INT, start.offset + r);
            int c = host.getAtIndex(ValueLayout.JAVA_INT, count.offset + r);
            int f = host.getAtIndex(ValueLayout.JAVA_INT, force.offset + r);
            if (s < 0 || c < 0 || s + c > banned.size || f >= vocab) {
                throw new IllegalArgumentException("argmax row " + r + ": bans [" + s + ", " + (s + c)
                        + ") or forced token " + f + " out of range");
            }
            for (int b = s; b < s + c; b++) {
                int id = host.getAtIndex(ValueLayout.JAVA_INT, banned.offset + b);
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("banned token " + id + " outside [0, " + vocab + ")");
                }
            }
        }
        record(new OpSpec(OpSpec.Kind.ARGMAX_ROWS, slot(logits), slot(out), vocab),
                new int[]{rows, offset(logits), start.offset, count.offset, banned.offset, force.offset, offset(out)},
                null, new Object[]{logits, banStart, banCount, bans, forced, out}, start, count, banned, force);
    }

    @Override
    public void copyRows(FloatTensor buffer, int from, int to, int count, int width) {
        ArenaTensor b = arena(buffer);
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
                    addCopy(b, src + e - n, dst + e - n, n, true);
                }
            } else {
                for (int e = 0; e < length; e += piece) {
                    addCopy(b, src + e, dst + e, Math.min(piece, length - e), true);
                }
            }
            return;
        }
        addCopy(b, src, dst, length, false);
    }

    /**
     * Adds a copy to the batch of copies at the end of the recording when it touches nothing the batch reads or
     * writes (beam search's cache moves always qualify), else starts a new batch.
     */
    private void addCopy(ArenaTensor b, int src, int dst, int length, boolean alone) {
        prepare();
        Pending last = pending.isEmpty() ? null : pending.getLast();
        if (!alone && last != null && last.spec().kind == OpSpec.Kind.COPY_RANGES && last.ranges().size() < 4096) {
            boolean conflict = false;
            for (int[] c : last.ranges()) {
                if (overlaps(dst, length, c[0], c[2]) || overlaps(dst, length, c[1], c[2])
                        || overlaps(src, length, c[1], c[2])) {
                    conflict = true;
                    break;
                }
            }
            if (!conflict && last.ranges().size() < 1 << 20) {
                last.ranges().add(new int[]{src, dst, length});
                return;
            }
        }
        List<int[]> ranges = new ArrayList<>();
        ranges.add(new int[]{src, dst, length});
        pending.add(new Pending(new OpSpec(OpSpec.Kind.COPY_RANGES, 0), new int[]{0, 0}, ranges, new Object[]{b}));
    }

    private static boolean overlaps(int a, int n, int b, int m) {
        return a < b + m && b < a + n;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pending.clear();
        pendingInts.clear();
        closePlan();
        if (profile != null) {
            profile.report(statistics());
        }
    }

    // ------------------------------------------------------------------------------------------ recording

    private void record(OpSpec spec, int[] p, List<int[]> ranges, Object[] operands, Ints... reads) {
        if (closed) {
            throw new IllegalStateException("the TornadoVM backend is closed");
        }
        if (p[0] == 0) {
            return; // no rows
        }
        pending.add(new Pending(spec, p, ranges, operands));
        Collections.addAll(pendingInts, reads);
    }

    /** Packs staged weights before the first kernel that may read them. */
    private void prepare() {
        if (!stagedWeights.isEmpty()) {
            packWeights();
        }
    }

    private void packWeights() {
        retirePlan(); // the set of arrays changes
        List<Object> items = new ArrayList<>(stagedWeights);
        stagedWeights.clear();
        int i = 0;
        while (i < items.size()) {
            long total = 0;
            int j = i;
            while (j < items.size()) {
                long next = total + RangeAllocator.aligned(stagedLength(items.get(j)));
                if (next > maxArrayElements && j > i) {
                    break;
                }
                if (next > maxArrayElements) {
                    throw new IllegalArgumentException("a weight of " + stagedLength(items.get(j))
                            + " floats exceeds the device's largest allocation (" + maxArrayElements + " floats)");
                }
                total = next;
                j++;
            }
            FloatArray chunk = new FloatArray((int) Math.max(total, RangeAllocator.ALIGN));
            int chunkIndex = chunks.size();
            int offset = 0;
            for (int k = i; k < j; k++) {
                Object item = items.get(k);
                float[] data = item instanceof WeightTensor w ? w.staged : ((WeightMatrix) item).staged;
                MemorySegment.copy(data, 0, chunk.getSegment(), ValueLayout.JAVA_FLOAT, (long) offset * Float.BYTES,
                        data.length);
                if (item instanceof WeightTensor w) {
                    w.chunk = chunkIndex;
                    w.offset = offset;
                    w.staged = null;
                } else {
                    WeightMatrix m = (WeightMatrix) item;
                    m.chunk = chunkIndex;
                    m.offset = offset;
                    m.staged = null;
                }
                offset += RangeAllocator.aligned(data.length);
            }
            chunks.add(chunk);
            log("packed %d weights (%d floats) into chunk %d", j - i, total, chunkIndex);
            i = j;
        }
    }

    private static int stagedLength(Object item) {
        return item instanceof WeightTensor w ? w.staged.length : ((WeightMatrix) item).staged.length;
    }

    /** Runs the recorded calls as one task graph: replayed if this sequence was seen before, else built. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<OpSpec> key = new ArrayList<>(pending.size());
        int fixed = 0;
        int variable = 0;
        for (Pending p : pending) {
            key.add(p.spec());
            fixed += p.spec().paramCount();
            if (p.ranges() != null) {
                variable += 3 * p.ranges().size();
            }
        }
        Integer index = segments.get(key);
        if (index == null) {
            index = segments.size();
            segments.put(List.copyOf(key), index);
            log("new segment shape #%d: %d calls %s", index, key.size(), summary(key));
            retirePlan();
        }
        if (params.getSize() < fixed + variable) {
            retirePlan();
            params = new IntArray(Math.max(2 * params.getSize(), fixed + variable));
        }
        MemorySegment ps = params.getSegment();
        int base = 0;
        int list = fixed;
        for (Pending p : pending) {
            int[] values = p.params();
            if (p.ranges() != null) {
                values[0] = p.ranges().size();
                values[1] = list;
                for (int[] r : p.ranges()) {
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[0]);
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[1]);
                    ps.setAtIndex(ValueLayout.JAVA_INT, list++, r[2]);
                }
            }
            MemorySegment.copy(values, 0, ps, ValueLayout.JAVA_INT, (long) base * Integer.BYTES, values.length);
            base += p.spec().paramCount();
        }
        pending.clear();
        pendingInts.clear();
        ensurePlan();
        long start = System.nanoTime();
        lastResult = plan.withGraph(1 + index).execute();
        deviceAhead = true;
        executions++;
        if (profile != null) {
            profile.execution(planGeneration + ":" + index, System.nanoTime() - start, lastResult);
        }
    }

    private static String summary(List<OpSpec> key) {
        Map<OpSpec.Kind, Integer> counts = new LinkedHashMap<>();
        for (OpSpec s : key) {
            counts.merge(s.kind, 1, Integer::sum);
        }
        return counts.toString();
    }

    // ------------------------------------------------------------------------------------------ plans

    private FloatArray[] arrays() {
        FloatArray[] a = new FloatArray[1 + chunks.size()];
        a[0] = arena;
        for (int i = 0; i < chunks.size(); i++) {
            a[1 + i] = chunks.get(i);
        }
        return a;
    }

    /** Builds the plan holding the begin graph and every known segment graph, and runs the begin graph. */
    private void ensurePlan() {
        if (plan != null) {
            return;
        }
        long start = System.nanoTime();
        planGeneration++;
        FloatArray[] a = arrays();
        Object[] all = a;
        GridScheduler scheduler = new GridScheduler();
        List<ImmutableTaskGraph> graphs = new ArrayList<>();

        String beginName = "sfBegin" + planGeneration;
        TaskGraph begin = new TaskGraph(beginName).transferToDevice(DataTransferMode.FIRST_EXECUTION, all);
        KernelContext beginContext = new KernelContext();
        for (int i = 0; i < a.length; i++) {
            begin.task("touch" + i, TornadoKernels::touch, beginContext, a[i]);
            WorkerGrid1D one = new WorkerGrid1D(1);
            one.setLocalWork(1, 1, 1);
            scheduler.addWorkerGrid(beginName + ".touch" + i, one);
        }
        begin.persistOnDevice(all);
        graphs.add(begin.snapshot());

        for (Map.Entry<List<OpSpec>, Integer> e : segments.entrySet()) {
            String name = "sf" + planGeneration + "s" + e.getValue();
            TaskGraph g = new TaskGraph(name).consumeFromDevice(all)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, params, ints);
            KernelContext context = new KernelContext();
            int p = 0;
            List<OpSpec> specs = e.getKey();
            for (int i = 0; i < specs.size(); i++) {
                OpSpec spec = specs.get(i);
                spec.addTask(g, "t" + i, a, ints, params, p, context);
                scheduler.addWorkerGrid(name + ".t" + i, spec.grid(grids));
                p += spec.paramCount();
            }
            g.persistOnDevice(all);
            graphs.add(g.snapshot());
        }
        plan = new TornadoExecutionPlan(graphs.toArray(new ImmutableTaskGraph[0]));
        plan.withDevice(device).withGridScheduler(scheduler);
        if (profile != null) {
            plan.withProfiler(ProfilerMode.SILENT);
        }
        // Compile every graph now rather than on its first execution, which may be inside a timed run.
        plan.withPreCompilation();
        long compiled = System.nanoTime();
        lastResult = plan.withGraph(0).execute();
        deviceAhead = false;
        rebuilds++;
        log("built plan %d: %d segment graphs, %d weight chunks, arena %d floats (compile %.0f ms, transfer %.0f ms)",
                planGeneration, segments.size(), chunks.size(), arena.getSize(), (compiled - start) / 1e6,
                (System.nanoTime() - compiled) / 1e6);
    }

    /** Before the plan is replaced: bring the arena's contents home, then free the device. */
    private void retirePlan() {
        if (plan == null) {
            return;
        }
        if (deviceAhead && lastResult != null && arenaRanges.top() > 0) {
            lastResult.transferToHost(new DataRange(arena).withOffset(0).withSize(arenaRanges.top()));
        }
        deviceAhead = false;
        closePlan();
    }

    private void closePlan() {
        if (plan != null) {
            try {
                plan.close();
            } catch (TornadoExecutionPlanException e) {
                throw new IllegalStateException("TornadoVM could not free the device memory of a plan: " + e.getMessage(),
                        e);
            } finally {
                plan = null;
                lastResult = null;
            }
        }
    }

    /** Sums of TornadoVM's profiler over graph executions (the first of each graph per plan left out). */
    private static final class Profile {
        private final Set<String> seen = new java.util.HashSet<>();
        private long executions;
        private long wallNanos;
        private long kernelNanos;
        private long transferNanos;
        private long bytesIn;
        private long reads;
        private long readNanos;
        private long bytesOut;

        void execution(String graph, long wall, TornadoExecutionResult result) {
            if (seen.add(graph)) {
                return; // includes TornadoVM's remaining set-up work
            }
            var p = result.getProfilerResult();
            executions++;
            wallNanos += wall;
            kernelNanos += p.getDeviceKernelTime();
            transferNanos += p.getDataTransfersTime();
            bytesIn += p.getTotalBytesCopyIn();
        }

        void read(long nanos, long bytes) {
            reads++;
            readNanos += nanos;
            bytesOut += bytes;
        }

        void report(String statistics) {
            if (executions == 0) {
                return;
            }
            System.err.printf("tornadovm: %s; per graph execution: %.3f ms wall, %.3f ms in kernels, %.3f ms in"
                            + " transfers, %.1f KB in; per read: %.3f ms, %.1f KB out%n", statistics,
                    wallNanos / 1e6 / executions, kernelNanos / 1e6 / executions, transferNanos / 1e6 / executions,
                    bytesIn / 1e3 / executions, readNanos / 1e6 / Math.max(1, reads), bytesOut / 1e3 / Math.max(1, reads));
        }
    }

    private void log(String format, Object... args) {
        if (verbose) {
            System.err.printf("tornadovm: " + format + "%n", args);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Distance between W[c, i] and W[c + 1, i] in the packed layout. */
    private int rowStride(WeightMatrix m) {
        return transposed ? 1 : m.cols;
    }

    /** Distance between W[c, i] and W[c, i + 1] in the packed layout. */
    private int colStride(WeightMatrix m) {
        return transposed ? m.rows : 1;
    }

    private static int activation(Activation act) {
        return switch (act) {
            case IDENTITY -> TornadoKernels.ACT_IDENTITY;
            case RELU -> TornadoKernels.ACT_RELU;
            case SWISH -> TornadoKernels.ACT_SWISH;
            case GELU -> TornadoKernels.ACT_GELU;
            case GELU_NEW -> TornadoKernels.ACT_GELU_NEW;
        };
    }

    private int slot(Object t) {
        if (t instanceof ArenaTensor) {
            return 0;
        }
        int chunk = t instanceof WeightTensor w ? w.chunk : t instanceof WeightMatrix m ? m.chunk : -2;
        if (chunk == -2) {
            throw new IllegalArgumentException("not a tensor of the TornadoVM backend: " + t);
        }
        if (chunk < 0) {
            throw new IllegalStateException("weight not packed");
        }
        return 1 + chunk;
    }

    private static int offset(FloatTensor t) {
        if (t instanceof ArenaTensor a) {
            return a.offset;
        }
        if (t instanceof WeightTensor w) {
            return w.offset;
        }
        throw new IllegalArgumentException("not a tensor of the TornadoVM backend: " + t);
    }

    private static WeightMatrix matrix(Matrix m) {
        if (m instanceof WeightMatrix w) {
            return w;
        }
        throw new IllegalArgumentException("not a matrix of the TornadoVM backend: " + m);
    }

    private static ArenaTensor arena(FloatTensor t) {
        if (t instanceof ArenaTensor a) {
            return a;
        }
        throw new IllegalArgumentException("only allocated tensors can be read back or copied here, not " + t);
    }

    private static Ints ints(IntTensor t) {
        if (t instanceof Ints i) {
            return i;
        }
        throw new IllegalArgumentException("not an int tensor of the TornadoVM backend: " + t);
    }

    private static void checkRows(int rows, Ints... tensors) {
        for (Ints t : tensors) {
            if (rows < 0 || rows > t.size) {
                throw new IllegalArgumentException(rows + " rows exceed an int tensor of " + t.size);
            }
        }
    }

    private static void checkFloats(FloatTensor t, int rows, int width) {
        if (rows < 0 || (long) rows * width > t.size()) {
            throw new IllegalArgumentException(rows + " rows of " + width + " exceed a tensor of " + t.size());
        }
    }

    private void checkIndices(Ints idx, int rows, int limit) {
        MemorySegment host = ints.getSegment();
        for (int r = 0; r < rows; r++) {
            int v = host.getAtIndex(ValueLayout.JAVA_INT, idx.offset + r);
            if (v < 0 || v >= limit) {
                throw new IllegalArgumentException("row index " + v + " outside [0, " + limit + ")");
            }
        }
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.tornadovm.kernels.KernelMath;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.weights.Weights;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

/**
 * The TornadoVM backend: the engine's kernels as TornadoVM task graphs, on any device TornadoVM's OpenCL (or PTX /
 * SPIR-V) backend offers. This class is the {@link Backend} facade; the work is split as follows:
 *
 * <ul>
 * <li>{@link DeviceMemory}: the arrays the task graphs bind (activation arena, int array, weight chunks) and where
 * each tensor lives in them; {@link WeightUploads}: what the device holds for each weight type;</li>
 * <li>the op families, each the Backend methods that check and record calls plus the {@link KernelOp}s that turn
 * them into tasks: {@link EmbeddingOps}, {@link MatMulOps}, {@link NormOps}, {@link AttentionOps} (with rotary),
 * {@link ActivationOps}, {@link RowOps}, {@link ArgmaxOps}; the device code is in the {@code kernels} package;</li>
 * <li>{@link Recording}: calls are recorded, not run, and fused where they can be; {@link Plans}: at a sync point
 * (a {@link #read}, or a {@link #write} to an int tensor a recorded call still reads) the recording runs as one
 * task graph, built the first time its sequence of call shapes is seen and replayed afterwards. Row counts and
 * offsets travel in a params array, so one decoder-step graph serves every batch size.</li>
 * </ul>
 *
 * <p>Not thread-safe, like every backend.
 */
public final class TornadoBackend implements Backend {

    /** Initial size of the activation arena in MiB (grows by doubling); system property. */
    public static final String ARENA_PROPERTY = "streamformer.tornadovm.arenaMiB";
    /** "rowmajor" or "transposed": weight layout for matmul; default by device type (CPU: rowmajor). */
    public static final String LAYOUT_PROPERTY = "streamformer.tornadovm.weightLayout";
    /** When "true", weight packing, new graph shapes, plan builds and arena growth are logged to stderr. */
    public static final String VERBOSE_PROPERTY = TornadoLog.VERBOSE_PROPERTY;
    /** When "true", TornadoVM's profiler runs and a summary (kernel vs transfer vs host time) is logged on close. */
    public static final String PROFILE_PROPERTY = "streamformer.tornadovm.profile";

    private final TornadoDevice device;
    private final String deviceLine;
    private final Profile profile;
    private final DeviceMemory memory;
    private final WeightUploads uploads;
    private final Recording recording;
    private final Plans plans;

    private final EmbeddingOps embeddings;
    private final MatMulOps matmul;
    private final NormOps norms;
    private final AttentionOps attention;
    private final ActivationOps activations;
    private final RowOps rowMoves;
    private final ArgmaxOps argmax;
    private boolean closed;

    TornadoBackend(TornadoDevice device) {
        this.device = device;
        this.deviceLine = TornadoDevices.describe(device);
        boolean cpu = device.getDeviceType() == TornadoDeviceType.CPU;
        String layout = System.getProperty(LAYOUT_PROPERTY, "");
        boolean transposed = layout.isEmpty() ? !cpu : layout.equals("transposed");
        int units = Math.max(1, device.getPhysicalDevice().getDeviceMaxComputeUnits());
        KernelOp.Grids grids = cpu
                ? new KernelOp.Grids(64, Math.max(8, 4 * units), KernelMath.REDUCE_LOCAL, Math.max(8, 4 * units), 256)
                : new KernelOp.Grids(128, Math.max(64, 8 * units), KernelMath.REDUCE_LOCAL, Math.max(64, 8 * units),
                256);
        this.profile = Boolean.getBoolean(PROFILE_PROPERTY) ? new Profile() : null;
        this.memory = new DeviceMemory(device.getMaxAllocMemory(), Integer.getInteger(ARENA_PROPERTY, 16),
                this::beforeArraysChange);
        this.uploads = new WeightUploads(memory, transposed);
        this.recording = new Recording(memory);
        this.plans = new Plans(device, memory, grids, profile);
        this.embeddings = new EmbeddingOps(memory, recording);
        this.matmul = new MatMulOps(memory, recording);
        this.norms = new NormOps(memory, recording);
        this.attention = new AttentionOps(memory, recording);
        this.activations = new ActivationOps(memory, recording);
        this.rowMoves = new RowOps(memory, recording);
        this.argmax = new ArgmaxOps(memory, recording);
    }

    private void beforeArraysChange() {
        plans.retire();
    }

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public String device() {
        return "TornadoVM " + TornadoDevices.tornadoVersion() + " " + device.getTornadoVMBackend() + ": " + deviceLine
                + ", weights " + (uploads.transposed() ? "transposed" : "row-major");
    }

    /** Counters for tests and logs: segment shapes seen, plan (re)builds, graph executions. */
    public String statistics() {
        return plans.statistics();
    }

    /** Kernel calls recorded and not yet run (fused calls count once). */
    int pendingCalls() {
        return recording.size();
    }

    int segmentCount() {
        return plans.segmentCount();
    }

    int planBuilds() {
        return plans.builds();
    }

    // ------------------------------------------------------------------------------------------ memory

    @Override
    public FloatTensor upload(float[] data) {
        return uploads.vector(data);
    }

    /** See {@link WeightUploads} for what the device holds of each type ({@link Matrix#type()} says it). */
    @Override
    public Matrix uploadMatrix(Weights weights, float outputScale) {
        return uploads.matrix(weights, outputScale);
    }

    @Override
    public FloatTensor allocate(int size) {
        return memory.allocate(size);
    }

    @Override
    public IntTensor allocateInts(int size) {
        return memory.allocateInts(size);
    }

    @Override
    public void write(IntTensor dst, int[] src, int count) {
        IntRange t = Checks.ints(dst);
        if (count < 0 || count > t.size || count > src.length) {
            throw new IllegalArgumentException("write of " + count + " ints into a tensor of " + t.size);
        }
        if (recording.reads(t)) {
            flush(); // a recorded call still has to read the old values
        }
        memory.writeInts(t, src, count);
    }

    @Override
    public void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        if (count == 0) {
            return;
        }
        if (srcOffset < 0 || count < 0 || srcOffset + count > src.size()) {
            throw new IllegalArgumentException("read of [" + srcOffset + ", " + (srcOffset + count)
                    + ") from a tensor of " + src.size());
        }
        if (src instanceof WeightVector w) {
            memory.readWeights(w, srcOffset, dst, dstOffset, count);
            return;
        }
        ArenaTensor t = Checks.arena(src);
        flush();
        int from = t.offset + srcOffset;
        plans.bringHome(from, count); // the sync point of a step: a partial device-to-host copy of the arena
        memory.readArena(from, dst, dstOffset, count);
    }

    /** Runs the recorded calls. */
    void flush() {
        if (!recording.isEmpty()) {
            plans.run(recording.takeAll());
        }
    }

    // ------------------------------------------------------------------------------------------ kernels

    @Override
    public void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale,
                      FloatTensor positionTable, FloatTensor out) {
        open();
        embeddings.embed(ids, positions, rows, table, scale, positionTable, out);
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        open();
        matmul.linear(x, rows, w, bias, act, out);
    }

    @Override
    public void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                          float eps, FloatTensor sum, FloatTensor out) {
        open();
        norms.layerNorm(x, residual, rows, gamma, beta, eps, sum, out);
    }

    @Override
    public void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                        FloatTensor out) {
        open();
        norms.rmsNorm(x, residual, rows, gamma, eps, sum, out);
    }

    @Override
    public void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                       FloatTensor sin) {
        open();
        attention.rotary(x, rows, heads, headDim, positions, cos, sin);
    }

    @Override
    public void gatedActivation(FloatTensor gate, FloatTensor up, int rows, int width, Activation act,
                                FloatTensor out) {
        open();
        activations.gated(gate, up, rows, width, act, out);
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out) {
        open();
        attention.attention(q, rows, keys, values, keyStart, keyCount, heads, kvHeads, headDim, scale, out);
    }

    @Override
    public void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        open();
        rowMoves.scatter(src, rows, width, dstRows, dst);
    }

    @Override
    public void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        open();
        rowMoves.gather(src, srcRows, rows, width, dst);
    }

    @Override
    public void copyRows(FloatTensor buffer, int from, int to, int count, int width) {
        open();
        rowMoves.copy(buffer, from, to, count, width);
    }

    @Override
    public boolean supportsArgmax() {
        return true;
    }

    @Override
    public void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                           IntTensor bans, IntTensor forced, FloatTensor out) {
        open();
        argmax.argmax(logits, rows, vocab, banStart, banCount, bans, forced, out);
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("the TornadoVM backend is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        recording.clear();
        plans.close();
        if (profile != null) {
            profile.report(statistics());
        }
    }
}

package io.streamformer.accelerator.backends;

import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.weights.Weights;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Wraps a backend and times every call, by operation (and, for matmuls, by one row or many): where a step's time
 * goes. Enabled with {@code -Dstreamformer.profile=true} ({@link Backends#create} wraps what it creates); the table
 * goes to standard error when the backend closes. A backend that records calls and runs them later (TornadoVM) is
 * timed where it runs them, at {@code read}.
 */
public final class ProfilingBackend implements Backend {
    public static final String PROPERTY = "streamformer.profile";

    private final Backend inner;
    private final Map<String, long[]> totals = new TreeMap<>();

    public ProfilingBackend(Backend inner) {
        this.inner = inner;
    }

    public static boolean enabled() {
        return Boolean.getBoolean(PROPERTY);
    }

    private void time(String op, Runnable call) {
        long start = System.nanoTime();
        call.run();
        long[] t = totals.computeIfAbsent(op, k -> new long[2]);
        t[0] += System.nanoTime() - start;
        t[1]++;
    }

    private <T> T time(String op, Supplier<T> call) {
        long start = System.nanoTime();
        T result = call.get();
        long[] t = totals.computeIfAbsent(op, k -> new long[2]);
        t[0] += System.nanoTime() - start;
        t[1]++;
        return result;
    }

    private static String rows(String op, int rows) {
        return op + (rows == 1 ? " (1 row)" : rows <= 16 ? " (2-16 rows)" : " (>16 rows)");
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String device() {
        return inner.device();
    }

    @Override
    public FloatTensor upload(float[] data) {
        return inner.upload(data);
    }

    @Override
    public Matrix uploadMatrix(Weights weights, float outputScale) {
        return time("uploadMatrix", () -> inner.uploadMatrix(weights, outputScale));
    }

    @Override
    public FloatTensor allocate(int size) {
        return inner.allocate(size);
    }

    @Override
    public IntTensor allocateInts(int size) {
        return inner.allocateInts(size);
    }

    @Override
    public void write(IntTensor dst, int[] src, int count) {
        time("write", () -> inner.write(dst, src, count));
    }

    @Override
    public void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        time("read", () -> inner.read(src, srcOffset, dst, dstOffset, count));
    }

    @Override
    public void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale,
                      FloatTensor positionTable, FloatTensor out) {
        time("embed", () -> inner.embed(ids, positions, rows, table, scale, positionTable, out));
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        time(rows("linear " + w.rows() + "x" + w.cols(), rows), () -> inner.linear(x, rows, w, bias, act, out));
    }

    @Override
    public void linears(FloatTensor x, int rows, Matrix[] ws, FloatTensor[] biases, FloatTensor[] outs) {
        time(rows("linears x" + ws.length + " " + ws[0].rows() + "x" + ws[0].cols(), rows),
                () -> inner.linears(x, rows, ws, biases, outs));
    }

    @Override
    public void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                          float eps, FloatTensor sum, FloatTensor out) {
        time("layerNorm", () -> inner.layerNorm(x, residual, rows, gamma, beta, eps, sum, out));
    }

    @Override
    public void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                        FloatTensor out) {
        time("rmsNorm", () -> inner.rmsNorm(x, residual, rows, gamma, eps, sum, out));
    }

    @Override
    public void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                       FloatTensor sin) {
        time("rotary", () -> inner.rotary(x, rows, heads, headDim, positions, cos, sin));
    }

    @Override
    public void gatedActivation(FloatTensor gate, FloatTensor up, int rows, int width, Activation act,
                                FloatTensor out) {
        time("gatedActivation", () -> inner.gatedActivation(gate, up, rows, width, act, out));
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out) {
        time(rows("attention", rows), () -> inner.attention(q, rows, keys, values, keyStart, keyCount, heads, kvHeads,
                headDim, scale, out));
    }

    @Override
    public void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        time("scatterRows", () -> inner.scatterRows(src, rows, width, dstRows, dst));
    }

    @Override
    public void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        time("gatherRows", () -> inner.gatherRows(src, srcRows, rows, width, dst));
    }

    @Override
    public void copyRows(FloatTensor buffer, int from, int to, int count, int width) {
        time("copyRows", () -> inner.copyRows(buffer, from, to, count, width));
    }

    @Override
    public boolean supportsArgmax() {
        return inner.supportsArgmax();
    }

    @Override
    public void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                           IntTensor bans, IntTensor forced, FloatTensor out) {
        time("argmaxRows", () -> inner.argmaxRows(logits, rows, vocab, banStart, banCount, bans, forced, out));
    }

    /** Forgets the timings so far (e.g. of warm-up runs). */
    public void reset() {
        totals.clear();
    }

    /** The table of totals, slowest first. */
    public String report() {
        long all = totals.values().stream().mapToLong(t -> t[0]).sum();
        StringBuilder s = new StringBuilder(String.format("%-40s %10s %10s %8s %6s%n", "backend operation", "calls",
                "total ms", "us/call", "share"));
        totals.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).forEach(e ->
                s.append(String.format("%-40s %10d %10.1f %8.1f %5.1f%%%n", e.getKey(), e.getValue()[1],
                        e.getValue()[0] / 1e6, e.getValue()[0] / 1e3 / e.getValue()[1], 100.0 * e.getValue()[0] / all)));
        return s.toString();
    }

    @Override
    public void close() {
        System.err.print(report());
        inner.close();
    }
}

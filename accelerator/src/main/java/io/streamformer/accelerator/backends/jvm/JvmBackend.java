package io.streamformer.accelerator.backends.jvm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Attention;
import io.streamformer.accelerator.kernels.Embeddings;
import io.streamformer.accelerator.kernels.MatMul;
import io.streamformer.accelerator.kernels.Norms;
import io.streamformer.accelerator.kernels.PackedMatrix;
import jdk.incubator.vector.FloatVector;

/** The default backend: kernels on the JVM heap, vectorised with the Vector API, split over cores. */
public final class JvmBackend implements Backend {

    record Floats(float[] data) implements FloatTensor {
        @Override
        public int size() {
            return data.length;
        }
    }

    record Ints(int[] data) implements IntTensor {
        @Override
        public int size() {
            return data.length;
        }
    }

    record Packed(PackedMatrix matrix) implements Matrix {
        @Override
        public int rows() {
            return matrix.rows();
        }

        @Override
        public int cols() {
            return matrix.cols();
        }
    }

    /** Below this many multiply-adds a kernel runs on the calling thread alone. */
    private static final long PARALLEL_MIN_WORK = 1 << 15;

    private final WorkerPool pool;
    private float[][] scratch;

    public JvmBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.scratch = new float[pool.threads()][256];
    }

    public JvmBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public String device() {
        return "JVM " + Runtime.version() + ", " + pool.threads() + " threads, "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors";
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public FloatTensor upload(float[] data) {
        return new Floats(data.clone());
    }

    @Override
    public Matrix uploadMatrix(float[] rowMajor, int rows, int cols, float scale) {
        return new Packed(PackedMatrix.pack(rowMajor, rows, cols, scale));
    }

    @Override
    public FloatTensor allocate(int size) {
        return new Floats(new float[size]);
    }

    @Override
    public IntTensor allocateInts(int size) {
        return new Ints(new int[size]);
    }

    @Override
    public void write(IntTensor dst, int[] src, int count) {
        System.arraycopy(src, 0, ints(dst), 0, count);
    }

    @Override
    public void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        System.arraycopy(floats(src), srcOffset, dst, dstOffset, count);
    }

    @Override
    public void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale,
                      FloatTensor positionTable, FloatTensor out) {
        PackedMatrix t = packed(table);
        Embeddings.embed(ints(ids), ints(positions), t, scale, floats(positionTable), t.cols(), floats(out), 0, rows);
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        PackedMatrix m = packed(w);
        float[] xs = floats(x);
        float[] b = bias == null ? null : floats(bias);
        float[] o = floats(out);
        long workPerPanel = (long) rows * m.cols() * m.panelWidth();
        int grain = (int) Math.max(1, PARALLEL_MIN_WORK / Math.max(1, workPerPanel));
        pool.parallelFor(m.panelCount(), grain,
                (from, to, worker) -> MatMul.linear(xs, 0, rows, m, b, act, o, 0, from, to));
    }

    @Override
    public void addLayerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                             float eps, FloatTensor out) {
        float[] xs = floats(x);
        float[] res = floats(residual);
        float[] g = floats(gamma);
        float[] b = floats(beta);
        float[] o = floats(out);
        int d = g.length;
        int grain = Math.max(1, (int) (PARALLEL_MIN_WORK / (4L * d)));
        pool.parallelFor(rows, grain, (from, to, worker) -> Norms.addLayerNorm(xs, res, g, b, eps, d, o, from, to));
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int headDim, FloatTensor out) {
        float[] qs = floats(q);
        float[] ks = floats(keys);
        float[] vs = floats(values);
        int[] starts = ints(keyStart);
        int[] counts = ints(keyCount);
        float[] o = floats(out);
        int maxKeys = 0;
        long work = 0;
        for (int r = 0; r < rows; r++) {
            maxKeys = Math.max(maxKeys, counts[r]);
            work += counts[r];
        }
        ensureScratch(maxKeys);
        float[][] sc = scratch;
        int tasks = rows * heads;
        int grain = (int) Math.max(1, PARALLEL_MIN_WORK / Math.max(1, 2 * work * headDim / Math.max(1, rows)));
        pool.parallelFor(tasks, grain, (from, to, worker) ->
                Attention.attend(qs, ks, vs, starts, counts, heads, headDim, o, sc[worker], from, to));
    }

    @Override
    public void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        float[] s = floats(src);
        float[] d = floats(dst);
        int[] idx = ints(dstRows);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(s, r * width, d, idx[r] * width, width);
        }
    }

    @Override
    public void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        float[] s = floats(src);
        float[] d = floats(dst);
        int[] idx = ints(srcRows);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(s, idx[r] * width, d, r * width, width);
        }
    }

    @Override
    public void copyRows(FloatTensor buffer, int from, int to, int count, int width) {
        float[] b = floats(buffer);
        System.arraycopy(b, from * width, b, to * width, count * width);
    }

    @Override
    public void close() {
        pool.close();
    }

    private void ensureScratch(int size) {
        if (scratch[0].length < size) {
            float[][] grown = new float[scratch.length][];
            for (int i = 0; i < grown.length; i++) {
                grown[i] = new float[Math.max(size, 2 * scratch[0].length)];
            }
            scratch = grown;
        }
    }

    private static float[] floats(FloatTensor t) {
        return ((Floats) t).data();
    }

    private static int[] ints(IntTensor t) {
        return ((Ints) t).data();
    }

    private static PackedMatrix packed(Matrix m) {
        return ((Packed) m).matrix();
    }
}

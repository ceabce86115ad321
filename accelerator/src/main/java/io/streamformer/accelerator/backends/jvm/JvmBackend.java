package io.streamformer.accelerator.backends.jvm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Attention;
import io.streamformer.accelerator.kernels.Embeddings;
import io.streamformer.accelerator.kernels.Norms;
import io.streamformer.accelerator.kernels.Rotary;
import io.streamformer.accelerator.kernels.Softmax;
import io.streamformer.accelerator.kernels.VectorMath;
import io.streamformer.accelerator.kernels.matmul.MatMul;
import io.streamformer.accelerator.kernels.matmul.PackedWeights;
import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
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

    record Packed(PackedWeights matrix, float outputScale) implements Matrix {
        @Override
        public int rows() {
            return matrix.rows();
        }

        @Override
        public int cols() {
            return matrix.cols();
        }

        @Override
        public WeightType type() {
            return matrix.type();
        }

        @Override
        public long bytes() {
            return matrix.bytes();
        }
    }

    /** Below this many multiply-adds a kernel runs on the calling thread alone. */
    private static final long PARALLEL_MIN_WORK = 1 << 15;

    private final WorkerPool pool;
    private float[][] scratch;
    private final MatMul.Scratch[] matmulScratch;

    public JvmBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.scratch = new float[pool.threads()][256];
        this.matmulScratch = new MatMul.Scratch[pool.threads()];
        for (int i = 0; i < matmulScratch.length; i++) {
            matmulScratch[i] = new MatMul.Scratch();
        }
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
    public Matrix uploadMatrix(Weights weights, float outputScale) {
        return new Packed(PackedWeights.pack(weights), outputScale);
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
        PackedWeights t = packed(table).matrix();
        Embeddings.embed(ints(ids), ints(positions), t, scale, positionTable == null ? null : floats(positionTable),
                t.cols(), floats(out), 0, rows);
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        Packed p = packed(w);
        PackedWeights m = p.matrix();
        float[] xs = floats(x);
        MatMul.Epilogue epilogue = new MatMul.Epilogue(bias == null ? null : floats(bias), p.outputScale(), act);
        float[] o = floats(out);
        long workPerPanel = (long) rows * m.cols() * PackedWeights.PANEL_WIDTH;
        int grain = (int) Math.max(1, PARALLEL_MIN_WORK / Math.max(1, workPerPanel));
        MatMul.Scratch[] scratches = matmulScratch;
        pool.parallelFor(m.panelCount(), grain,
                (from, to, worker) -> MatMul.linear(xs, 0, rows, m, epilogue, o, 0, from, to, scratches[worker]));
    }

    /** All the matrices' panels in one parallel loop: one fork-join instead of one per matrix. */
    @Override
    public void linears(FloatTensor x, int rows, Matrix[] ws, FloatTensor[] biases, FloatTensor[] outs) {
        float[] xs = floats(x);
        int count = ws.length;
        PackedWeights[] m = new PackedWeights[count];
        MatMul.Epilogue[] epilogues = new MatMul.Epilogue[count];
        float[][] o = new float[count][];
        int[] firstPanel = new int[count + 1];
        long work = 0;
        for (int i = 0; i < count; i++) {
            Packed p = packed(ws[i]);
            m[i] = p.matrix();
            epilogues[i] = new MatMul.Epilogue(biases[i] == null ? null : floats(biases[i]), p.outputScale(),
                    Activation.IDENTITY);
            o[i] = floats(outs[i]);
            firstPanel[i + 1] = firstPanel[i] + m[i].panelCount();
            work += (long) rows * m[i].cols() * PackedWeights.PANEL_WIDTH * m[i].panelCount();
        }
        int panels = firstPanel[count];
        int grain = (int) Math.max(1, PARALLEL_MIN_WORK / Math.max(1, work / panels));
        MatMul.Scratch[] scratches = matmulScratch;
        pool.parallelFor(panels, grain, (from, to, worker) -> {
            for (int i = 0; i < count; i++) {
                int a = Math.max(from, firstPanel[i]);
                int b = Math.min(to, firstPanel[i + 1]);
                if (a < b) {
                    MatMul.linear(xs, 0, rows, m[i], epilogues[i], o[i], 0, a - firstPanel[i], b - firstPanel[i],
                            scratches[worker]);
                }
            }
        });
    }

    @Override
    public void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                          float eps, FloatTensor sum, FloatTensor out) {
        float[] xs = floats(x);
        float[] res = residual == null ? null : floats(residual);
        float[] g = floats(gamma);
        float[] b = beta == null ? null : floats(beta);
        float[] sm = sum == null ? null : floats(sum);
        float[] o = floats(out);
        int d = g.length;
        int grain = Math.max(1, (int) (PARALLEL_MIN_WORK / (4L * d)));
        pool.parallelFor(rows, grain, (from, to, worker) -> Norms.layerNorm(xs, res, g, b, eps, d, sm, o, from, to));
    }

    @Override
    public void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                        FloatTensor out) {
        float[] xs = floats(x);
        float[] res = residual == null ? null : floats(residual);
        float[] g = floats(gamma);
        float[] sm = sum == null ? null : floats(sum);
        float[] o = floats(out);
        int d = g.length;
        int grain = Math.max(1, (int) (PARALLEL_MIN_WORK / (3L * d)));
        pool.parallelFor(rows, grain, (from, to, worker) -> Norms.rmsNorm(xs, res, g, eps, d, sm, o, from, to));
    }

    @Override
    public void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                       FloatTensor sin) {
        float[] xs = floats(x);
        int[] p = ints(positions);
        float[] c = floats(cos);
        float[] s = floats(sin);
        int grain = Math.max(1, (int) (PARALLEL_MIN_WORK / (3L * heads * headDim)));
        pool.parallelFor(rows, grain, (from, to, worker) -> Rotary.apply(xs, heads, headDim, p, c, s, from, to));
    }

    @Override
    public void gatedActivation(FloatTensor gate, FloatTensor up, int rows, int width, Activation act,
                                FloatTensor out) {
        float[] g = floats(gate);
        float[] u = floats(up);
        float[] o = floats(out);
        int grain = Math.max(1, (int) (PARALLEL_MIN_WORK / (8L * width)));
        pool.parallelFor(rows, grain, (from, to, worker) -> {
            for (int r = from; r < to; r++) {
                int a = r * width;
                if (o != g) {
                    System.arraycopy(g, a, o, a, width);
                }
                act.applyInPlace(o, a, a + width);
                VectorMath.multiplyInPlace(o, u, a, a + width);
            }
        });
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out) {
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
        ensureScratch(Attention.scratchSize(maxKeys));
        float[][] sc = scratch;
        // a task is one row's key head with the query heads that read it
        int tasks = rows * kvHeads;
        long taskWork = 2 * work * headDim * (heads / kvHeads) / Math.max(1, rows);
        int grain = (int) Math.max(1, PARALLEL_MIN_WORK / Math.max(1, taskWork));
        pool.parallelFor(tasks, grain, (from, to, worker) ->
                Attention.attend(qs, ks, vs, starts, counts, heads, kvHeads, headDim, scale, o, sc[worker], from, to));
    }

    /** Greedy decoding's choice is made here too: rows in parallel, each as the host would (see Backend#argmaxRows). */
    @Override
    public boolean supportsArgmax() {
        return true;
    }

    @Override
    public void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                           IntTensor bans, IntTensor forced, FloatTensor out) {
        float[] l = floats(logits);
        int[] start = ints(banStart);
        int[] count = ints(banCount);
        int[] banned = ints(bans);
        int[] force = ints(forced);
        float[] o = floats(out);
        pool.parallelFor(rows, 1, (from, to, worker) -> {
            for (int r = from; r < to; r++) {
                Softmax.chooseGreedy(l, r * vocab, vocab, banned, start[r], count[r], force[r], o, 3 * r);
            }
        });
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

    private static Packed packed(Matrix m) {
        return (Packed) m;
    }
}

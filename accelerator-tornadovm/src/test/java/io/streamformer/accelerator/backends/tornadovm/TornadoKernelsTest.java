package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.kernels.Activation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each TornadoVM kernel against the JVM backend's, on random shapes (odd sizes, one row, blocks of four rows
 * plus a remainder), for both weight layouts: row-major (CPU default) and transposed (GPU default).
 */
class TornadoKernelsTest {

    private final Random random = new Random(20240611);
    private final List<Backend> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(Backend::close);
    }

    /** The same calls on both backends (the JVM one with the host version of the optional argmax op). */
    private final class Pair {
        final Backend jvm = new JvmBackend(2);
        final TornadoBackend tvm;

        Pair(String layout) {
            String old = System.getProperty(TornadoBackend.LAYOUT_PROPERTY);
            System.setProperty(TornadoBackend.LAYOUT_PROPERTY, layout);
            try {
                tvm = (TornadoBackend) new TornadoBackendProvider().create(null);
            } finally {
                if (old == null) {
                    System.clearProperty(TornadoBackend.LAYOUT_PROPERTY);
                } else {
                    System.setProperty(TornadoBackend.LAYOUT_PROPERTY, old);
                }
            }
            open.add(jvm);
            open.add(tvm);
        }

        Backend of(int i) {
            return i == 0 ? jvm : tvm;
        }
    }

    /** A tensor on both backends. */
    private record F(FloatTensor[] t) {
        FloatTensor of(int i) {
            return t[i];
        }
    }

    private record M(Matrix[] m) {
        Matrix of(int i) {
            return m[i];
        }
    }

    private record I(IntTensor[] t) {
        IntTensor of(int i) {
            return t[i];
        }
    }

    private float[] randoms(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (random.nextFloat() * 2f - 1f) * scale;
        }
        return v;
    }

    private static F upload(Pair p, float[] data) {
        return new F(new FloatTensor[]{p.jvm.upload(data), p.tvm.upload(data)});
    }

    private static M matrix(Pair p, float[] data, int rows, int cols, float scale) {
        return new M(new Matrix[]{p.jvm.uploadMatrix(data, rows, cols, scale), p.tvm.uploadMatrix(data, rows, cols, scale)});
    }

    private static F allocate(Pair p, int size) {
        return new F(new FloatTensor[]{p.jvm.allocate(size), p.tvm.allocate(size)});
    }

    private static I ints(Pair p, int[] values) {
        I t = new I(new IntTensor[]{p.jvm.allocateInts(values.length), p.tvm.allocateInts(values.length)});
        p.jvm.write(t.of(0), values, values.length);
        p.tvm.write(t.of(1), values, values.length);
        return t;
    }

    private static void both(Pair p, Consumer<Integer> call) {
        call.accept(0);
        call.accept(1);
    }

    /** Reads [0, count) of a tensor on both backends and compares within {@code tolerance} relative to max(1, |x|). */
    private static void assertClose(Pair p, F t, int count, double tolerance, String what) {
        float[] expected = new float[count];
        float[] actual = new float[count];
        p.jvm.read(t.of(0), 0, expected, 0, count);
        p.tvm.read(t.of(1), 0, actual, 0, count);
        for (int i = 0; i < count; i++) {
            assertThat((double) actual[i]).as("%s [%d]", what, i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance * Math.max(1.0, Math.abs(expected[i]))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rowmajor", "transposed"})
    void linearMatchesTheJvmOnRandomShapes(String layout) {
        Pair p = new Pair(layout);
        int[][] shapes = {{1, 1, 1}, {1, 64, 96}, {3, 7, 5}, {4, 33, 17}, {9, 130, 66}, {17, 64, 200}};
        Activation[] acts = Activation.values();
        List<Runnable> checks = new ArrayList<>();
        for (int s = 0; s < shapes.length; s++) {
            int rows = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
            Activation act = acts[s % acts.length];
            boolean withBias = s % 2 == 0;
            F x = upload(p, randoms(rows * k, 2f));
            M w = matrix(p, randoms(n * k, 0.5f), n, k, s == 3 ? 0.125f : 1f);
            F bias = withBias ? upload(p, randoms(n, 1f)) : null;
            F out = allocate(p, rows * n + 5);
            both(p, i -> p.of(i).linear(x.of(i), rows, w.of(i), bias == null ? null : bias.of(i), act, out.of(i)));
            String what = "linear rows=" + rows + " k=" + k + " n=" + n + " " + act + (withBias ? " +bias" : "");
            checks.add(() -> assertClose(p, out, rows * n, 1e-5, what));
        }
        checks.forEach(Runnable::run);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rowmajor", "transposed"})
    void embeddingMatchesTheJvm(String layout) {
        Pair p = new Pair(layout);
        int vocab = 37, d = 24, positions = 11, rows = 9;
        M table = matrix(p, randoms(vocab * d, 1f), vocab, d, 1f);
        F posTable = upload(p, randoms(positions * d, 1f));
        int[] ids = new int[rows];
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = random.nextInt(vocab);
            pos[r] = random.nextInt(positions);
        }
        I idT = ints(p, ids);
        I posT = ints(p, pos);
        F out = allocate(p, rows * d);
        both(p, i -> p.of(i).embed(idT.of(i), posT.of(i), rows, table.of(i), 4.898979f, posTable.of(i), out.of(i)));
        assertClose(p, out, rows * d, 1e-6, "embed");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 64, 130})
    void addLayerNormMatchesTheJvm(int d) {
        Pair p = new Pair("rowmajor");
        int rows = 7;
        F x = upload(p, randoms(rows * d, 3f));
        F residual = upload(p, randoms(rows * d, 3f));
        F gamma = upload(p, randoms(d, 1f));
        F beta = upload(p, randoms(d, 1f));
        F out = allocate(p, rows * d);
        both(p, i -> p.of(i).addLayerNorm(x.of(i), residual.of(i), rows, gamma.of(i), beta.of(i), 1e-5f, out.of(i)));
        assertClose(p, out, rows * d, 1e-4, "addLayerNorm d=" + d);
        // in place, as the model uses it: out aliases x (an arena tensor)
        F again = allocate(p, rows * d);
        I identity = ints(p, java.util.stream.IntStream.range(0, rows).toArray());
        both(p, i -> p.of(i).gatherRows(out.of(i), identity.of(i), rows, d, again.of(i)));
        both(p, i -> p.of(i).addLayerNorm(again.of(i), residual.of(i), rows, gamma.of(i), beta.of(i), 1e-5f, again.of(i)));
        assertClose(p, again, rows * d, 1e-4, "addLayerNorm in place d=" + d);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void attentionMatchesTheJvmOverRaggedRanges(int heads) {
        Pair p = new Pair("rowmajor");
        int headDim = 16;
        int d = heads * headDim;
        int keyRows = 90;
        int rows = 6;
        F q = upload(p, randoms(rows * d, 1f));
        F keys = upload(p, randoms(keyRows * d, 2f));
        F values = upload(p, randoms(keyRows * d, 1f));
        int[] start = {0, 3, 10, 0, 89, 20};
        int[] count = {1, 7, 80, 90, 1, 33};
        I startT = ints(p, start);
        I countT = ints(p, count);
        F out = allocate(p, rows * d);
        both(p, i -> p.of(i).attention(q.of(i), rows, keys.of(i), values.of(i), startT.of(i), countT.of(i), heads,
                headDim, out.of(i)));
        assertClose(p, out, rows * d, 1e-5, "attention heads=" + heads);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 64})
    void rowMovesMatchTheJvm(int width) {
        Pair p = new Pair("rowmajor");
        int rows = 5, bufferRows = 12;
        F src = upload(p, randoms(rows * width, 1f));
        I where = ints(p, new int[]{7, 0, 11, 3, 4});
        F buffer = allocate(p, bufferRows * width);
        both(p, i -> p.of(i).scatterRows(src.of(i), rows, width, where.of(i), buffer.of(i)));
        // cache moves of beam search: several independent copies, then an overlapping one
        both(p, i -> {
            p.of(i).copyRows(buffer.of(i), 7, 1, 1, width);
            p.of(i).copyRows(buffer.of(i), 3, 8, 2, width);
            p.of(i).copyRows(buffer.of(i), 0, 5, 1, width);
        });
        both(p, i -> p.of(i).copyRows(buffer.of(i), 3, 4, 3, width));
        F gathered = allocate(p, rows * width);
        I from = ints(p, new int[]{11, 1, 8, 9, 6});
        both(p, i -> p.of(i).gatherRows(buffer.of(i), from.of(i), rows, width, gathered.of(i)));
        assertClose(p, buffer, bufferRows * width, 0, "buffer after scatter and copies");
        assertClose(p, gathered, rows * width, 0, "gathered rows");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 96, 1000})
    void greedyChoiceMatchesTheJvm(int vocab) {
        Pair p = new Pair("rowmajor");
        int rows = 6;
        float[] values = randoms(rows * vocab, 8f);
        // row 1: a tie for the maximum (the first index wins); row 2: its maximum is banned; row 3: all banned;
        // row 4: forced
        values[vocab + vocab / 2] = 100f;
        values[vocab + vocab - 1] = 100f;
        int top2 = 0;
        for (int i = 1; i < vocab; i++) {
            if (values[2 * vocab + i] > values[2 * vocab + top2]) {
                top2 = i;
            }
        }
        F logits = upload(p, values);
        int[][] banned = {{}, {0}, {top2, (top2 + 1) % vocab}, java.util.stream.IntStream.range(0, vocab).toArray(),
                {vocab - 1}, {}};
        int[] forced = {-1, -1, -1, -1, vocab / 3, -1};
        int[] start = new int[rows];
        int[] count = new int[rows];
        List<Integer> flat = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            start[r] = flat.size();
            count[r] = banned[r].length;
            for (int id : banned[r]) {
                flat.add(id);
            }
        }
        I startT = ints(p, start);
        I countT = ints(p, count);
        I bansT = ints(p, flat.stream().mapToInt(Integer::intValue).toArray());
        I forcedT = ints(p, forced);
        F out = allocate(p, 3 * rows);
        // the logits must be an arena tensor, as in the model: gather them there first
        F arena = allocate(p, rows * vocab);
        I identity = ints(p, java.util.stream.IntStream.range(0, rows).toArray());
        both(p, i -> p.of(i).gatherRows(logits.of(i), identity.of(i), rows, vocab, arena.of(i)));
        both(p, i -> p.of(i).argmaxRows(arena.of(i), rows, vocab, startT.of(i), countT.of(i), bansT.of(i),
                forcedT.of(i), out.of(i)));
        float[] expected = new float[3 * rows];
        float[] actual = new float[3 * rows];
        p.jvm.read(out.of(0), 0, expected, 0, 3 * rows);
        p.tvm.read(out.of(1), 0, actual, 0, 3 * rows);
        for (int r = 0; r < rows; r++) {
            assertThat(actual[3 * r]).as("token of row %d", r).isEqualTo(expected[3 * r]);
            assertThat((double) actual[3 * r + 1]).as("log-sum-exp of row %d", r)
                    .isCloseTo(expected[3 * r + 1], org.assertj.core.data.Offset.offset(1e-5 * Math.abs(expected[3 * r + 1]) + 1e-6));
            assertThat(actual[3 * r + 2]).as("chosen logit of row %d", r).isEqualTo(expected[3 * r + 2]);
        }
    }

    @org.junit.jupiter.api.Test
    void projectionsOfOneInputAndCacheWritesFuseWhenNothingOverlaps() {
        Pair p = new Pair("rowmajor");
        int rows = 5, k = 24, n = 20, slots = 9;
        F input = upload(p, randoms(rows * k, 1f));
        F x = allocate(p, rows * k);
        I identity = ints(p, java.util.stream.IntStream.range(0, rows).toArray());
        both(p, i -> p.of(i).gatherRows(input.of(i), identity.of(i), rows, k, x.of(i)));
        M[] w = new M[4];
        F[] bias = new F[4];
        F[] out = new F[3];
        for (int j = 0; j < 4; j++) {
            w[j] = matrix(p, randoms(n * k, 0.5f), n, k, 1f);
            bias[j] = upload(p, randoms(n, 0.5f));
        }
        for (int j = 0; j < 3; j++) {
            out[j] = allocate(p, rows * n);
        }
        for (int j = 0; j < 3; j++) {
            int jj = j;
            both(p, i -> p.of(i).linear(x.of(i), rows, w[jj].of(i), bias[jj].of(i), Activation.IDENTITY, out[jj].of(i)));
        }
        assertThat(p.tvm.pendingCalls()).as("gather + three fused projections").isEqualTo(2);
        // writes into a tensor the fused call reads: must stay a separate call, after it
        both(p, i -> p.of(i).linear(x.of(i), rows, w[3].of(i), bias[3].of(i), Activation.RELU, out[0].of(i)));
        assertThat(p.tvm.pendingCalls()).isEqualTo(3);
        F keys = allocate(p, slots * n);
        F values = allocate(p, slots * n);
        I where = ints(p, new int[]{8, 2, 0, 5, 3});
        both(p, i -> p.of(i).scatterRows(out[1].of(i), rows, n, where.of(i), keys.of(i)));
        both(p, i -> p.of(i).scatterRows(out[2].of(i), rows, n, where.of(i), values.of(i)));
        assertThat(p.tvm.pendingCalls()).as("two fused cache writes").isEqualTo(4);
        // reads what the fused call wrote: not fused
        both(p, i -> p.of(i).scatterRows(keys.of(i), rows, n, where.of(i), values.of(i)));
        assertThat(p.tvm.pendingCalls()).isEqualTo(5);
        for (int j = 0; j < 3; j++) {
            assertClose(p, out[j], rows * n, 1e-5, "projection " + j);
        }
        assertClose(p, keys, slots * n, 1e-5, "keys");
        assertClose(p, values, slots * n, 1e-5, "values");
    }

    @org.junit.jupiter.api.Test
    void aStepOfAnotherBatchSizeReplaysTheSameGraph() {
        Pair p = new Pair("rowmajor");
        int k = 32, n = 48, maxRows = 16;
        M w = matrix(p, randoms(n * k, 0.5f), n, k, 1f);
        F bias = upload(p, randoms(n, 1f));
        F x = upload(p, randoms(maxRows * k, 1f));
        F out = allocate(p, maxRows * n);
        for (int rows : new int[]{1, 16, 5, 2}) {
            both(p, i -> p.of(i).linear(x.of(i), rows, w.of(i), bias.of(i), Activation.SWISH, out.of(i)));
            assertClose(p, out, rows * n, 1e-5, "rows=" + rows);
        }
        assertThat(p.tvm.segmentCount()).as("segment graphs").isEqualTo(1);
        assertThat(p.tvm.planBuilds()).as("plan builds").isEqualTo(1);
    }
}

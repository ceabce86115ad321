package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Rotary;
import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each TornadoVM kernel against the JVM backend's, on random shapes (odd sizes, one row, blocks of four rows
 * plus a remainder), for both weight layouts, row-major (CPU default) and transposed (GPU default), and for every
 * weight type the device holds.
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
        return matrix(p, new Weights.F32(data, rows, cols), scale);
    }

    private static M matrix(Pair p, Weights w, float scale) {
        return new M(new Matrix[]{p.jvm.uploadMatrix(w, scale), p.tvm.uploadMatrix(w, scale)});
    }

    /** Weights of a checkpoint's range, some tiny enough to be subnormal in f16, some exact zeros. */
    private Weights weights(WeightType type, int rows, int cols) {
        float[] w = randoms(rows * cols, 0.5f);
        for (int i = 0; i < w.length; i += 7) {
            w[i] *= 1e-5f;
        }
        for (int i = 3; i < w.length; i += 11) {
            w[i] = 0f;
        }
        return WeightConversions.convert(new Weights.F32(w, rows, cols), type, "w");
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

    /** Every shape with every weight type, one graph: bias or not, every activation, output scales. */
    @ParameterizedTest
    @ValueSource(strings = {"rowmajor", "transposed"})
    void linearMatchesTheJvmOnRandomShapesForEveryWeightType(String layout) {
        Pair p = new Pair(layout);
        int[][] shapes = {{1, 1, 1}, {1, 64, 96}, {3, 7, 5}, {4, 33, 17}, {9, 130, 66}, {17, 64, 200}};
        Activation[] acts = Activation.values();
        List<Runnable> checks = new ArrayList<>();
        for (WeightType type : WeightType.values()) {
            for (int s = 0; s < shapes.length; s++) {
                int rows = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
                Activation act = acts[(s + type.ordinal()) % acts.length];
                boolean withBias = (s + type.ordinal()) % 2 == 0;
                float scale = s == 3 || s == 4 ? 0.125f : 1f;
                F x = upload(p, randoms(rows * k, 2f));
                M w = matrix(p, weights(type, n, k), scale);
                F bias = withBias ? upload(p, randoms(n, 1f)) : null;
                F out = allocate(p, rows * n + 5);
                both(p, i -> p.of(i).linear(x.of(i), rows, w.of(i), bias == null ? null : bias.of(i), act, out.of(i)));
                String what = type + " linear rows=" + rows + " k=" + k + " n=" + n + " " + act
                        + (withBias ? " +bias" : "") + " scale " + scale;
                checks.add(() -> assertClose(p, out, rows * n, 1e-5, what));
            }
        }
        checks.forEach(Runnable::run);
    }

    /** What the device holds: f32 and f16 as they are, bf16 widened to f32, int8 with its row scales. */
    @Test
    void matricesReportTheTypeAndBytesTheDeviceHolds() {
        Pair p = new Pair("rowmajor");
        int rows = 6, cols = 10;
        assertThat(p.tvm.uploadMatrix(weights(WeightType.F32, rows, cols), 1f)).satisfies(m -> {
            assertThat(m.type()).isEqualTo(WeightType.F32);
            assertThat(m.bytes()).isEqualTo(4L * rows * cols);
        });
        assertThat(p.tvm.uploadMatrix(weights(WeightType.F16, rows, cols), 1f)).satisfies(m -> {
            assertThat(m.type()).isEqualTo(WeightType.F16);
            assertThat(m.bytes()).isEqualTo(2L * rows * cols);
        });
        assertThat(p.tvm.uploadMatrix(weights(WeightType.BF16, rows, cols), 1f)).satisfies(m -> {
            assertThat(m.type()).isEqualTo(WeightType.F32);
            assertThat(m.bytes()).isEqualTo(4L * rows * cols);
        });
        assertThat(p.tvm.uploadMatrix(weights(WeightType.I8, rows, cols), 1f)).satisfies(m -> {
            assertThat(m.type()).isEqualTo(WeightType.I8);
            assertThat(m.bytes()).isEqualTo((long) rows * cols + 4L * rows);
        });
    }

    /** f16 widened exactly in the kernel: bit for bit what the same values as an f32 matrix give, as on the JVM. */
    @ParameterizedTest
    @ValueSource(strings = {"rowmajor", "transposed"})
    void f16WeightsComputeExactlyWhatTheirF32WideningComputes(String layout) {
        Pair p = new Pair(layout);
        int rows = 7, k = 45, n = 33;
        Weights half = weights(WeightType.F16, n, k);
        Weights wide = WeightConversions.convert(half, WeightType.F32, "w");
        F x = upload(p, randoms(rows * k, 3f));
        F bias = upload(p, randoms(n, 1f));
        M h = matrix(p, half, 0.5f);
        M f = matrix(p, wide, 0.5f);
        F outH = allocate(p, rows * n);
        F outF = allocate(p, rows * n);
        p.tvm.linear(x.of(1), rows, h.of(1), bias.of(1), Activation.GELU_NEW, outH.of(1));
        p.tvm.linear(x.of(1), rows, f.of(1), bias.of(1), Activation.GELU_NEW, outF.of(1));
        float[] a = new float[rows * n];
        float[] b = new float[rows * n];
        p.tvm.read(outH.of(1), 0, a, 0, a.length);
        p.tvm.read(outF.of(1), 0, b, 0, b.length);
        assertThat(a).containsExactly(b);
    }

    /** Tables of every weight type, with a position table (Marian, GPT-2) and without (rotary models). */
    @ParameterizedTest
    @ValueSource(strings = {"rowmajor", "transposed"})
    void embeddingMatchesTheJvmForEveryWeightType(String layout) {
        Pair p = new Pair(layout);
        int vocab = 37, d = 24, positions = 11, rows = 9;
        F posTable = upload(p, randoms(positions * d, 1f));
        int[] ids = new int[rows];
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            ids[r] = random.nextInt(vocab);
            pos[r] = random.nextInt(positions);
        }
        I idT = ints(p, ids);
        I posT = ints(p, pos);
        List<Runnable> checks = new ArrayList<>();
        for (WeightType type : WeightType.values()) {
            M table = matrix(p, weights(type, vocab, d), 1f);
            F out = allocate(p, rows * d);
            F plain = allocate(p, rows * d);
            both(p, i -> p.of(i).embed(idT.of(i), posT.of(i), rows, table.of(i), 4.898979f, posTable.of(i),
                    out.of(i)));
            both(p, i -> p.of(i).embed(idT.of(i), posT.of(i), rows, table.of(i), 1f, null, plain.of(i)));
            checks.add(() -> assertClose(p, out, rows * d, 1e-6, type + " embed with positions"));
            checks.add(() -> assertClose(p, plain, rows * d, 0, type + " embed without positions"));
        }
        checks.forEach(Runnable::run);
    }

    /** An arena tensor holding {@code data} on both backends (kernels write only to those). */
    private static F filled(Pair p, float[] data) {
        F source = upload(p, data);
        F t = allocate(p, data.length);
        I first = ints(p, new int[]{0});
        both(p, i -> p.of(i).gatherRows(source.of(i), first.of(i), 1, data.length, t.of(i)));
        return t;
    }

    /**
     * LayerNorm and RMSNorm in the forms the models call them: post-norm (out aliases the residual), pre-norm (the
     * sum goes to the residual stream, the norm elsewhere), a stack's first norm (no residual), with and without beta.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 64, 130})
    void normsMatchTheJvmInEveryForm(int d) {
        Pair p = new Pair("rowmajor");
        int rows = 7;
        float eps = 1e-5f;
        F gamma = upload(p, randoms(d, 1f));
        F beta = upload(p, randoms(d, 1f));
        List<Runnable> checks = new ArrayList<>();
        for (boolean rms : new boolean[]{false, true}) {
            String norm = (rms ? "rmsNorm" : "layerNorm") + " d=" + d;
            // post-norm: x = norm(proj + x)
            F proj = filled(p, randoms(rows * d, 3f));
            F x = filled(p, randoms(rows * d, 3f));
            both(p, i -> {
                if (rms) {
                    p.of(i).rmsNorm(proj.of(i), x.of(i), rows, gamma.of(i), eps, null, x.of(i));
                } else {
                    p.of(i).layerNorm(proj.of(i), x.of(i), rows, gamma.of(i), beta.of(i), eps, null, x.of(i));
                }
            });
            checks.add(() -> assertClose(p, x, rows * d, 1e-4, norm + " post-norm, out = residual"));
            // pre-norm: x += proj, normed = norm(x); then a first norm without residual or beta
            F proj2 = filled(p, randoms(rows * d, 3f));
            F stream = filled(p, randoms(rows * d, 3f));
            F normed = allocate(p, rows * d);
            F first = allocate(p, rows * d);
            both(p, i -> {
                if (rms) {
                    p.of(i).rmsNorm(proj2.of(i), stream.of(i), rows, gamma.of(i), eps, stream.of(i), normed.of(i));
                    p.of(i).rmsNorm(stream.of(i), null, rows, gamma.of(i), eps, null, first.of(i));
                } else {
                    p.of(i).layerNorm(proj2.of(i), stream.of(i), rows, gamma.of(i), beta.of(i), eps, stream.of(i),
                            normed.of(i));
                    p.of(i).layerNorm(stream.of(i), null, rows, gamma.of(i), null, eps, null, first.of(i));
                }
            });
            checks.add(() -> assertClose(p, stream, rows * d, 1e-6, norm + " pre-norm sum"));
            checks.add(() -> assertClose(p, normed, rows * d, 1e-4, norm + " pre-norm"));
            checks.add(() -> assertClose(p, first, rows * d, 1e-4, norm + " without residual"));
        }
        checks.forEach(Runnable::run);
    }

    /** Multi-head and grouped-query attention (query head h reads key/value head h / (heads / kvHeads)), scaled. */
    @ParameterizedTest
    @CsvSource({"1, 1, 1", "2, 2, 0.25", "8, 8, 1", "4, 2, 0.25", "8, 1, 0.17677669", "6, 3, 1"})
    void attentionMatchesTheJvmOverRaggedRanges(int heads, int kvHeads, float scale) {
        Pair p = new Pair("rowmajor");
        int headDim = 16;
        int d = heads * headDim;
        int kvd = kvHeads * headDim;
        int keyRows = 90;
        int rows = 6;
        F q = upload(p, randoms(rows * d, 1f));
        F keys = upload(p, randoms(keyRows * kvd, 2f));
        F values = upload(p, randoms(keyRows * kvd, 1f));
        int[] start = {0, 3, 10, 0, 89, 20};
        int[] count = {1, 7, 80, 90, 1, 33};
        I startT = ints(p, start);
        I countT = ints(p, count);
        F out = allocate(p, rows * d);
        both(p, i -> p.of(i).attention(q.of(i), rows, keys.of(i), values.of(i), startT.of(i), countT.of(i), heads,
                kvHeads, headDim, scale, out.of(i)));
        assertClose(p, out, rows * d, 1e-5, "attention heads=" + heads + " kvHeads=" + kvHeads + " scale=" + scale);
    }

    /** Rotate-half rotary embeddings at the rows' positions, for the query heads and the fewer key heads. */
    @ParameterizedTest
    @ValueSource(ints = {16, 6, 2})
    void rotaryMatchesTheJvm(int headDim) {
        Pair p = new Pair("rowmajor");
        int heads = 4, kvHeads = 2, rows = 9, positions = 40;
        float[][] tables = Rotary.tables(positions, Rotary.inverseFrequencies(headDim, 10000.0,
                new Rotary.Llama3Scaling(8, 1, 4, 16)));
        F cos = upload(p, tables[0]);
        F sin = upload(p, tables[1]);
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            pos[r] = r == 0 ? 0 : random.nextInt(positions);
        }
        I posT = ints(p, pos);
        F q = filled(p, randoms(rows * heads * headDim, 2f));
        F k = filled(p, randoms(rows * kvHeads * headDim, 2f));
        both(p, i -> {
            p.of(i).rotary(q.of(i), rows, heads, headDim, posT.of(i), cos.of(i), sin.of(i));
            p.of(i).rotary(k.of(i), rows, kvHeads, headDim, posT.of(i), cos.of(i), sin.of(i));
        });
        assertClose(p, q, rows * heads * headDim, 1e-6, "rotary queries headDim=" + headDim);
        assertClose(p, k, rows * kvHeads * headDim, 1e-6, "rotary keys headDim=" + headDim);
    }

    /** act(gate) · up for every activation, into another tensor and in place (out aliases gate, as Llama's MLP). */
    @Test
    void gatedActivationMatchesTheJvm() {
        Pair p = new Pair("rowmajor");
        int rows = 5, width = 77;
        List<Runnable> checks = new ArrayList<>();
        for (Activation act : Activation.values()) {
            F gate = filled(p, randoms(rows * width, 6f));
            F up = filled(p, randoms(rows * width, 2f));
            F out = allocate(p, rows * width);
            both(p, i -> p.of(i).gatedActivation(gate.of(i), up.of(i), rows, width, act, out.of(i)));
            both(p, i -> p.of(i).gatedActivation(gate.of(i), up.of(i), rows, width, act, gate.of(i)));
            checks.add(() -> assertClose(p, out, rows * width, 2e-6, "gated " + act));
            checks.add(() -> assertClose(p, gate, rows * width, 2e-6, "gated in place " + act));
        }
        checks.forEach(Runnable::run);
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

    /** A recording longer than one task graph holds (a deep model's pass) runs as several graphs in sequence. */
    @Test
    void aRecordingOfMoreCallsThanOneGraphHoldsRunsAsSeveralGraphs() {
        Pair p = new Pair("rowmajor");
        int rows = 3, k = 12;
        int calls = 2 * Plans.MAX_TASKS_PER_GRAPH + 7;
        M w = matrix(p, randoms(k * k, 0.4f), k, k, 1f);
        F bias = upload(p, randoms(k, 0.2f));
        F a = filled(p, randoms(rows * k, 1f));
        F b = allocate(p, rows * k);
        for (int c = 0; c < calls; c++) {
            F from = c % 2 == 0 ? a : b;
            F to = c % 2 == 0 ? b : a;
            both(p, i -> p.of(i).linear(from.of(i), rows, w.of(i), bias.of(i), Activation.SWISH, to.of(i)));
        }
        assertThat(p.tvm.pendingCalls()).isGreaterThan(2 * Plans.MAX_TASKS_PER_GRAPH);
        assertClose(p, calls % 2 == 0 ? a : b, rows * k, 1e-4, "after " + calls + " chained linears");
        assertThat(p.tvm.segmentCount()).isEqualTo(1);
    }
}

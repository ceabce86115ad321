package io.streamformer.accelerator.kernels;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.weights.Weights;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM backend's kernels against {@link ReferenceKernels} on random shapes, including sizes that are
 * not multiples of the vector width, single rows, and row counts that exercise the 4-row blocks and tails.
 */
class KernelPropertiesTest {
    private static final JvmBackend BACKEND = new JvmBackend(2);

    @AfterContainer
    static void close() {
        BACKEND.close();
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    private static float[] read(FloatTensor t, int n) {
        float[] out = new float[n];
        BACKEND.read(t, 0, out, 0, n);
        return out;
    }

    private static FloatTensor tensor(float[] data) {
        return BACKEND.upload(data);
    }

    private static IntTensor ints(int[] data) {
        IntTensor t = BACKEND.allocateInts(data.length);
        BACKEND.write(t, data, data.length);
        return t;
    }

    private static void assertClose(float[] actual, float[] expected, double relTolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            double tol = relTolerance * Math.max(1, Math.abs(expected[i]));
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i],
                    org.assertj.core.data.Offset.offset(tol));
        }
    }

    @Property(tries = 60)
    void linearMatchesReference(@ForAll @IntRange(min = 1, max = 11) int rows,
                                @ForAll @IntRange(min = 1, max = 150) int k,
                                @ForAll @IntRange(min = 1, max = 100) int n,
                                @ForAll boolean withBias,
                                @ForAll Activation act,
                                @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * k, 1);
        float[] w = random(r, n * k, 0.3);
        float[] b = withBias ? random(r, n, 1) : null;
        Matrix m = BACKEND.uploadMatrix(new Weights.F32(w, n, k), 1f);
        FloatTensor out = BACKEND.allocate(rows * n);
        BACKEND.linear(tensor(x), rows, m, b == null ? null : tensor(b), act, out);
        assertClose(read(out, rows * n), ReferenceKernels.linear(x, rows, w, n, k, b, act), 2e-5);
    }

    @Property(tries = 30)
    void linearRowsAreIndependentOfTheirBatch(@ForAll @IntRange(min = 2, max = 17) int rows,
                                              @ForAll @IntRange(min = 1, max = 200) int k,
                                              @ForAll @IntRange(min = 1, max = 70) int n,
                                              @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * k, 1);
        Matrix m = BACKEND.uploadMatrix(new Weights.F32(random(r, n * k, 0.3), n, k), 1f);
        FloatTensor all = BACKEND.allocate(rows * n);
        BACKEND.linear(tensor(x), rows, m, null, Activation.SWISH, all);
        float[] batched = read(all, rows * n);
        for (int row = 0; row < rows; row++) {
            float[] one = java.util.Arrays.copyOfRange(x, row * k, (row + 1) * k);
            FloatTensor o = BACKEND.allocate(n);
            BACKEND.linear(tensor(one), 1, m, null, Activation.SWISH, o);
            assertThat(read(o, n)).isEqualTo(java.util.Arrays.copyOfRange(batched, row * n, (row + 1) * n));
        }
    }

    @Property(tries = 40)
    void addLayerNormMatchesReference(@ForAll @IntRange(min = 1, max = 9) int rows,
                                      @ForAll @IntRange(min = 1, max = 300) int d,
                                      @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * d, 3);
        float[] res = random(r, rows * d, 3);
        float[] g = random(r, d, 1);
        float[] b = random(r, d, 1);
        FloatTensor out = BACKEND.allocate(rows * d);
        BACKEND.addLayerNorm(tensor(x), tensor(res), rows, tensor(g), tensor(b), 1e-5f, out);
        assertClose(read(out, rows * d), ReferenceKernels.addLayerNorm(x, res, g, b, 1e-5f, rows, d), 2e-5);
    }

    /** Per query row, a random non-empty range [start, start + count) of the keyRows keys: {start, count}. */
    private static int[][] keyRanges(SplittableRandom r, int rows, int keyRows) {
        int[] start = new int[rows];
        int[] count = new int[rows];
        for (int i = 0; i < rows; i++) {
            start[i] = r.nextInt(keyRows);
            count[i] = 1 + r.nextInt(keyRows - start[i]);
        }
        return new int[][] {start, count};
    }

    @Property(tries = 40)
    void attentionMatchesReference(@ForAll @IntRange(min = 1, max = 7) int rows,
                                   @ForAll @IntRange(min = 1, max = 4) int heads,
                                   @ForAll @IntRange(min = 1, max = 40) int headDim,
                                   @ForAll @IntRange(min = 1, max = 30) int keyRows,
                                   @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int d = heads * headDim;
        float[] q = random(r, rows * d, 0.5);
        float[] k = random(r, keyRows * d, 1);
        float[] v = random(r, keyRows * d, 1);
        int[][] ranges = keyRanges(r, rows, keyRows);
        int[] start = ranges[0];
        int[] count = ranges[1];
        FloatTensor out = BACKEND.allocate(rows * d);
        BACKEND.attention(tensor(q), rows, tensor(k), tensor(v), ints(start), ints(count), heads, heads, headDim, 1f,
                out);
        assertClose(read(out, rows * d), ReferenceKernels.attention(q, k, v, start, count, rows, heads, headDim), 2e-5);
    }

    /**
     * The kernel's vector lanes (16 keys per gathered vector, query heads of a key head together) must keep the
     * scalar order of sums that transformers' parity depends on: bit for bit, with grouped heads and long key ranges.
     */
    @Property(tries = 60)
    void attentionSumsInTheScalarOrder(@ForAll @IntRange(min = 1, max = 5) int rows,
                                       @ForAll @IntRange(min = 1, max = 3) int kvHeads,
                                       @ForAll @IntRange(min = 1, max = 6) int group,
                                       @ForAll @IntRange(min = 1, max = 70) int headDim,
                                       @ForAll @IntRange(min = 1, max = 80) int keyRows,
                                       @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int heads = kvHeads * group;
        int d = heads * headDim;
        int kvd = kvHeads * headDim;
        float[] q = random(r, rows * d, 2);
        float[] k = random(r, keyRows * kvd, 2);
        float[] v = random(r, keyRows * kvd, 1);
        int[][] ranges = keyRanges(r, rows, keyRows);
        int[] start = ranges[0];
        int[] count = ranges[1];
        float scale = (float) (1 / Math.sqrt(headDim));
        FloatTensor out = BACKEND.allocate(rows * d);
        BACKEND.attention(tensor(q), rows, tensor(k), tensor(v), ints(start), ints(count), heads, kvHeads, headDim,
                scale, out);
        assertThat(read(out, rows * d)).containsExactly(
                ReferenceKernels.attentionInOrder(q, k, v, start, count, rows, heads, kvHeads, headDim, scale));
    }

    @Property(tries = 200)
    void vectorExpIsAccurateAndEqualsTheScalarTwin(@ForAll @FloatRange(min = -100, max = 90) float x) {
        float[] out = new float[VectorMath.S.length()];
        java.util.Arrays.fill(out, x);
        VectorMath.expInPlace(out, 0, out.length); // one vector, no scalar tail
        double exact = Math.exp(x);
        if (x < -87.33) {
            assertThat(out[0]).isZero();
        } else if (exact < Float.MAX_VALUE) {
            assertThat((double) out[0]).isCloseTo(exact, org.assertj.core.data.Offset.offset(exact * 3e-7));
        }
        assertThat(out[0]).isEqualTo(VectorMath.exp(x));
    }

    @org.junit.jupiter.api.Test
    void expIsAccurateUpToTheLargestFloatAndSaturatesAboveIt() {
        float[] out = new float[VectorMath.S.length()];
        // every float from 88 up to where e^x leaves the float range: 2^n reaches 2^128 there
        for (float x = 88f; Math.exp(x) < Float.MAX_VALUE; x = Math.nextUp(x)) {
            float got = VectorMath.exp(x);
            double exact = Math.exp(x);
            assertThat((double) got).as("exp(%s)", x).isCloseTo(exact, org.assertj.core.data.Offset.offset(exact * 3e-7));
            java.util.Arrays.fill(out, x);
            VectorMath.expInPlace(out, 0, out.length);
            assertThat(out[0]).as("vector exp(%s)", x).isEqualTo(got);
        }
        for (float x : new float[] {88.8f, 100f, 1e6f, Float.MAX_VALUE}) {
            assertThat(VectorMath.exp(x)).as("exp(%s)", x).isFinite().isGreaterThan(3.4e38f);
        }
    }

    @Property(tries = 50)
    void logSumExpAndArgmaxMatchReference(@ForAll @IntRange(min = 1, max = 500) int n,
                                          @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, n, 5);
        if (n > 3) {
            x[r.nextInt(n)] = Float.NEGATIVE_INFINITY; // a banned token
        }
        assertThat((double) Softmax.logSumExp(x, 0, n)).isCloseTo(ReferenceKernels.logSumExp(x),
                org.assertj.core.data.Offset.offset(1e-5 * Math.max(1, Math.abs(ReferenceKernels.logSumExp(x)))));
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        assertThat(Softmax.argmax(x, 0, n)).isEqualTo(best);
    }

    @Property(tries = 30)
    void embeddingAddsScaledRowsAndPositions(@ForAll @IntRange(min = 1, max = 40) int vocab,
                                             @ForAll @IntRange(min = 1, max = 70) int d,
                                             @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] table = random(r, vocab * d, 1);
        float[] positions = random(r, 8 * d, 1);
        int rows = 5;
        int[] ids = new int[rows];
        int[] pos = new int[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = r.nextInt(vocab);
            pos[i] = r.nextInt(8);
        }
        FloatTensor out = BACKEND.allocate(rows * d);
        BACKEND.embed(ints(ids), ints(pos), rows, BACKEND.uploadMatrix(new Weights.F32(table, vocab, d), 1f), 2.5f, tensor(positions), out);
        float[] actual = read(out, rows * d);
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < d; c++) {
                assertThat(actual[i * d + c]).isEqualTo(table[ids[i] * d + c] * 2.5f + positions[pos[i] * d + c]);
            }
        }
    }
}

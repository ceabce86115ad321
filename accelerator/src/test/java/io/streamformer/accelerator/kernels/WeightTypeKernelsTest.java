package io.streamformer.accelerator.kernels;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The matmul on 16- and 8-bit weights: F16 and BF16 compute bit for bit what an F32 matrix of their widened values
 * computes (alone, in batches of every size, with inputs too large for the fast F16 path, with bias, output scale
 * and activation); I8 computes what its dequantized values give, within fp32 rounding, and rows are independent of
 * their batch for every type.
 */
class WeightTypeKernelsTest {
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

    private static float[] linear(Weights w, float scale, float[] x, int rows, float[] bias, Activation act) {
        Matrix m = BACKEND.uploadMatrix(w, scale);
        FloatTensor out = BACKEND.allocate(rows * w.rows());
        BACKEND.linear(BACKEND.upload(x), rows, m, bias == null ? null : BACKEND.upload(bias), act, out);
        float[] o = new float[rows * w.rows()];
        BACKEND.read(out, 0, o, 0, o.length);
        return o;
    }

    /** Weights with the range of a real checkpoint's, some tiny enough to be subnormal in f16, some exact zeros. */
    private static float[] weights(SplittableRandom r, int n) {
        float[] w = random(r, n, 0.05);
        for (int i = 0; i < n; i += 7) {
            w[i] *= 1e-4f;
        }
        for (int i = 3; i < n; i += 11) {
            w[i] = 0f;
        }
        return w;
    }

    @Property(tries = 60)
    void sixteenBitWeightsComputeExactlyWhatTheirWidenedF32ValuesCompute(
            @ForAll @IntRange(min = 1, max = 13) int rows, @ForAll @IntRange(min = 1, max = 150) int k,
            @ForAll @IntRange(min = 1, max = 100) int n, @ForAll boolean withBias, @ForAll boolean largeInputs,
            @ForAll Activation act, @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * k, 1);
        if (largeInputs) {
            x[r.nextInt(x.length)] = 70_000f * (r.nextBoolean() ? 1 : -1); // beyond the fast f16 path's 2^16
        }
        float[] b = withBias ? random(r, n, 1) : null;
        float scale = r.nextBoolean() ? 1f : 0.17677669f;
        Weights.F32 full = new Weights.F32(weights(r, n * k), n, k);
        for (WeightType half : new WeightType[]{WeightType.F16, WeightType.BF16}) {
            Weights rounded = WeightConversions.convert(full, half, "w");
            Weights widened = WeightConversions.convert(rounded, WeightType.F32, "w");
            assertThat(linear(rounded, scale, x, rows, b, act)).as(half + " vs its widened values")
                    .isEqualTo(linear(widened, scale, x, rows, b, act));
        }
    }

    /**
     * Every finite half, as one row's kernel widens it in the vector lanes, equals {@link Float#float16ToFloat} of it:
     * a matrix holding each once, multiplied by one-hot inputs, gives back its columns.
     */
    @Example
    void everyFiniteHalfWidensToWhatTheJdkGives() {
        int cols = 32;
        short[] halves = new short[2 * 31 * 1024]; // sign × exponents 0..30 × mantissas
        int n = 0;
        for (int bits = 0; bits < 0x10000; bits++) {
            if ((bits & 0x7C00) != 0x7C00) {
                halves[n++] = (short) bits;
            }
        }
        int rows = n / cols;
        Weights.F16 w = new Weights.F16(halves, rows, cols);
        for (int c = 0; c < cols; c++) {
            float[] oneHot = new float[cols];
            oneHot[c] = 1f;
            float[] column = linear(w, 1f, oneHot, 1, null, Activation.IDENTITY);
            for (int r = 0; r < rows; r++) {
                float expected = Float.float16ToFloat(halves[r * cols + c]);
                assertThat(column[r]).as("half 0x%04x", halves[r * cols + c] & 0xFFFF).isEqualTo(expected + 0f);
            }
        }
    }

    @Property(tries = 40)
    void int8WeightsComputeTheirDequantizedValues(@ForAll @IntRange(min = 1, max = 13) int rows,
                                                  @ForAll @IntRange(min = 1, max = 150) int k,
                                                  @ForAll @IntRange(min = 1, max = 100) int n,
                                                  @ForAll boolean withBias,
                                                  @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * k, 1);
        float[] b = withBias ? random(r, n, 1) : null;
        Weights.I8 q = (Weights.I8) WeightConversions.convert(new Weights.F32(weights(r, n * k), n, k), WeightType.I8,
                "w");
        float[] dequantized = WeightConversions.toFloats(q);
        float[] expected = ReferenceKernels.linear(x, rows, dequantized, n, k, b, Activation.IDENTITY);
        float[] actual = linear(q, 1f, x, rows, b, Activation.IDENTITY);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i)
                    .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(2e-5f * Math.max(1, Math.abs(expected[i]))));
        }
    }

    @Property(tries = 30)
    void rowsAreIndependentOfTheirBatchForEveryType(@ForAll @IntRange(min = 2, max = 13) int rows,
                                                    @ForAll @IntRange(min = 1, max = 70) int k,
                                                    @ForAll @IntRange(min = 1, max = 70) int n,
                                                    @ForAll @IntRange(min = 0, max = 1000) int seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = random(r, rows * k, 1);
        Weights.F32 full = new Weights.F32(weights(r, n * k), n, k);
        for (WeightType type : WeightType.values()) {
            Weights w = WeightConversions.convert(full, type, "w");
            float[] batched = linear(w, 1f, x, rows, null, Activation.SWISH);
            for (int row = 0; row < rows; row++) {
                float[] one = linear(w, 1f, Arrays.copyOfRange(x, row * k, (row + 1) * k), 1, null, Activation.SWISH);
                assertThat(one).as(type + " row " + row).isEqualTo(Arrays.copyOfRange(batched, row * n, (row + 1) * n));
            }
        }
    }

    @Property(tries = 50)
    void int8QuantizationKeepsEachRowWithinHalfAStep(@ForAll @IntRange(min = 1, max = 20) int n,
                                                     @ForAll @IntRange(min = 1, max = 300) int k,
                                                     @ForAll @IntRange(min = 0, max = 1000) int seed) {
        float[] w = weights(new SplittableRandom(seed), n * k);
        Weights.I8 q = (Weights.I8) WeightConversions.convert(new Weights.F32(w, n, k), WeightType.I8, "w");
        for (int row = 0; row < n; row++) {
            float amax = 0;
            for (int c = 0; c < k; c++) {
                amax = Math.max(amax, Math.abs(w[row * k + c]));
            }
            for (int c = 0; c < k; c++) {
                assertThat(Math.abs(q.data()[row * k + c])).isLessThanOrEqualTo(127);
                // half a step, plus fp32 rounding: the scale amax / 127 is rounded, and so is q × scale
                assertThat((double) Math.abs(q.get(row, c) - w[row * k + c]))
                        .isLessThanOrEqualTo(amax / 127 / 2 + amax * 0x1p-23 + 1e-30);
            }
        }
    }
}

package io.streamformer.accelerator.backends.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The machine's read bandwidth as the kernels can use it: the JVM backend's worker threads sum disjoint parts of
 * one array far larger than the caches, with the Vector API, two streams per thread and eight independent
 * accumulators, as a batch-1 decoding step streams its weights. The limit a memory-bound step is measured against.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int STRIDE = 8 * S.length();

    /** Best and median of the timed passes, in GB/s (10^9 bytes per second). */
    public record Result(int threads, long bytes, int passes, double bestGbPerS, double medianGbPerS) {
    }

    private MemoryBandwidth() {
    }

    /** Reads {@code bytes} (rounded down to whole vectors) {@code passes} times after warm-up passes. */
    public static Result measure(int threads, long bytes, int passes) {
        long floats = bytes / 4 / STRIDE * STRIDE;
        if (floats < (long) STRIDE * threads || floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bytes must be between " + 4L * STRIDE * threads + " and 8 GB");
        }
        float[] data = new float[(int) floats];
        Arrays.fill(data, 1f);
        // compile the loop before timing: many short calls, then whole passes
        for (int i = 0; i < 20_000; i++) {
            sum(data, 0, STRIDE * 64);
        }
        double[] rates = new double[passes];
        float[] partial = new float[threads];
        try (WorkerPool pool = new WorkerPool(threads)) {
            int n = (int) floats;
            int chunks = n / STRIDE;
            for (int pass = -2; pass < passes; pass++) {
                long start = System.nanoTime();
                pool.parallelFor(threads, 1, (from, to, worker) -> {
                    for (int t = from; t < to; t++) {
                        int a = (int) ((long) chunks * t / threads) * STRIDE;
                        int b = (int) ((long) chunks * (t + 1) / threads) * STRIDE;
                        partial[t] = sum(data, a, b);
                    }
                });
                long elapsed = System.nanoTime() - start;
                if (pass >= 0) {
                    rates[pass] = 4.0 * n / elapsed;
                }
                double total = 0;
                for (float p : partial) {
                    total += p;
                }
                if (Math.abs(total - n) > 1e-3 * n) { // keeps the sums alive, and checks them
                    throw new IllegalStateException("read " + total + " of " + n + " values");
                }
            }
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        return new Result(threads, 4 * floats, passes, sorted[passes - 1], sorted[passes / 2]);
    }

    /**
     * Sums a[from, to) as two sequential streams, its halves side by side: on the 2-core AMD EPYC host, one stream per
     * thread read 20-25 GB/s with both threads, two read 28-34 GB/s (and the kernels keep several streams in flight).
     */
    private static float sum(float[] a, int from, int to) {
        FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S), s4 = FloatVector.zero(S), s5 = FloatVector.zero(S);
        FloatVector s6 = FloatVector.zero(S), s7 = FloatVector.zero(S);
        int l = S.length();
        int half = (to - from) / STRIDE * (STRIDE / 2);
        int second = from + half;
        for (int i = from, j = second; i < second; i += STRIDE / 2, j += STRIDE / 2) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, a, i + l));
            s2 = s2.add(FloatVector.fromArray(S, a, i + 2 * l));
            s3 = s3.add(FloatVector.fromArray(S, a, i + 3 * l));
            s4 = s4.add(FloatVector.fromArray(S, a, j));
            s5 = s5.add(FloatVector.fromArray(S, a, j + l));
            s6 = s6.add(FloatVector.fromArray(S, a, j + 2 * l));
            s7 = s7.add(FloatVector.fromArray(S, a, j + 3 * l));
        }
        return s0.add(s1).add(s2).add(s3).add(s4).add(s5).add(s6).add(s7).reduceLanes(VectorOperators.ADD);
    }
}

package io.streamformer.accelerator.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Row-wise reductions over vocabulary-sized logits, for the decoding strategies. */
public final class Softmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Softmax() {
    }

    public static float max(float[] x, int from, int n) {
        int bound = S.loopBound(n);
        float m = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += S.length()) {
                acc = acc.max(FloatVector.fromArray(S, x, from + i));
            }
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            m = Math.max(m, x[from + i]);
        }
        return m;
    }

    /** log(sum(exp(x))) computed stably; -inf when every entry is -inf. */
    public static float logSumExp(float[] x, int from, int n) {
        return logSumExp(x, from, n, max(x, from, n));
    }

    /** {@link #logSumExp(float[], int, int)} given the row's maximum {@code m}. */
    private static float logSumExp(float[] x, int from, int n, float m) {
        if (m == Float.NEGATIVE_INFINITY) {
            return m;
        }
        int bound = S.loopBound(n);
        FloatVector mv = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        float[] e = VectorMath.scratch();
        int i = 0;
        // chunk by chunk: x - m into the scratch, exp in place, summed vector by vector in order
        while (i < bound) {
            int len = Math.min(VectorMath.CHUNK, bound - i);
            for (int j = 0; j < len; j += S.length()) {
                FloatVector.fromArray(S, x, from + i + j).sub(mv).intoArray(e, j);
            }
            VectorMath.expInPlace(e, 0, len);
            for (int j = 0; j < len; j += S.length()) {
                acc = acc.add(FloatVector.fromArray(S, e, j));
            }
            i += len;
        }
        float sum = VectorMath.sumLanes(acc, new float[S.length()]);
        for (; i < n; i++) {
            sum += VectorMath.exp(x[from + i] - m);
        }
        return m + (float) Math.log(sum);
    }

    /** In place: x = x - logSumExp(x) (log-softmax), as torch.log_softmax in fp32. */
    public static void logSoftmaxInPlace(float[] x, int from, int n) {
        float lse = logSumExp(x, from, n);
        int bound = S.loopBound(n);
        FloatVector lv = FloatVector.broadcast(S, lse);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, from + i).sub(lv).intoArray(x, from + i);
        }
        for (; i < n; i++) {
            x[from + i] -= lse;
        }
    }

    /** Index of the largest entry (the first one on ties, as torch.argmax). */
    public static int argmax(float[] x, int from, int n) {
        return firstIndexOf(x, from, n, max(x, from, n));
    }

    /** Index of the first entry equal to {@code m} (0 when none is, as when every entry is NaN). */
    private static int firstIndexOf(float[] x, int from, int n, float m) {
        int bound = S.loopBound(n);
        FloatVector mv = FloatVector.broadcast(S, m);
        int i = 0;
        for (; i < bound; i += S.length()) {
            VectorMask<Float> hit = FloatVector.fromArray(S, x, from + i).eq(mv);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) {
            if (x[from + i] == m) {
                return i;
            }
        }
        return 0;
    }

    /**
     * Greedy decoding's choice over one logits row, as {@code Backend#argmaxRows} specifies it: into
     * {@code out[o..o+2]} the index of the largest entry with {@code bans[banFrom, banFrom + banCount)} counting as
     * -inf (the first on ties), or {@code forced} when it is >= 0; the log-sum-exp of the raw row; the raw entry at
     * the chosen index (-inf when banned).
     */
    public static void chooseGreedy(float[] row, int offset, int vocab, int[] bans, int banFrom, int banCount,
                                    int forced, float[] out, int o) {
        float max = max(row, offset, vocab);
        float lse = logSumExp(row, offset, vocab, max);
        int token = forced;
        float value;
        if (token >= 0) {
            value = row[offset + token];
        } else {
            token = firstIndexOf(row, offset, vocab, max);
            value = row[offset + token];
            if (isBanned(bans, banFrom, banCount, token)) {
                // rare: the best is banned; scan again with the bans applied
                token = -1;
                value = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < vocab; i++) {
                    float v = isBanned(bans, banFrom, banCount, i) ? Float.NEGATIVE_INFINITY : row[offset + i];
                    if (token < 0 || v > value) {
                        value = v;
                        token = i;
                    }
                }
            }
        }
        out[o] = token;
        out[o + 1] = lse;
        out[o + 2] = value;
    }

    private static boolean isBanned(int[] bans, int from, int count, int id) {
        for (int i = from; i < from + count; i++) {
            if (bans[i] == id) {
                return true;
            }
        }
        return false;
    }
}

package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.kernels.Softmax;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Multinomial sampling with Hugging Face's warpers (temperature, then top-k, then top-p). The random
 * draw of step s depends only on (seed, s), so a request resumed from a snapshot samples exactly what
 * it would have sampled uninterrupted.
 */
final class SamplingSearch extends SingleSequenceSearch {

    SamplingSearch(GenerationParams params, int[] prompt, SearchSnapshot snapshot) {
        super(params, prompt, snapshot);
    }

    @Override
    public int[] advance(float[] logits, int offset, int vocab) {
        float logSumExp = Softmax.logSumExp(logits, offset, vocab);
        boolean forced = LogitsProcessors.forcesEos(params, current.length(), promptLength());
        float[] raw = params.repetitionPenalty() != 1.0 ? Arrays.copyOfRange(logits, offset, offset + vocab) : null;
        LogitsProcessors.apply(params, current.tokens(), promptLength(), logits, offset, vocab);
        int token = forced ? params.forcedEosTokenId() : sample(logits, offset, vocab, drawFor(step()));
        // the score is the raw log-softmax: the processors' bans aside, the raw logit
        float tokenLogit = logits[offset + token];
        if (raw != null && tokenLogit != Float.NEGATIVE_INFINITY) {
            tokenLogit = raw[token];
        }
        return append(token, logSumExp, tokenLogit);
    }

    private double drawFor(int s) {
        return new SplittableRandom(params.seed() ^ (0x9E3779B97F4A7C15L * (s + 1))).nextDouble();
    }

    /** Samples one token id from the processed row with temperature, top-k and top-p applied. */
    int sample(float[] row, int off, int vocab, double u) {
        int n = 0;
        int[] ids = new int[vocab];
        float[] vals = new float[vocab];
        float invT = (float) (1.0 / params.temperature());
        for (int i = 0; i < vocab; i++) {
            float v = row[off + i];
            if (v != Float.NEGATIVE_INFINITY) {
                ids[n] = i;
                vals[n] = v * invT;
                n++;
            }
        }
        if (n == 0) {
            return params.eosTokenId();
        }
        int k = params.topK();
        if (k > 0 && k < n) {
            // top-k: keep every value >= the k-th largest (torch keeps ties with it too)
            float kth = kthLargest(Arrays.copyOf(vals, n), k);
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (vals[i] >= kth) {
                    ids[m] = ids[i];
                    vals[m] = vals[i];
                    m++;
                }
            }
            n = m;
        }
        // candidates sorted by value, descending; ties by id so that the order is deterministic
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final float[] fv = vals;
        final int[] fi = ids;
        Arrays.sort(order, (a, b) -> fv[a] != fv[b] ? Float.compare(fv[b], fv[a]) : Integer.compare(fi[a], fi[b]));
        int keep = n;
        double max = vals[order[0]];
        double[] probs = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(vals[order[i]] - max);
            sum += probs[i];
        }
        if (params.topP() < 1.0) {
            // transformers removes the smallest tokens whose cumulative probability (ascending) is <= 1 - top_p
            double cumulativeAscending = 0;
            int cut = keep;
            for (int i = keep - 1; i >= 1; i--) {
                cumulativeAscending += probs[i] / sum;
                if (cumulativeAscending <= 1.0 - params.topP()) {
                    cut = i;
                } else {
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) {
                sum += probs[i];
            }
        }
        double target = u * sum;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += probs[i];
            if (target < acc) {
                return ids[order[i]];
            }
        }
        return ids[order[keep - 1]];
    }

    /** The k-th largest value of {@code a} (quickselect; reorders {@code a}). */
    static float kthLargest(float[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        int target = k - 1;
        while (lo < hi) {
            float pivot = a[(lo + hi) >>> 1];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] > pivot) {
                    i++;
                }
                while (a[j] < pivot) {
                    j--;
                }
                if (i <= j) {
                    float t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return a[target];
            }
        }
        return a[target];
    }
}

package io.streamformer.accelerator.kernels;

/** Plain, obviously correct kernels in double precision: the reference the fast ones are checked against. */
final class ReferenceKernels {
    private ReferenceKernels() {
    }

    static float[] linear(float[] x, int rows, float[] w, int n, int k, float[] bias, Activation act) {
        float[] out = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                double acc = bias == null ? 0 : bias[j];
                for (int i = 0; i < k; i++) {
                    acc += (double) x[r * k + i] * w[j * k + i];
                }
                out[r * n + j] = (float) activation(act, acc);
            }
        }
        return out;
    }

    static double activation(Activation act, double x) {
        return switch (act) {
            case IDENTITY -> x;
            case RELU -> Math.max(0, x);
            case SWISH -> x / (1 + Math.exp(-x));
            case GELU -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_NEW -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        };
    }

    /**
     * erf in double, independent of the kernels' {@code Activation.erf}: its Maclaurin series below 3.5 (about 1e-12
     * after the series' cancellation), the asymptotic expansion of erfc above.
     */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3.5) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 120 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double inv = 1 / (2 * a * a);
            double series = 1 - inv + 3 * inv * inv - 15 * inv * inv * inv + 105 * inv * inv * inv * inv;
            r = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * series;
        }
        return Math.copySign(r, x);
    }

    static float[] addLayerNorm(float[] x, float[] res, float[] gamma, float[] beta, float eps, int rows, int d) {
        float[] out = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) {
                mean += (double) x[r * d + i] + res[r * d + i];
            }
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                double c = (double) x[r * d + i] + res[r * d + i] - mean;
                var += c * c;
            }
            var /= d;
            for (int i = 0; i < d; i++) {
                double c = (double) x[r * d + i] + res[r * d + i] - mean;
                out[r * d + i] = (float) (c / Math.sqrt(var + eps) * gamma[i] + beta[i]);
            }
        }
        return out;
    }

    static float[] attention(float[] q, float[] k, float[] v, int[] start, int[] count, int rows, int heads, int hd) {
        int d = heads * hd;
        float[] out = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                double[] s = new double[count[r]];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < count[r]; j++) {
                    double acc = 0;
                    for (int i = 0; i < hd; i++) {
                        acc += (double) q[r * d + h * hd + i] * k[(start[r] + j) * d + h * hd + i];
                    }
                    s[j] = acc;
                    max = Math.max(max, acc);
                }
                double sum = 0;
                for (int j = 0; j < s.length; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int i = 0; i < hd; i++) {
                    double acc = 0;
                    for (int j = 0; j < s.length; j++) {
                        acc += s[j] / sum * v[(start[r] + j) * d + h * hd + i];
                    }
                    out[r * d + h * hd + i] = (float) acc;
                }
            }
        }
        return out;
    }

    /**
     * Attention in fp32 one scalar at a time in the order Attention's doc specifies: each score summed over the
     * dimensions in order (multiply, then add), scaled, softmax (max, exp, sum in order, times 1/sum), each output
     * summed over the keys in order. Grouped-query: head h reads key head h / (heads / kvHeads).
     */
    static float[] attentionInOrder(float[] q, float[] k, float[] v, int[] start, int[] count, int rows, int heads,
                                    int kvHeads, int hd, float scale) {
        int d = heads * hd;
        int kvd = kvHeads * hd;
        float[] out = new float[rows * d];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / (heads / kvHeads);
                float[] p = new float[count[r]];
                for (int j = 0; j < count[r]; j++) {
                    float s = 0f;
                    for (int i = 0; i < hd; i++) {
                        s += q[r * d + h * hd + i] * k[(start[r] + j) * kvd + kh * hd + i];
                    }
                    p[j] = scale != 1f ? s * scale : s;
                }
                float max = Float.NEGATIVE_INFINITY;
                for (float s : p) {
                    max = Math.max(max, s);
                }
                float sum = 0f;
                for (int j = 0; j < p.length; j++) {
                    p[j] = (float) Math.exp(p[j] - max);
                    sum += p[j];
                }
                float inv = 1f / sum;
                for (int i = 0; i < hd; i++) {
                    float acc = 0f;
                    for (int j = 0; j < p.length; j++) {
                        acc += v[(start[r] + j) * kvd + kh * hd + i] * (p[j] * inv);
                    }
                    out[r * d + h * hd + i] = acc;
                }
            }
        }
        return out;
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }
}

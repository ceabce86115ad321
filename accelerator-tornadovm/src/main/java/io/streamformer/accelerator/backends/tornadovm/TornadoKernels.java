package io.streamformer.accelerator.backends.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The device kernels, compiled by TornadoVM to OpenCL (or PTX/SPIR-V). All use the KernelContext API with
 * explicit grids set by {@link TornadoBackend}.
 *
 * <p>Conventions. Every float operand is an (array, offset) pair: the array is one of the backend's arenas
 * (the activation/KV-cache arena or a weight chunk), bound when the task graph is built; the offset is read
 * from {@code params}, an int array transferred on every execution, at {@code p + k}. So are the row counts
 * of the step. Hence one compiled task graph serves every step of the same shape: only {@code params} and
 * {@code ints} (token ids, positions, attention ranges, row indices) change. The int arguments after
 * {@code p} are shapes fixed for the graph (TornadoVM specialises the kernel for their values).
 *
 * <p>Row counts are device data, so the kernels that work per row loop over rows with a stride of the grid
 * (grid-stride loops): the grid is fixed, rows beyond the count cost nothing. Loops that contain barriers
 * have the same trip count for every work-item of a group.
 *
 * <p>Numerics follow the JVM kernels where the order matters: matmul accumulates even and odd k separately
 * with fused multiply-adds and adds the two at the end ({@code kernels.MatMul}); attention computes the
 * probabilities, scales them by 1/sum, then accumulates p·v in key order ({@code kernels.Attention}).
 * Reductions over a row (softmax max/sum, layer-norm mean/variance) are local-memory trees, written out in
 * each kernel: TornadoVM 5.2 does not keep a local array local when it is passed to a helper method (the
 * results come out wrong).
 */
public final class TornadoKernels {

    /** Work-group size of the kernels that reduce in local memory; a power of two. */
    public static final int REDUCE_LOCAL = 64;
    /** The most keys one attention row may see (scores are kept in local memory). */
    public static final int MAX_KEYS = 1024;

    public static final int ACT_IDENTITY = 0;
    public static final int ACT_RELU = 1;
    public static final int ACT_SWISH = 2;
    public static final int ACT_GELU = 3;
    public static final int ACT_GELU_NEW = 4;

    private TornadoKernels() {
    }

    /** Makes TornadoVM allocate and transfer an array in the graph that owns it (reads one element). */
    public static void touch(KernelContext ctx, FloatArray a) {
        if (ctx.globalIdx == 0 && a.get(0) == -1.2345e30f) {
            a.set(0, 0f);
        }
    }

    // ------------------------------------------------------------------------------------------- embedding

    /**
     * out[r, i] = table[ids[r], i] * scale + positions[pos[r], i] for rows r &lt; params[p].
     * params: rows, idsOff, posOff (in ints), tableOff, positionsOff, outOff. table[id, i] is at
     * {@code tableOff + id * rowStride + i * colStride}, the layout of {@link #linear}'s weights.
     */
    public static void embed(KernelContext ctx, FloatArray table, FloatArray positions, FloatArray out, IntArray ints,
                             IntArray params, int p, int d, int rowStride, int colStride, float scale) {
        int rows = params.get(p);
        int idsOff = params.get(p + 1);
        int posOff = params.get(p + 2);
        int tableOff = params.get(p + 3);
        int positionsOff = params.get(p + 4);
        int outOff = params.get(p + 5);
        int total = rows * d;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / d;
            int i = e - r * d;
            int id = ints.get(idsOff + r);
            int pos = ints.get(posOff + r);
            float t = table.get(tableOff + id * rowStride + i * colStride);
            out.set(outOff + e, t * scale + positions.get(positionsOff + pos * d + i));
        }
    }

    // ------------------------------------------------------------------------------------------- matmul

    /**
     * out[r, c] = act(sum_i x[r, i] * W[c, i] + bias[c]) for rows r &lt; params[p], one work-item per output
     * feature c, four input rows at a time; {@code parts} such products of the same input (the query, key and
     * value projections) in one launch. W[c, i] is at {@code wOff + c * rowStride + i * colStride}: row-major
     * [n][k] (strides k, 1; a work-item streams a contiguous row: cache friendly on a CPU device) or transposed
     * [k][n] (strides 1, n; adjacent work-items read adjacent addresses: coalesced on a GPU).
     * params: rows, xOff, then per part wOff, biasOff, outOff.
     */
    public static void linear(KernelContext ctx, FloatArray x, FloatArray w, FloatArray bias, FloatArray out,
                              IntArray params, int p, int n, int k, int rowStride, int colStride, int act,
                              int hasBias, int parts) {
        int g = ctx.globalIdx;
        if (g < parts * n) {
            int part = g / n;
            int c = g - part * n;
            int q = p + 2 + 3 * part;
            int rows = params.get(p);
            int xOff = params.get(p + 1);
            int wo = params.get(q) + c * rowStride;
            int outOff = params.get(q + 2);
            float b = 0f;
            if (hasBias != 0) {
                b = bias.get(params.get(q + 1) + c);
            }
            int kEven = k - (k & 1);
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int x0 = xOff + r * k;
                int x1 = x0 + k;
                int x2 = x1 + k;
                int x3 = x2 + k;
                float e0 = 0f, e1 = 0f, e2 = 0f, e3 = 0f;
                float o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    float wa = w.get(wo + i * colStride);
                    float wb = w.get(wo + (i + 1) * colStride);
                    e0 = e0 + x.get(x0 + i) * wa;
                    e1 = e1 + x.get(x1 + i) * wa;
                    e2 = e2 + x.get(x2 + i) * wa;
                    e3 = e3 + x.get(x3 + i) * wa;
                    o0 = o0 + x.get(x0 + i + 1) * wb;
                    o1 = o1 + x.get(x1 + i + 1) * wb;
                    o2 = o2 + x.get(x2 + i + 1) * wb;
                    o3 = o3 + x.get(x3 + i + 1) * wb;
                }
                if (kEven < k) {
                    float wa = w.get(wo + kEven * colStride);
                    e0 = e0 + x.get(x0 + kEven) * wa;
                    e1 = e1 + x.get(x1 + kEven) * wa;
                    e2 = e2 + x.get(x2 + kEven) * wa;
                    e3 = e3 + x.get(x3 + kEven) * wa;
                }
                int o = outOff + r * n + c;
                out.set(o, activate(e0 + o0 + b, act));
                out.set(o + n, activate(e1 + o1 + b, act));
                out.set(o + 2 * n, activate(e2 + o2 + b, act));
                out.set(o + 3 * n, activate(e3 + o3 + b, act));
            }
            for (; r < rows; r++) {
                int x0 = xOff + r * k;
                float e0 = 0f;
                float o0 = 0f;
                for (int i = 0; i < kEven; i += 2) {
                    e0 = e0 + x.get(x0 + i) * w.get(wo + i * colStride);
                    o0 = o0 + x.get(x0 + i + 1) * w.get(wo + (i + 1) * colStride);
                }
                if (kEven < k) {
                    e0 = e0 + x.get(x0 + kEven) * w.get(wo + kEven * colStride);
                }
                out.set(outOff + r * n + c, activate(e0 + o0 + b, act));
            }
        }
    }

    private static float activate(float x, int act) {
        float y = x;
        if (act == ACT_RELU) {
            y = TornadoMath.max(x, 0f);
        } else if (act == ACT_SWISH) {
            y = x / (1f + TornadoMath.exp(-x));
        } else if (act == ACT_GELU) {
            y = 0.5f * x * (1f + erf(x * 0.70710678118654752f));
        } else if (act == ACT_GELU_NEW) {
            float inner = (x * x * x * 0.044715f + x) * 0.79788456080286536f;
            y = (TornadoMath.tanh(inner) + 1f) * x * 0.5f;
        }
        return y;
    }

    /** erf by Numerical Recipes' Chebyshev fit of erfc (relative error below 1.2e-7), as the JVM kernels. */
    private static float erf(float x) {
        float z = TornadoMath.abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = -z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                + t * (-0.82215223f + t * 0.17087277f))))))));
        float erfc = t * TornadoMath.exp(poly);
        float r = 1f - erfc;
        if (x < 0f) {
            r = erfc - 1f;
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------- add & norm

    /**
     * out[r] = LayerNorm(x[r] + residual[r]) * gamma + beta over rows of width d; one work-group per row
     * (grid-stride over rows), mean and biased variance by local-memory tree reductions. out may alias x or
     * residual: every element is read and written by the same work-item.
     * params: rows, xOff, residualOff, gammaOff, betaOff, outOff.
     */
    public static void addLayerNorm(KernelContext ctx, FloatArray x, FloatArray residual, FloatArray gamma,
                                    FloatArray beta, FloatArray out, IntArray params, int p, int d, float eps) {
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int xOff = params.get(p + 1);
        int resOff = params.get(p + 2);
        int gammaOff = params.get(p + 3);
        int betaOff = params.get(p + 4);
        int outOff = params.get(p + 5);
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        for (int row = ctx.groupIdx; row < rows; row += groups) {
            int o = row * d;
            float sum = 0f;
            for (int i = lid; i < d; i += groupSize) {
                float v = x.get(xOff + o + i) + residual.get(resOff + o + i);
                out.set(outOff + o + i, v);
                sum += v;
            }
            red[lid] = sum;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float mean = red[0] / d;
            ctx.localBarrier();
            float sq = 0f;
            for (int i = lid; i < d; i += groupSize) {
                float c = out.get(outOff + o + i) - mean;
                sq += c * c;
            }
            red[lid] = sq;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float inv = 1f / TornadoMath.sqrt(red[0] / d + eps);
            ctx.localBarrier();
            for (int i = lid; i < d; i += groupSize) {
                float c = (out.get(outOff + o + i) - mean) * inv;
                out.set(outOff + o + i, c * gamma.get(gammaOff + i) + beta.get(betaOff + i));
            }
        }
    }

    // ------------------------------------------------------------------------------------------- attention

    /**
     * Multi-head attention of query rows over key/value rows [keyStart[r], keyStart[r] + keyCount[r]) of
     * keys/values; rows have width heads·headDim and queries come pre-scaled. One work-group per (row, head)
     * (grid-stride over them): scores in local memory, softmax max and sum by local-memory tree reductions,
     * then each work-item accumulates p·v for some of the head's dimensions, in key order.
     * params: rows, qOff, keysOff, valuesOff, keyStartOff, keyCountOff (in ints), outOff.
     */
    public static void attention(KernelContext ctx, FloatArray q, FloatArray keys, FloatArray values, FloatArray out,
                                 IntArray ints, IntArray params, int p, int heads, int headDim) {
        float[] scores = ctx.allocateFloatLocalArray(MAX_KEYS);
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int qOff = params.get(p + 1);
        int keysOff = params.get(p + 2);
        int valuesOff = params.get(p + 3);
        int startOff = params.get(p + 4);
        int countOff = params.get(p + 5);
        int outOff = params.get(p + 6);
        int d = heads * headDim;
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        int units = rows * heads;
        for (int unit = ctx.groupIdx; unit < units; unit += groups) {
            int row = unit / heads;
            int h = unit - row * heads;
            int start = ints.get(startOff + row);
            int count = ints.get(countOff + row);
            int qo = qOff + row * d + h * headDim;
            int ko = keysOff + start * d + h * headDim;

            float max = -3.4028235e38f;
            for (int j = lid; j < count; j += groupSize) {
                int kj = ko + j * d;
                float s = 0f;
                for (int i = 0; i < headDim; i++) {
                    s += q.get(qo + i) * keys.get(kj + i);
                }
                scores[j] = s;
                max = TornadoMath.max(max, s);
            }
            red[lid] = max;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] = TornadoMath.max(red[lid], red[lid + stride]);
                }
            }
            ctx.localBarrier();
            float m = red[0];
            ctx.localBarrier();

            float sum = 0f;
            for (int j = lid; j < count; j += groupSize) {
                float e = TornadoMath.exp(scores[j] - m);
                scores[j] = e;
                sum += e;
            }
            red[lid] = sum;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            float inv = 1f / red[0];
            for (int j = lid; j < count; j += groupSize) {
                scores[j] = scores[j] * inv;
            }
            ctx.localBarrier();

            int vo = valuesOff + start * d + h * headDim;
            for (int i = lid; i < headDim; i += groupSize) {
                float acc = 0f;
                for (int j = 0; j < count; j++) {
                    acc += values.get(vo + j * d + i) * scores[j];
                }
                out.set(outOff + row * d + h * headDim + i, acc);
            }
            ctx.localBarrier();
        }
    }

    // ------------------------------------------------------------------------------------------- greedy choice

    /**
     * Greedy decoding's choice per row of logits (width vocab), one work-group per row: out[3r] = the index of
     * the largest entry with the row's banned ids counting as -inf (the first index on ties, as torch.argmax), or
     * the forced id when it is &gt;= 0; out[3r+1] = log-sum-exp of the raw row; out[3r+2] = the entry at the chosen
     * index (-inf if banned). params: rows, logitsOff, banStartOff, banCountOff, bansOff, forcedOff (in ints),
     * outOff.
     */
    public static void argmaxRows(KernelContext ctx, FloatArray logits, FloatArray out, IntArray ints, IntArray params,
                                  int p, int vocab) {
        float[] red = ctx.allocateFloatLocalArray(REDUCE_LOCAL);
        int[] redIndex = ctx.allocateIntLocalArray(REDUCE_LOCAL);
        int rows = params.get(p);
        int logitsOff = params.get(p + 1);
        int banStartOff = params.get(p + 2);
        int banCountOff = params.get(p + 3);
        int bansOff = params.get(p + 4);
        int forcedOff = params.get(p + 5);
        int outOff = params.get(p + 6);
        int lid = ctx.localIdx;
        int groupSize = ctx.localGroupSizeX;
        int groups = ctx.globalGroupSizeX / groupSize;
        for (int row = ctx.groupIdx; row < rows; row += groups) {
            int base = logitsOff + row * vocab;
            int banStart = bansOff + ints.get(banStartOff + row);
            int banCount = ints.get(banCountOff + row);
            float max = Float.NEGATIVE_INFINITY;
            float best = Float.NEGATIVE_INFINITY;
            int bestIndex = vocab;
            for (int i = lid; i < vocab; i += groupSize) {
                float v = logits.get(base + i);
                max = TornadoMath.max(max, v);
                float candidate = v;
                for (int b = 0; b < banCount; b++) {
                    if (ints.get(banStart + b) == i) {
                        candidate = Float.NEGATIVE_INFINITY;
                    }
                }
                if (bestIndex == vocab || candidate > best) {
                    best = candidate;
                    bestIndex = i;
                }
            }
            red[lid] = max;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] = TornadoMath.max(red[lid], red[lid + stride]);
                }
            }
            ctx.localBarrier();
            float m = red[0];
            ctx.localBarrier();

            red[lid] = best;
            redIndex[lid] = bestIndex;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    float other = red[lid + stride];
                    int otherIndex = redIndex[lid + stride];
                    boolean better = otherIndex < vocab && (redIndex[lid] == vocab || other > red[lid]
                            || (other == red[lid] && otherIndex < redIndex[lid]));
                    if (better) {
                        red[lid] = other;
                        redIndex[lid] = otherIndex;
                    }
                }
            }
            ctx.localBarrier();
            float chosen = red[0];
            int chosenIndex = redIndex[0];
            ctx.localBarrier();

            float sum = 0f;
            for (int i = lid; i < vocab; i += groupSize) {
                sum += TornadoMath.exp(logits.get(base + i) - m);
            }
            red[lid] = sum;
            for (int stride = groupSize / 2; stride > 0; stride /= 2) {
                ctx.localBarrier();
                if (lid < stride) {
                    red[lid] += red[lid + stride];
                }
            }
            ctx.localBarrier();
            if (lid == 0) {
                int forced = ints.get(forcedOff + row);
                if (forced >= 0) {
                    chosenIndex = forced;
                    chosen = logits.get(base + forced);
                }
                out.set(outOff + 3 * row, chosenIndex);
                out.set(outOff + 3 * row + 1, m + TornadoMath.log(red[0]));
                out.set(outOff + 3 * row + 2, chosen);
            }
            ctx.localBarrier();
        }
    }

    // ------------------------------------------------------------------------------------------- row moves

    /**
     * dst[rowIdx[r]] = src[r] for r &lt; rows, rows of {@code width}; {@code parts} such moves with the same row
     * indices in one launch (keys and values into their caches). params: rows, idxOff, then per part srcOff, dstOff.
     */
    public static void scatterRows(KernelContext ctx, FloatArray src, FloatArray dst, IntArray ints, IntArray params,
                                   int p, int width, int parts) {
        int rows = params.get(p);
        int idxOff = params.get(p + 1);
        int perPart = rows * width;
        int total = parts * perPart;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int part = e / perPart;
            int f = e - part * perPart;
            int r = f / width;
            int i = f - r * width;
            int srcOff = params.get(p + 2 + 2 * part);
            int dstOff = params.get(p + 3 + 2 * part);
            dst.set(dstOff + ints.get(idxOff + r) * width + i, src.get(srcOff + f));
        }
    }

    /** dst[r] = src[rowIdx[r]] for r &lt; rows, rows of {@code width}. params: rows, srcOff, idxOff, dstOff. */
    public static void gatherRows(KernelContext ctx, FloatArray src, FloatArray dst, IntArray ints, IntArray params,
                                  int p, int width) {
        int rows = params.get(p);
        int srcOff = params.get(p + 1);
        int idxOff = params.get(p + 2);
        int dstOff = params.get(p + 3);
        int total = rows * width;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            int r = e / width;
            int i = e - r * width;
            dst.set(dstOff + e, src.get(srcOff + ints.get(idxOff + r) * width + i));
        }
    }

    /**
     * A batch of independent copies inside one array (the KV-cache moves of beam search):
     * params: count, listOff; params[listOff + 3c ..] = from, to, length of copy c. No copy reads what
     * another writes, so they run in any order.
     */
    public static void copyRanges(KernelContext ctx, FloatArray buffer, IntArray params, int p) {
        int count = params.get(p);
        int list = params.get(p + 1);
        for (int c = 0; c < count; c++) {
            int from = params.get(list + 3 * c);
            int to = params.get(list + 3 * c + 1);
            int length = params.get(list + 3 * c + 2);
            for (int e = ctx.globalIdx; e < length; e += ctx.globalGroupSizeX) {
                buffer.set(to + e, buffer.get(from + e));
            }
        }
    }
}

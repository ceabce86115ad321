package io.streamformer.accelerator.backends;

import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.weights.Weights;

/**
 * Where the kernels run. Weights are uploaded once and stay resident; activations live in buffers
 * allocated once for the largest batch; a forward pass is a fixed sequence of the kernel calls below
 * over the whole batch. Sizes that change from step to step (which rows attend to which keys, token
 * ids, positions) travel in {@link IntTensor}s written before the pass, so that a backend can record
 * the sequence once and replay it (as TornadoVM task graphs do).
 *
 * <p>Row-major everywhere; every call names the row count it works on. Not thread-safe: one caller.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** The device in words, for logs and benchmark reports. */
    String device();

    FloatTensor upload(float[] data);

    /**
     * Uploads a weight matrix in its type (16- and 8-bit stay so where the backend can compute with them).
     * {@code outputScale} multiplies every output of {@link #linear} with it, after the bias: q_proj(x) × 1/sqrt(d_k),
     * as transformers scales queries.
     */
    Matrix uploadMatrix(Weights weights, float outputScale);

    FloatTensor allocate(int size);

    IntTensor allocateInts(int size);

    void write(IntTensor dst, int[] src, int count);

    void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count);

    /**
     * out[r] = table[ids[r]] * scale + positionTable[positions[r]], width table.cols(); positionTable may be null
     * (rotary models add positions inside attention).
     */
    void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale, FloatTensor positionTable,
               FloatTensor out);

    /** out[rows, w.rows()] = act((x[rows, w.cols()] · wᵀ + bias) × w's output scale); bias may be null. */
    void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out);

    /**
     * Several {@link #linear}s of the same input at once, e.g. the query, key and value projections (no activation):
     * {@code outs[i] = (x · ws[i]ᵀ + biases[i]) × ws[i]'s output scale}. A backend may run them as one kernel.
     */
    default void linears(FloatTensor x, int rows, Matrix[] ws, FloatTensor[] biases, FloatTensor[] outs) {
        for (int i = 0; i < ws.length; i++) {
            linear(x, rows, ws[i], biases[i], Activation.IDENTITY, outs[i]);
        }
    }

    /** out = LayerNorm(x + residual) · gamma + beta over rows of width gamma.size(); out may alias x. */
    default void addLayerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                              float eps, FloatTensor out) {
        layerNorm(x, residual, rows, gamma, beta, eps, null, out);
    }

    /**
     * LayerNorm over rows of width gamma.size(), after an optional residual add: s = x (+ residual, may be null);
     * sum = s when sum is non-null (a pre-norm model's residual stream); out = (s - mean)/sqrt(var + eps)·gamma +
     * beta (beta may be null). Outputs may alias inputs.
     */
    void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta, float eps,
                   FloatTensor sum, FloatTensor out);

    /** RMSNorm (Llama's) with the same residual and sum conventions as {@link #layerNorm}. */
    void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                 FloatTensor out);

    /**
     * Rotary position embedding, in place on rows [0, rows) of {@code x}, each holding {@code heads} heads of
     * {@code headDim}, at the rows' positions in the cos/sin tables ([position][headDim/2]).
     */
    void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                FloatTensor sin);

    /** out = act(gate) · up over rows of {@code width} (the gated feed-forward of Llama); out may alias gate. */
    void gatedActivation(FloatTensor gate, FloatTensor up, int rows, int width, Activation act, FloatTensor out);

    /**
     * Attention of query rows [0, rows) over key/value rows [keyStart[r], keyStart[r] + keyCount[r]) of
     * {@code keys}/{@code values}: query rows have width heads·headDim, key and value rows kvHeads·headDim (grouped
     * queries share a key/value head); scores are (q · k)·scale.
     */
    void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                   IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out);

    /** dst[dstRows[r]] = src[r] for r in [0, rows), rows of width {@code width}. */
    void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst);

    /** dst[r] = src[srcRows[r]] for r in [0, rows), rows of width {@code width}. */
    void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst);

    /** Copies {@code count} rows of {@code width} inside one buffer from row {@code from} to row {@code to}. */
    void copyRows(FloatTensor buffer, int from, int to, int count, int width);

    /** Whether this backend implements {@link #argmaxRows}, an optional op that keeps greedy decoding on the device. */
    default boolean supportsArgmax() {
        return false;
    }

    /**
     * Optional (see {@link #supportsArgmax}): the choice of greedy decoding for each row r &lt; rows of
     * {@code logits} (width {@code vocab}), written to {@code out[3r .. 3r+2]}: the index of the largest entry once
     * the entries {@code bans[banStart[r] .. banStart[r] + banCount[r])} count as -inf (the first index on ties),
     * or {@code forced[r]} when that is &gt;= 0; log(sum(exp(row))) of the raw row; the raw entry at the chosen
     * index (-inf if it is banned). Three floats per row come back instead of a vocabulary row.
     */
    default void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                            IntTensor bans, IntTensor forced, FloatTensor out) {
        throw new UnsupportedOperationException("backend '" + name() + "' has no argmax op");
    }

    @Override
    void close();
}

package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;

/**
 * The activation buffers of a pass, for up to {@code rows} tokens and {@code outRows} logits rows, allocated once in
 * the backend and reused by every layer: x is the residual stream, normed the normalised input of a pre-norm
 * sub-layer, q/k/v/attn the attention's, proj a sub-layer's output, ffn/gate the feed-forward's inner activations.
 */
public final class Workspace {
    final int rows;
    final int outRows;
    final FloatTensor x;
    final FloatTensor normed;
    final FloatTensor q;
    final FloatTensor k;
    final FloatTensor v;
    final FloatTensor attn;
    final FloatTensor proj;
    final FloatTensor ffn;
    final FloatTensor gate;
    final FloatTensor hidden;
    final FloatTensor logits;
    final BatchLayout batch;

    public Workspace(Backend backend, int rows, int outRows, int dModel, int queryDim, int kvDim, int ffnDim, boolean gated,
              int vocab) {
        this.rows = rows;
        this.outRows = outRows;
        x = backend.allocate(Math.multiplyExact(rows, dModel));
        normed = backend.allocate(rows * dModel);
        q = backend.allocate(Math.multiplyExact(rows, queryDim));
        k = backend.allocate(Math.multiplyExact(rows, kvDim));
        v = backend.allocate(rows * kvDim);
        attn = backend.allocate(rows * queryDim);
        proj = backend.allocate(rows * dModel);
        ffn = backend.allocate(Math.multiplyExact(rows, ffnDim));
        gate = gated ? backend.allocate(rows * ffnDim) : null;
        hidden = backend.allocate(Math.multiplyExact(outRows, dModel));
        logits = backend.allocate(Math.multiplyExact(outRows, vocab));
        batch = new BatchLayout(backend, rows, outRows);
    }

    public int rows() {
        return rows;
    }

    public int outRows() {
        return outRows;
    }

    public BatchLayout batch() {
        return batch;
    }

    /** Hidden states of the output rows, gathered from the pass's rows. */
    public FloatTensor hidden() {
        return hidden;
    }

    public FloatTensor logits() {
        return logits;
    }
}

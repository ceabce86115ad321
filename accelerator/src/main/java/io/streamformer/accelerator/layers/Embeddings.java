package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;

/**
 * Token embeddings (a matrix in the backend: for tied models the output projection itself), scaled, plus a position
 * table when the stack has one (sinusoidal or learned; null for rotary models).
 */
public record Embeddings(Matrix tokens, FloatTensor positions, float scale) {

    /** out[r] = tokens[ids[r]] · scale (+ positions[pos[r]]) for the batch's rows. */
    public void apply(Backend backend, BatchLayout batch, int rows, FloatTensor out) {
        backend.embed(batch.ids(), batch.positions(), rows, tokens, scale, positions, out);
    }
}

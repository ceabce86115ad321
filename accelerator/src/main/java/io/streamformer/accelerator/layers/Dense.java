package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;

/** A linear layer: a weight matrix in the backend (in its weight type, with its output scale) and an optional bias. */
public record Dense(Matrix weight, FloatTensor bias) {

    public int outputs() {
        return weight.rows();
    }

    public int inputs() {
        return weight.cols();
    }

    /** out[rows, outputs] = act((x · Wᵀ + bias) × scale). */
    public void apply(Backend backend, FloatTensor x, int rows, Activation act, FloatTensor out) {
        backend.linear(x, rows, weight, bias, act, out);
    }

    /** Several Dense layers of one input in one backend call (the query, key and value projections). */
    public static void applyAll(Backend backend, FloatTensor x, int rows, Dense[] layers, FloatTensor[] outs) {
        var matrices = new Matrix[layers.length];
        var biases = new FloatTensor[layers.length];
        for (int i = 0; i < layers.length; i++) {
            matrices[i] = layers[i].weight();
            biases[i] = layers[i].bias();
        }
        backend.linears(x, rows, matrices, biases, outs);
    }
}

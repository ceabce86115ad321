package io.streamformer.accelerator.backends;

/** A weight matrix [rows = output features, cols = input features], resident in the backend once loaded. */
public interface Matrix {
    int rows();

    int cols();
}

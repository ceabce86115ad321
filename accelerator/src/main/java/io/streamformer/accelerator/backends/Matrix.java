package io.streamformer.accelerator.backends;

import io.streamformer.accelerator.weights.WeightType;

/**
 * A weight matrix [rows = output features, cols = input features], resident in the backend once loaded, in the
 * type the backend keeps it in.
 */
public interface Matrix {
    int rows();

    int cols();

    /** The type the backend holds it in (a backend may widen what it cannot compute with, e.g. f16 on PoCL). */
    WeightType type();

    /** Bytes it occupies in the backend. */
    long bytes();
}

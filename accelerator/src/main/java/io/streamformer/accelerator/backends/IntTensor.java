package io.streamformer.accelerator.backends;

/** A flat int buffer owned by a backend: token ids, positions, row indices, attention ranges. */
public interface IntTensor {
    int size();
}

package io.streamformer.accelerator.backends;

/** A flat float buffer owned by a backend (host memory for jvm, device memory for an accelerator). */
public interface FloatTensor {
    int size();
}

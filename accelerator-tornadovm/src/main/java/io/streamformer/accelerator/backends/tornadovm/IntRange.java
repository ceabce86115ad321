package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.IntTensor;

/** An int tensor (token ids, positions, attention ranges, row indices): a range of the int array. */
final class IntRange implements IntTensor {
    final int size;
    /** Set once by the allocator (the tensor is the owner it tracks). */
    int offset = -1;

    IntRange(int size) {
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;

/** An activation or KV-cache tensor: a range of the activation arena (array slot 0). */
final class ArenaTensor implements FloatTensor {
    final int size;
    /** Set once by the allocator (the tensor is the owner it tracks). */
    int offset = -1;

    ArenaTensor(int size) {
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }
}

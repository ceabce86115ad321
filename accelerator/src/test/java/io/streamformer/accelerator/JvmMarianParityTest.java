package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.jvm.JvmBackend;

class JvmMarianParityTest extends MarianParityContract {
    @Override
    protected Backend newBackend() {
        return new JvmBackend(2);
    }
}

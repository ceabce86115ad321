package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.jvm.JvmBackend;

/** The weight-type contract on the JVM backend, which computes with every type as it is held. */
class JvmWeightTypesTest extends WeightTypesContract {
    @Override
    protected Backend newBackend() {
        return new JvmBackend(2);
    }
}

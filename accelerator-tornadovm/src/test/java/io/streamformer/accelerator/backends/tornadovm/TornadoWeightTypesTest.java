package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.WeightTypesContract;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;
import io.streamformer.accelerator.format.DType;

/**
 * The weight-type contract on the TornadoVM backend: f16 stays 16-bit on the device (widened exactly in the kernels,
 * so it computes what its f32 widening computes), bf16 is widened to f32 at upload, int8 stays 8-bit with its row
 * scales.
 */
class TornadoWeightTypesTest extends WeightTypesContract {
    @Override
    protected Backend newBackend() {
        return Backends.create("tornadovm", null);
    }

    @Override
    protected String heldTypeOf(DType half) {
        return half == DType.F16 ? "f16" : "f32";
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;

/** An fp32 weight vector (bias, norm, position or rotary table, a matrix's epilogue) in a weight chunk. */
final class WeightVector extends WeightRange implements FloatTensor {

    WeightVector(float[] data) {
        super(Elements.FLOATS, data, data.length);
    }

    @Override
    public int size() {
        return length;
    }
}

package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.MarianParityContract;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;

/**
 * The Hugging Face parity tests on the TornadoVM backend (default device), run with
 * tornado.recover.bailout=False so that a silent fallback to sequential Java fails instead of passing.
 */
class TornadoMarianParityTest extends MarianParityContract {
    @Override
    protected Backend newBackend() {
        return Backends.create("tornadovm", null);
    }

    @Override
    protected double logitsTolerance() {
        return 1e-3;
    }
}

package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;

/** A LayerNorm (gamma, beta) or an RMSNorm (gamma alone). */
public record Norm(TransformerSpec.NormKind kind, FloatTensor gamma, FloatTensor beta, float eps) {

    /**
     * out = norm(x + residual) (residual may be null); when {@code sum} is non-null it receives x + residual too (the
     * residual stream of a pre-norm model). Outputs may alias inputs.
     */
    public void apply(Backend backend, FloatTensor x, FloatTensor residual, int rows, FloatTensor sum,
                      FloatTensor out) {
        if (kind == TransformerSpec.NormKind.RMS_NORM) {
            backend.rmsNorm(x, residual, rows, gamma, eps, sum, out);
        } else {
            backend.layerNorm(x, residual, rows, gamma, beta, eps, sum, out);
        }
    }
}

package io.streamformer.accelerator.models;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.weights.WeightPolicy;

/**
 * One model_type's loader: its config.json read and checked, the tensors it implies, and the layers built from
 * them. What differs between architectures is only this: weight names, shapes and wiring.
 */
public interface Architecture {

    ModelInfo info();

    /** Every tensor the config implies (may depend on the checkpoint's naming, e.g. GPT-2's optional prefix). */
    TensorPlan tensors(Checkpoint checkpoint);

    /** Builds the model from a checkpoint that {@link #tensors} validated. */
    TransformerModel load(Checkpoint checkpoint, Backend backend, WeightPolicy policy, ProgressListener progress);
}

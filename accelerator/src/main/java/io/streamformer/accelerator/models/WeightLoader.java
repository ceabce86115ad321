package io.streamformer.accelerator.models;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.layers.Dense;
import io.streamformer.accelerator.layers.Norm;
import io.streamformer.accelerator.layers.TransformerSpec;
import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightPolicy;
import io.streamformer.accelerator.weights.Weights;

/**
 * Reads a checkpoint's tensors one at a time (in their stored type, converted as the policy says), uploads them and
 * reports progress; only one tensor is on the heap besides what the backend keeps. The architectures' loaders use
 * it to build their layers.
 */
public final class WeightLoader {
    private final Checkpoint checkpoint;
    private final Backend backend;
    private final WeightPolicy policy;
    private final ProgressListener progress;
    private final long total;
    private long done;

    public WeightLoader(Checkpoint checkpoint, Backend backend, WeightPolicy policy, ProgressListener progress,
                        long total) {
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.policy = policy;
        this.progress = progress;
        this.total = total;
    }

    public Backend backend() {
        return backend;
    }

    public boolean has(String name) {
        return checkpoint.info(name) != null;
    }

    /** A matrix as stored, [rows][cols], counted as loaded. */
    public Weights read(String name, int rows, int cols) {
        Weights w = checkpoint.readWeights(name, rows, cols);
        progress.progress(++done, total, name);
        return w;
    }

    /** A stored matrix converted as the policy says and uploaded. */
    public Matrix upload(Weights stored, String name, float outputScale) {
        return backend.uploadMatrix(WeightConversions.convert(stored, policy.typeFor(stored.type()), name),
                outputScale);
    }

    public Matrix matrix(String name, int rows, int cols, float outputScale) {
        return upload(read(name, rows, cols), name, outputScale);
    }

    public FloatTensor vector(String name) {
        FloatTensor t = backend.upload(checkpoint.readFloats(name));
        progress.progress(++done, total, name);
        return t;
    }

    /** A stored vector's values, counted as loaded (for splitting a fused bias). */
    public float[] floats(String name) {
        float[] v = checkpoint.readFloats(name);
        progress.progress(++done, total, name);
        return v;
    }

    /** {@code prefix}weight [outputs][inputs] and, when {@code bias}, {@code prefix}bias. */
    public Dense dense(String prefix, int outputs, int inputs, boolean bias, float outputScale) {
        Matrix w = matrix(prefix + "weight", outputs, inputs, outputScale);
        return new Dense(w, bias ? vector(prefix + "bias") : null);
    }

    public Dense dense(String prefix, int outputs, int inputs, boolean bias) {
        return dense(prefix, outputs, inputs, bias, 1f);
    }

    public Norm layerNorm(String prefix, float eps) {
        return new Norm(TransformerSpec.NormKind.LAYER_NORM, vector(prefix + "weight"), vector(prefix + "bias"), eps);
    }

    public Norm rmsNorm(String prefix, float eps) {
        return new Norm(TransformerSpec.NormKind.RMS_NORM, vector(prefix + "weight"), null, eps);
    }
}

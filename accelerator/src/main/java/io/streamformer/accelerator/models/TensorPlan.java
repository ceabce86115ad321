package io.streamformer.accelerator.models;

import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.format.TensorInfo;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every tensor a model's config implies, with its shape: checked against the checkpoint's headers before a single
 * value is read, so that a model file that does not match its config is refused with the tensor named.
 */
public final class TensorPlan {
    private final String config;
    private final Map<String, long[]> required = new LinkedHashMap<>();
    private final Map<String, long[]> optional = new LinkedHashMap<>();

    /** @param config the config's shape in words, for messages ("config.json: 2 layers") */
    public TensorPlan(String config) {
        this.config = config;
    }

    public TensorPlan require(String name, long... shape) {
        required.put(name, shape);
        return this;
    }

    /** A tensor the checkpoint may lack (a table the loader can compute); checked when present. */
    public TensorPlan optional(String name, long... shape) {
        optional.put(name, shape);
        return this;
    }

    /** The required tensors and their shapes, in load order. */
    public Map<String, long[]> required() {
        return java.util.Collections.unmodifiableMap(required);
    }

    /** Tensors to load (the required ones), for progress. */
    public int size() {
        return required.size();
    }

    /** Parameters of the required tensors. */
    public long parameterCount() {
        long n = 0;
        for (long[] shape : required.values()) {
            n += Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }
        return n;
    }

    /** Checks presence, dtype and shape of every tensor; throws on the first problem. */
    public void validate(Checkpoint checkpoint) {
        for (Map.Entry<String, long[]> e : required.entrySet()) {
            TensorInfo info = checkpoint.info(e.getKey());
            if (info == null) {
                throw new ModelFormatException(checkpoint.fileOf(e.getKey()) + ": missing tensor '" + e.getKey()
                        + "' (" + config + ")");
            }
            check(checkpoint.fileOf(e.getKey()), info, e.getValue());
        }
        for (Map.Entry<String, long[]> e : optional.entrySet()) {
            TensorInfo info = checkpoint.info(e.getKey());
            if (info != null) {
                check(checkpoint.fileOf(e.getKey()), info, e.getValue());
            }
        }
    }

    private static void check(String file, TensorInfo info, long[] shape) {
        if (!info.dtype().loadableAsFloat()) {
            throw new ModelFormatException(file + ": tensor '" + info.name() + "' has dtype " + info.dtype()
                    + ", expected F32, F16 or BF16");
        }
        if (!info.hasShape(shape)) {
            throw new ModelFormatException(file + ": tensor '" + info.name() + "' has shape " + info.shapeString()
                    + " but config.json implies " + Arrays.toString(shape));
        }
    }
}

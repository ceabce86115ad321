package io.streamformer.accelerator.weights;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which {@link WeightType} a model's matrices get at load: {@code auto} keeps each tensor's type in the file
 * (16-bit stays 16-bit), the others convert: {@code f32} widens (exact), {@code f16}/{@code bf16} round once,
 * {@code int8} quantizes each output row. Vectors (biases, norms) and position tables are always fp32.
 */
public enum WeightPolicy {
    AUTO(null), F32(WeightType.F32), F16(WeightType.F16), BF16(WeightType.BF16), INT8(WeightType.I8);

    private final WeightType target;

    WeightPolicy(WeightType target) {
        this.target = target;
    }

    /** The type a matrix stored as {@code stored} gets. */
    public WeightType typeFor(WeightType stored) {
        return target == null ? stored : target;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses auto, f32, f16, bf16 or int8 (any case). */
    public static WeightPolicy parse(String name) {
        for (WeightPolicy p : values()) {
            if (p.cliName().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown weight type '" + name + "' (known: " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(WeightPolicy::cliName).collect(Collectors.joining(", "));
    }
}

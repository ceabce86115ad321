package io.streamformer.accelerator.weights;

import java.util.Locale;

/**
 * How a weight matrix is held in memory. Kernels widen every type to fp32 in registers: F16 and BF16 exactly, I8 as
 * {@code q × scale} of its row; activations and accumulations stay fp32.
 */
public enum WeightType {
    F32(4), F16(2), BF16(2),
    /** Symmetric int8 per output row (CTranslate2's scheme): w ≈ q × scale[row], q in [-127, 127]. */
    I8(1);

    private final int bytes;

    WeightType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per weight (I8 adds one fp32 scale per row). */
    public int bytes() {
        return bytes;
    }

    /** The name users write: f32, f16, bf16, int8. */
    public String cliName() {
        return this == I8 ? "int8" : name().toLowerCase(Locale.ROOT);
    }
}

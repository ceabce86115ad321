package io.streamformer.accelerator.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** Element types of safetensors files. Only the floating types can be computed with (in fp32). */
public enum DType {
    F64(8, false), F32(4, true), F16(2, true), BF16(2, true),
    I64(8, false), I32(4, false), I16(2, false), I8(1, false), U8(1, false), BOOL(1, false);

    private final int bytes;
    private final boolean loadableAsFloat;

    DType(int bytes, boolean loadableAsFloat) {
        this.bytes = bytes;
        this.loadableAsFloat = loadableAsFloat;
    }

    public int bytes() {
        return bytes;
    }

    public boolean loadableAsFloat() {
        return loadableAsFloat;
    }

    public static Optional<DType> parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Converts {@code count} little-endian elements of this type to fp32. */
    public void toFloats(ByteBuffer src, float[] dst, int count) {
        ByteBuffer le = src.order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32 -> le.asFloatBuffer().get(dst, 0, count);
            case F16 -> {
                var halfs = le.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = Float.float16ToFloat(halfs.get(i));
                }
            }
            case BF16 -> {
                var halfs = le.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    dst[i] = Float.intBitsToFloat((halfs.get(i) & 0xFFFF) << 16);
                }
            }
            default -> throw new IllegalStateException(this + " cannot be loaded as float");
        }
    }
}

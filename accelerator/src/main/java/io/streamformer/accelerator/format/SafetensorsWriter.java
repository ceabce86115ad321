package io.streamformer.accelerator.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Writes fp32 data as a safetensors file in F32, F16 or BF16 (rounded to nearest even). A tensor's values may be
 * supplied when it is written, so that a large checkpoint never needs more than one tensor in memory.
 */
public final class SafetensorsWriter {

    private record Entry(String name, long[] shape, long size, Supplier<float[]> data) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final DType dtype;

    public SafetensorsWriter(DType dtype) {
        if (!dtype.loadableAsFloat()) {
            throw new IllegalArgumentException("cannot write " + dtype);
        }
        this.dtype = dtype;
    }

    public SafetensorsWriter add(String name, float[] data, long... shape) {
        if (size(shape) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        entries.add(new Entry(name, shape, data.length, () -> data));
        return this;
    }

    /** A tensor whose values {@code data} makes when the file is written. */
    public SafetensorsWriter add(String name, long[] shape, Supplier<float[]> data) {
        entries.add(new Entry(name, shape.clone(), size(shape), data));
        return this;
    }

    private static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public void write(Path file) throws IOException {
        write(file, name -> { });
    }

    /** Writes the file; {@code written} hears each tensor's name once its bytes are out. */
    public void write(Path file, Consumer<String> written) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.shape()) {
                shape.add(d);
            }
            long bytes = e.size() * dtype.bytes();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(headerBytes);
            while (head.hasRemaining()) {
                head.put((byte) ' ');
            }
            writeFully(out, head.flip());
            for (Entry e : entries) {
                float[] data = e.data().get();
                if (data.length != e.size()) {
                    throw new IllegalStateException(e.name() + ": " + data.length + " values for shape "
                            + java.util.Arrays.toString(e.shape()));
                }
                for (int from = 0; from < data.length; from += CHUNK) {
                    writeFully(out, encode(data, from, Math.min(data.length, from + CHUNK)));
                }
                written.accept(e.name());
            }
        }
    }

    private static final int CHUNK = 1 << 20;

    private ByteBuffer encode(float[] data, int from, int to) {
        ByteBuffer buf = ByteBuffer.allocate((to - from) * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            float v = data[i];
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case F16 -> buf.putShort(Float.floatToFloat16(v));
                case BF16 -> buf.putShort(toBfloat16(v));
                default -> throw new IllegalStateException();
            }
        }
        return buf.flip();
    }

    /** fp32 to bf16 with round-to-nearest-even, as torch does. */
    public static short toBfloat16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }
}

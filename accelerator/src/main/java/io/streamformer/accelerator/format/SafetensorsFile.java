package io.streamformer.accelerator.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.Weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header that maps
 * tensor names to dtype, shape and data offsets, then the raw data. The whole layout is checked when
 * the file is opened, so that a damaged file is refused before any tensor is read.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** A key given twice is refused: which of the two a reader would take is not defined. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).build();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    public static SafetensorsFile open(Path path) {
        String file = path.getFileName().toString();
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot open: " + e.getMessage(), e);
        }
        try {
            long fileSize = channel.size();
            if (fileSize < 8) {
                throw new ModelFormatException(file + ": truncated file: " + fileSize
                        + " bytes, too short for the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > fileSize - 8) {
                throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                        + " lies beyond the end of the file (" + fileSize + " bytes)");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            long dataStart = 8 + headerLength;
            Map<String, TensorInfo> tensors = parseHeader(file, headerBytes.array(), fileSize - dataStart);
            return new SafetensorsFile(path, channel, dataStart, tensors);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(String file, byte[] header, long dataSize) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file + ": header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file + ": header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            TensorInfo info = parseEntry(file, entry.getKey(), entry.getValue(), dataSize);
            tensors.put(info.name(), info);
        }
        checkNoOverlaps(file, tensors.values());
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseEntry(String file, String name, JsonNode node, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new ModelFormatException(where + ": entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(where + ": missing dtype");
        }
        DType dtype = DType.parse(dtypeNode.asText()).orElseThrow(() -> new ModelFormatException(
                where + ": unknown dtype '" + dtypeNode.asText() + "' (known: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"));
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelFormatException(where + ": missing shape");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw new ModelFormatException(where + ": invalid shape " + shapeNode);
            }
            shape[i] = d.asLong();
            elements = elements > dataSize ? elements : elements * Math.min(shape[i], dataSize + 1);
        }
        // capped at dataSize + 1 (no overflow): any shape with more elements than the data has bytes is refused below
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new ModelFormatException(where + ": missing or invalid data_offsets");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new ModelFormatException(where + ": data offsets [" + begin + ", " + end
                    + ") lie outside the data section (" + dataSize + " bytes; truncated file?)");
        }
        long expectedBytes = elements > dataSize ? Long.MAX_VALUE : elements * dtype.bytes();
        if (end - begin != expectedBytes) {
            throw new ModelFormatException(where + ": shape " + shapeNode + " of " + dtype + " needs "
                    + (expectedBytes == Long.MAX_VALUE ? "more bytes than the file has" : expectedBytes + " bytes")
                    + " but its data offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlaps(String file, Iterable<TensorInfo> all) {
        List<TensorInfo> sorted = new ArrayList<>();
        all.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end() && cur.end() > cur.begin()) {
                throw new ModelFormatException(file + ": tensors '" + prev.name() + "' and '" + cur.name()
                        + "' overlap (bytes [" + cur.begin() + ", " + Math.min(prev.end(), cur.end()) + "))");
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public TensorInfo info(String name) {
        return tensors.get(name);
    }

    /** Reads a tensor as fp32, converting F16 and BF16. The mapping is released when the GC drops it. */
    public float[] readFloats(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException(path.getFileName() + ": missing tensor '" + name + "'");
        }
        if (!info.dtype().loadableAsFloat()) {
            throw new ModelFormatException(path.getFileName() + ": tensor '" + name + "' has dtype "
                    + info.dtype() + ", expected F32, F16 or BF16");
        }
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path.getFileName() + ": tensor '" + name + "' has " + count
                    + " elements, more than one array can hold");
        }
        float[] out = new float[(int) count];
        if (count == 0) {
            return out;
        }
        try {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(),
                    info.end() - info.begin());
            info.dtype().toFloats(mapped, out, (int) count);
        } catch (IOException e) {
            throw new ModelFormatException(path.getFileName() + ": cannot read tensor '" + name + "': "
                    + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Reads a 2-D tensor as a weight matrix in its stored type (F32, F16 or BF16), refusing values that are not
     * finite. Checks the shape against {@code rows × cols}.
     */
    public Weights readWeights(String name, int rows, int cols) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException(path.getFileName() + ": missing tensor '" + name + "'");
        }
        if ((long) rows * cols != info.elementCount()) {
            throw new ModelFormatException(path.getFileName() + ": tensor '" + name + "' has shape "
                    + info.shapeString() + ", not [" + rows + ", " + cols + "]");
        }
        Weights w = switch (info.dtype()) {
            case F32 -> new Weights.F32(readFloats(name), rows, cols);
            case F16 -> new Weights.F16(readShorts(info), rows, cols);
            case BF16 -> new Weights.BF16(readShorts(info), rows, cols);
            default -> throw new ModelFormatException(path.getFileName() + ": tensor '" + name + "' has dtype "
                    + info.dtype() + ", expected F32, F16 or BF16");
        };
        try {
            WeightConversions.requireFinite(w, name);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(path.getFileName() + ": " + e.getMessage());
        }
        return w;
    }

    private short[] readShorts(TensorInfo info) {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path.getFileName() + ": tensor '" + info.name() + "' has " + count
                    + " elements, more than one array can hold");
        }
        short[] out = new short[(int) count];
        if (count == 0) {
            return out;
        }
        try {
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(),
                    info.end() - info.begin());
            mapped.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        } catch (IOException e) {
            throw new ModelFormatException(path.getFileName() + ": cannot read tensor '" + info.name() + "': "
                    + e.getMessage(), e);
        }
        return out;
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing; the original error is the one worth reporting
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}

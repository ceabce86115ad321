package io.streamformer.accelerator.format;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.weights.Weights;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a model directory: one {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} names (what save_pretrained writes for large models). Every shard is opened
 * and checked when the checkpoint is, and every tensor the index lists must be in the shard it names, so a missing
 * or damaged shard is refused before any tensor is read.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private Checkpoint(List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Whether the directory holds weights in one of the two layouts. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(SINGLE)) || Files.isRegularFile(dir.resolve(INDEX));
    }

    public static Checkpoint open(Path dir) {
        if (Files.isRegularFile(dir.resolve(SINGLE))) {
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE));
            Map<String, SafetensorsFile> by = new LinkedHashMap<>();
            f.tensors().keySet().forEach(name -> by.put(name, f));
            return new Checkpoint(List.of(f), by);
        }
        JsonNode index = JsonFiles.readObject(dir.resolve(INDEX));
        JsonNode map = index.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelFormatException(INDEX + ": missing field 'weight_map' (tensor name -> shard file)");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new ModelFormatException(INDEX + ": weight_map['" + e.getKey() + "'] is not a file name");
                }
                String shard = e.getValue().asText();
                Path file = dir.resolve(shard).normalize();
                if (!file.getParent().equals(dir.normalize())) {
                    throw new ModelFormatException(INDEX + ": weight_map['" + e.getKey() + "'] names " + shard
                            + ", not a file of the model directory");
                }
                SafetensorsFile f = shards.get(shard);
                if (f == null) {
                    if (!Files.isRegularFile(file)) {
                        throw new ModelFormatException(INDEX + ": shard " + shard + " (of tensor '" + e.getKey()
                                + "') is missing from " + dir);
                    }
                    f = SafetensorsFile.open(file);
                    shards.put(shard, f);
                }
                if (f.info(e.getKey()) == null) {
                    throw new ModelFormatException(shard + ": missing tensor '" + e.getKey() + "' (" + INDEX
                            + " places it there)");
                }
                by.put(e.getKey(), f);
            }
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(new ArrayList<>(shards.values()), by);
    }

    /** The tensor's header entry, or null when the checkpoint has no such tensor. */
    public TensorInfo info(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? null : f.info(name);
    }

    /** The file a tensor is in, for error messages ("model-00002-of-00003.safetensors: ..."). */
    public String fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? (files.size() == 1 ? files.get(0).path().getFileName().toString() : INDEX)
                : f.path().getFileName().toString();
    }

    /** Every tensor name. */
    public Iterable<String> names() {
        return byTensor.keySet();
    }

    public float[] readFloats(String name) {
        return file(name).readFloats(name);
    }

    public Weights readWeights(String name, int rows, int cols) {
        return file(name).readWeights(name, rows, cols);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new ModelFormatException(fileOf(name) + ": missing tensor '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}

package io.streamformer.accelerator.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.format.DType;
import io.streamformer.accelerator.format.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Model directories with random weights, drawn as transformers initialises them (matrices N(0, std), norm weights 1,
 * biases 0), for benchmarks and tests that need a model's shape but no download. Any architecture: the tensors come
 * from its {@link TensorPlan}. Tensors are made one at a time while the file is written.
 */
public final class RandomCheckpoints {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RandomCheckpoints() {
    }

    /** Writes config.json, generation_config.json and model.safetensors for {@code config}'s architecture. */
    public static void write(Path dir, ObjectNode config, ObjectNode generationConfig, DType dtype, long seed,
                             double std, ProgressListener progress) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve(ModelDirectory.CONFIG).toFile(), config);
        JSON.writeValue(dir.resolve(ModelDirectory.GENERATION_CONFIG).toFile(), generationConfig);
        TensorPlan plan = ModelDirectory.architectureOf(config).tensors(null);
        writeWeights(plan, dir.resolve(Checkpoint.SINGLE), dtype, seed, std, Map.of(), progress);
    }

    /**
     * Writes every tensor of {@code plan}: norm weights (1-D "...norm...weight", "ln_...weight") get ones, other 1-D
     * tensors and [1, n] rows (biases) zeros, matrices N(0, std) from one random stream in plan order;
     * {@code zeroRows} zeroes a row of a matrix (a padding token's embedding).
     */
    public static void writeWeights(TensorPlan plan, Path file, DType dtype, long seed, double std,
                                    Map<String, Integer> zeroRows, ProgressListener progress) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        SafetensorsWriter writer = new SafetensorsWriter(dtype);
        for (Map.Entry<String, long[]> t : plan.required().entrySet()) {
            String name = t.getKey();
            long[] shape = t.getValue();
            writer.add(name, shape, () -> values(name, shape, random, std, zeroRows.get(name)));
        }
        long[] done = {0};
        long total = plan.size();
        writer.write(file, name -> progress.progress(++done[0], total, name));
    }

    private static float[] values(String name, long[] shape, SplittableRandom random, double std, Integer zeroRow) {
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        float[] data = new float[Math.toIntExact(n)];
        if (shape.length == 1) {
            if (name.endsWith("weight") && (name.contains("norm") || name.contains("ln_"))) {
                Arrays.fill(data, 1f);
            }
            return data;
        }
        if (shape[0] == 1) {
            return data; // a bias row (Marian's final_logits_bias)
        }
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * std);
        }
        if (zeroRow != null) {
            int cols = (int) shape[1];
            Arrays.fill(data, zeroRow * cols, (zeroRow + 1) * cols, 0f);
        }
        return data;
    }
}

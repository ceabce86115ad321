package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.ProfilingBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.models.TransformerModel;
import io.streamformer.accelerator.scheduler.StepReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code bench}: generation throughput on random sources (a language model: random prompts), exactly
 * {@code --new-tokens} per sequence (EOS is held back until then), after warm-up runs that let the JIT compile the
 * kernels.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure generated tokens per second; prints one JSON line ending with \"tokens_per_s\".")
public final class BenchCommand implements Callable<Integer> {

    @Mixin
    CommonOptions common;

    @Option(names = "--batch-size", defaultValue = "1", paramLabel = "B")
    int batchSize;

    @Option(names = "--beams", defaultValue = "1", paramLabel = "N")
    int beams;

    @Option(names = "--src-len", defaultValue = "24", paramLabel = "L",
            description = "Source length in tokens (a language model: prompt length).")
    int srcLen;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "T", description = "Tokens generated per sequence.")
    int newTokens;

    @Option(names = "--warmup", defaultValue = "5", paramLabel = "N",
            description = "Untimed runs first, until the JIT has compiled the kernels (default 5).")
    int warmup;

    @Option(names = "--iterations", defaultValue = "5", paramLabel = "N", description = "Timed runs (default 5).")
    int iterations;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Seed of the random sources.")
    long seed;

    @Override
    public Integer call() {
        if (batchSize < 1 || beams < 1 || srcLen < 1 || newTokens < 1 || iterations < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch-size, --beams, --src-len, --new-tokens and --iterations"
                    + " must be positive");
        }
        try (Engine engine = common.loadEngine()) {
            var info = engine.info();
            SplittableRandom random = new SplittableRandom(seed);
            List<int[]> sources = new ArrayList<>();
            for (int b = 0; b < batchSize; b++) {
                sources.add(info.randomInput(random, srcLen));
            }
            // greedy (or beam search) even where the model's defaults sample, e.g. Llama 3.2's
            GenerationParams params = engine.generationConfig().resolve(new GenerationOverrides(newTokens, newTokens,
                    beams, false, null, null, null, null, null, null), engine.promptLength(sources.get(0)));
            for (int i = 0; i < warmup; i++) {
                System.err.printf("bench: warm-up %d/%d%n", i + 1, warmup);
                engine.generate(sources, params, batchSize, null);
            }
            if (engine.model() instanceof TransformerModel m && m.backend() instanceof ProfilingBackend p) {
                p.reset(); // time the timed runs only
            }
            long totalNanos = 0;
            long stepNanos = 0;
            long steps = 0;
            for (int i = 0; i < iterations; i++) {
                long[] stepStats = new long[2];
                long start = System.nanoTime();
                engine.generate(sources, params, batchSize, (StepReport r) -> {
                    stepStats[0] += r.nanos();
                    stepStats[1]++;
                });
                long elapsed = System.nanoTime() - start;
                totalNanos += elapsed;
                stepNanos += stepStats[0];
                steps += stepStats[1];
                System.err.printf("bench: run %d/%d: %.3f s, %.1f tokens/s%n", i + 1, iterations, elapsed / 1e9,
                        (double) batchSize * newTokens / (elapsed / 1e9));
            }
            double seconds = totalNanos / 1e9 / iterations;
            // every decoding step reads the decoder's and the output projection's weights once
            double weightReadGbPerS = engine.model().stepWeightBytes() * (double) newTokens / seconds / 1e9;
            ObjectNode json = JsonLines.JSON.createObjectNode();
            json.put("backend", common.backend)
                    .put("device", engine.model() instanceof TransformerModel m ? m.backend().device() : "")
                    .put("architecture", info.architecture())
                    .put("model", common.model.toString()).put("parameters", info.parameterCount())
                    .put("weights", engine.model().weightTypes()).put("weight_bytes", engine.model().weightBytes())
                    .put("step_weight_bytes", engine.model().stepWeightBytes())
                    .put("batch_size", batchSize).put("beams", beams).put("src_len", srcLen)
                    .put("new_tokens", newTokens).put("iterations", iterations)
                    .put("seconds_per_run", round(seconds)).put("step_ms", round(stepNanos / 1e6 / steps))
                    .put("weight_read_gb_per_s", round(weightReadGbPerS))
                    .put("tokens_per_s", round(batchSize * (double) newTokens / seconds));
            System.out.println(JsonLines.JSON.writeValueAsString(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}

package io.streamformer.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.decoding.GenerationConfig;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.DecoderInput;
import io.streamformer.accelerator.models.EncoderInput;
import io.streamformer.accelerator.layers.KvCache;
import io.streamformer.accelerator.models.ModelDirectory;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.models.Model;
import io.streamformer.accelerator.scheduler.DecodingScheduler;
import io.streamformer.accelerator.scheduler.GenerationRequest;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.accelerator.scheduler.StepReport;
import io.streamformer.accelerator.scheduler.StopCondition;
import io.streamformer.accelerator.weights.WeightPolicy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A loaded model and its generation defaults: the entry point for the CLI, benchmarks and the Kafka app.
 * One engine per JVM; the weights are loaded once and shared by every batch.
 */
public final class Engine implements AutoCloseable {
    private final Path modelDir;
    private final Model model;
    private final GenerationConfig generationConfig;

    private Engine(Path modelDir, Model model, GenerationConfig generationConfig) {
        this.modelDir = modelDir;
        this.model = model;
        this.generationConfig = generationConfig;
    }

    /** Validates the whole directory, then loads the weights into the backend in their stored types. */
    public static Engine load(Path dir, Backend backend, ProgressListener progress) {
        return load(dir, backend, WeightPolicy.AUTO, progress);
    }

    /** Validates the whole directory, then loads the weights into the backend as {@code weights} says. */
    public static Engine load(Path dir, Backend backend, WeightPolicy weights, ProgressListener progress) {
        ModelDirectory md = ModelDirectory.open(dir);
        md.validateWeights();
        JsonNode genJson = md.generationConfigJson();
        ModelInfo info = md.info();
        // generation settings are checked before the weights take time and memory
        GenerationConfig gen = genJson != null
                ? GenerationConfig.fromJson(genJson, ModelDirectory.GENERATION_CONFIG, info)
                : GenerationConfig.fromJson(md.configJson(), ModelDirectory.CONFIG, info);
        Model model = md.load(backend, weights, progress);
        return new Engine(dir, model, gen);
    }

    public Path modelDir() {
        return modelDir;
    }

    public Model model() {
        return model;
    }

    public ModelInfo info() {
        return model.info();
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public DecodingScheduler newScheduler(SchedulerLimits limits) {
        return new DecodingScheduler(model, limits);
    }

    /** Whether the model is an encoder-decoder (sources are encoded) rather than a language model (prompts). */
    public boolean encoderDecoder() {
        return model.info().encoderDecoder();
    }

    /** The decoder prompt's length for these input ids: 1 (the start token) for an encoder-decoder, else the prompt. */
    public int promptLength(int[] inputIds) {
        return encoderDecoder() ? 1 : inputIds.length;
    }

    /** The model's generation defaults with the call's overrides, for these input ids. */
    public GenerationParams params(GenerationOverrides overrides, int[] inputIds) {
        return generationConfig.resolve(overrides, promptLength(inputIds));
    }

    /**
     * Generates for every source (an encoder-decoder's) or prompt (a language model's), at most {@code batchSize}
     * requests in the running batch at once (continuous batching), and returns the results in input order.
     */
    public List<GenerationResult> generate(List<int[]> sources, GenerationParams params, int batchSize,
                                           Consumer<StepReport> onStep) {
        return generate(sources, sources.stream().map(s -> params).toList(), batchSize, onStep);
    }

    /** As {@link #generate(List, GenerationParams, int, Consumer)} with settings of their own per input. */
    public List<GenerationResult> generate(List<int[]> sources, List<GenerationParams> params, int batchSize,
                                           Consumer<StepReport> onStep) {
        return generate(sources, params, null, batchSize, onStep);
    }

    /**
     * As {@link #generate(List, List, int, Consumer)}, each input with its stop condition ({@code stops} may be null,
     * or hold nulls: no stop strings).
     */
    public List<GenerationResult> generate(List<int[]> sources, List<GenerationParams> params,
                                           List<? extends StopCondition> stops, int batchSize,
                                           Consumer<StepReport> onStep) {
        int maxSource = 1;
        int maxDecoder = 2;
        int beams = 1;
        for (int i = 0; i < sources.size(); i++) {
            int[] s = sources.get(i);
            maxSource = Math.max(maxSource, s.length);
            maxDecoder = Math.max(maxDecoder, params.get(i).maxLength(promptLength(s)));
            beams = Math.max(beams, params.get(i).numBeams());
        }
        SchedulerLimits limits = SchedulerLimits.forBatch(Math.max(1, Math.min(batchSize, sources.size())),
                beams, maxSource, maxDecoder);
        GenerationResult[] results = new GenerationResult[sources.size()];
        try (DecodingScheduler scheduler = newScheduler(limits)) {
            for (int i = 0; i < sources.size(); i++) {
                scheduler.submit(new GenerationRequest(Integer.toString(i), sources.get(i), params.get(i), null, null,
                        stops == null ? null : stops.get(i)));
            }
            while (!scheduler.isIdle()) {
                StepReport report = scheduler.step();
                for (StepReport.Completion c : report.completed()) {
                    results[Integer.parseInt(c.request().id())] = c.result();
                }
                if (!report.failed().isEmpty()) {
                    throw new IllegalArgumentException(report.failed().get(0).reason());
                }
                if (onStep != null) {
                    onStep.accept(report);
                }
            }
        }
        return Arrays.asList(results);
    }

    /**
     * One teacher-forced forward pass: logits for every decoder position, [decoderIds.length][vocab]. A language
     * model takes its input ids as the decoder ids ({@code decoderIds} must be null) and returns a row per input id.
     */
    public float[][] forward(int[] inputIds, int[] decoderIds) {
        ModelInfo info = model.info();
        if (!info.encoderDecoder()) {
            if (decoderIds != null) {
                throw new IllegalArgumentException(info.architecture() + " is a decoder-only model: it takes"
                        + " input_ids alone, not decoder_input_ids");
            }
            decoderIds = inputIds;
        }
        try (KvCache cache = model.newCache(1, 1, inputIds.length, decoderIds.length)) {
            if (info.encoderDecoder()) {
                model.encode(cache, List.of(new EncoderInput(0, inputIds)));
            }
            int vocab = info.targetVocabSize();
            float[] flat = new float[decoderIds.length * vocab];
            model.decode(cache, List.of(new DecoderInput(0, 0, 0, decoderIds)), true, flat);
            List<float[]> rows = new ArrayList<>();
            for (int i = 0; i < decoderIds.length; i++) {
                rows.add(Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab));
            }
            return rows.toArray(new float[0][]);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}

package io.streamformer.app.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.format.DType;
import io.streamformer.accelerator.models.LanguageModelPresets;
import io.streamformer.accelerator.models.RandomCheckpoints;
import io.streamformer.accelerator.models.marian.MarianCheckpointWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code create-model}: a random-weight checkpoint of a given shape, for benchmarks without downloads: a Marian
 * translation model, or a language model of a public checkpoint's exact shape.
 */
@Command(name = "create-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight model directory (config.json, generation_config.json, model.safetensors).")
public final class CreateModelCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--preset", defaultValue = "opus-mt-en-de", paramLabel = "NAME",
            description = "Marian: opus-mt-en-de (vocab 58101, d_model 512, 6+6 layers, 8 heads, FFN 2048, swish) or"
                    + " tiny; language models: smollm2-135m, qwen2.5-0.5b, llama-3.2-1b (their configs).")
    String preset;

    @Option(names = "--vocab", paramLabel = "N") Integer vocab;
    @Option(names = "--d-model", paramLabel = "N") Integer dModel;
    @Option(names = "--layers", paramLabel = "N",
            description = "Encoder and decoder layers each (Marian), or num_hidden_layers.") Integer layers;
    @Option(names = "--heads", paramLabel = "N") Integer heads;
    @Option(names = "--ffn", paramLabel = "N") Integer ffn;
    @Option(names = "--activation", paramLabel = "NAME") String activation;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "T", description = "f32, f16 or bf16.")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S")
    long seed;

    @Option(names = "--init-std", paramLabel = "X",
            description = "Std of the random matrices (default: 0.02, or the preset's initializer_range).")
    Double initStd;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        DType type = DType.parse(dtype.toUpperCase(Locale.ROOT)).filter(DType::loadableAsFloat)
                .orElseThrow(() -> new IllegalArgumentException("--dtype must be f32, f16 or bf16, not " + dtype));
        LanguageModelPresets.Preset lm = LanguageModelPresets.get(preset);
        if (lm != null) {
            return writeLanguageModel(lm, type);
        }
        var base = MarianCheckpointWriter.PRESETS.get(preset);
        if (base == null) {
            throw new IllegalArgumentException("unknown preset '" + preset + "' (known: "
                    + new java.util.TreeSet<>(MarianCheckpointWriter.PRESETS.keySet()) + ", "
                    + String.join(", ", LanguageModelPresets.names()) + ")");
        }
        var shape = new MarianCheckpointWriter.Shape(vocab != null ? vocab : base.vocabSize(),
                dModel != null ? dModel : base.dModel(), layers != null ? layers : base.encoderLayers(),
                layers != null ? layers : base.decoderLayers(), heads != null ? heads : base.heads(),
                ffn != null ? ffn : base.ffnDim(), activation != null ? activation : base.activation(),
                base.maxPositions());
        try (ProgressReporter progress = ProgressReporter.start("Writing " + out.getFileName(), "tensors")) {
            MarianCheckpointWriter.writeRandom(shape, out, type, seed, initStd != null ? initStd : 0.02, progress);
        }
        System.err.println("wrote " + out + " (" + shape + ", " + type + ")");
        return 0;
    }

    private int writeLanguageModel(LanguageModelPresets.Preset lm, DType type) throws Exception {
        if (vocab != null || dModel != null || heads != null || ffn != null || activation != null) {
            throw new IllegalArgumentException("--preset " + preset + " has the shape of " + lm.source()
                    + "; only --layers may change it");
        }
        ObjectNode config = lm.config();
        if (layers != null) {
            config.put("num_hidden_layers", layers);
        }
        config.put("torch_dtype", type == DType.F32 ? "float32" : type == DType.F16 ? "float16" : "bfloat16");
        double std = initStd != null ? initStd : config.path("initializer_range").asDouble(0.02);
        try (ProgressReporter progress = ProgressReporter.start("Writing " + out.getFileName(), "tensors")) {
            RandomCheckpoints.write(out, config, lm.generationConfig(), type, seed, std, progress);
        }
        System.err.println("wrote " + out + " (" + lm.source() + " shape, random weights, " + type + ")");
        return 0;
    }
}

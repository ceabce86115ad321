package io.streamformer.app.cli;

import io.streamformer.accelerator.models.MarianCheckpointWriter;
import io.streamformer.accelerator.format.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code create-model}: a random-weight Marian checkpoint of a given shape, for benchmarks without downloads. */
@Command(name = "create-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight MarianMTModel directory (config.json, generation_config.json, model.safetensors).")
public final class CreateModelCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path out;

    @Option(names = "--preset", defaultValue = "opus-mt-en-de", paramLabel = "NAME",
            description = "opus-mt-en-de (vocab 58101, d_model 512, 6+6 layers, 8 heads, FFN 2048, swish) or tiny.")
    String preset;

    @Option(names = "--vocab", paramLabel = "N") Integer vocab;
    @Option(names = "--d-model", paramLabel = "N") Integer dModel;
    @Option(names = "--layers", paramLabel = "N", description = "Encoder and decoder layers each.") Integer layers;
    @Option(names = "--heads", paramLabel = "N") Integer heads;
    @Option(names = "--ffn", paramLabel = "N") Integer ffn;
    @Option(names = "--activation", paramLabel = "NAME") String activation;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "T", description = "f32, f16 or bf16.")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S")
    long seed;

    @Option(names = "--init-std", defaultValue = "0.02", paramLabel = "X")
    double initStd;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        var base = MarianCheckpointWriter.PRESETS.get(preset);
        if (base == null) {
            throw new IllegalArgumentException("unknown preset '" + preset + "' (known: "
                    + MarianCheckpointWriter.PRESETS.keySet() + ")");
        }
        var shape = new MarianCheckpointWriter.Shape(vocab != null ? vocab : base.vocabSize(),
                dModel != null ? dModel : base.dModel(), layers != null ? layers : base.encoderLayers(),
                layers != null ? layers : base.decoderLayers(), heads != null ? heads : base.heads(),
                ffn != null ? ffn : base.ffnDim(), activation != null ? activation : base.activation(),
                base.maxPositions());
        DType type = DType.parse(dtype.toUpperCase(Locale.ROOT)).filter(DType::loadableAsFloat)
                .orElseThrow(() -> new IllegalArgumentException("--dtype must be f32, f16 or bf16, not " + dtype));
        try (ProgressReporter progress = ProgressReporter.start("Writing " + out.getFileName(), "tensors")) {
            MarianCheckpointWriter.writeRandom(shape, out, type, seed, initStd, progress);
        }
        System.err.println("wrote " + out + " (" + shape + ", " + type + ")");
        return 0;
    }
}

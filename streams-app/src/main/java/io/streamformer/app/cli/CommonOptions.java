package io.streamformer.app.cli;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;
import io.streamformer.accelerator.weights.WeightPolicy;
import io.streamformer.app.BundledModels;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that load a model. */
public final class CommonOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR|NAME",
            description = "Hugging Face model directory (config.json, model.safetensors, generation_config.json),"
                    + " or a bundled model: en-es, tiny-marian.")
    public Path model;
    private Path modelDir;

    @Option(names = "--backend", defaultValue = Backends.DEFAULT, paramLabel = "NAME",
            description = "Where kernels run: jvm (default) or tornadovm.")
    public String backend;

    @Option(names = "--device", paramLabel = "N", description = "Device index for the backend (see: devices).")
    public Integer device;

    @Option(names = "--weights", defaultValue = "auto", paramLabel = "TYPE", converter = WeightPolicyConverter.class,
            description = "How weight matrices are held: auto (as stored in the file: 16-bit stays 16-bit), f32, f16,"
                    + " bf16 or int8 (quantized per output row at load).")
    public WeightPolicy weights;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    public boolean verbose;

    /** The model directory: a bundled model of {@code --model}'s name extracted to one, or the directory itself. */
    public Path modelDir() {
        if (modelDir == null) {
            modelDir = BundledModels.resolve(model.toString()); // extracted once: translate asks twice
        }
        return modelDir;
    }

    public Backend newBackend() {
        return Backends.create(backend, device);
    }

    /** Loads the model with a progress bar on the terminal. */
    public Engine loadEngine() {
        Backend b = newBackend();
        try (ProgressReporter progress = ProgressReporter.start("Loading " + model.getFileName(), "tensors")) {
            return Engine.load(modelDir(), b, weights, progress);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** --weights auto|f32|f16|bf16|int8. */
    static final class WeightPolicyConverter implements ITypeConverter<WeightPolicy> {
        @Override
        public WeightPolicy convert(String value) {
            return WeightPolicy.parse(value);
        }
    }
}

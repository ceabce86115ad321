package io.streamformer.app.cli;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that load a model. */
public final class CommonOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face model directory (config.json, model.safetensors, generation_config.json).")
    public Path model;

    @Option(names = "--backend", defaultValue = Backends.DEFAULT, paramLabel = "NAME",
            description = "Where kernels run: jvm (default) or tornadovm.")
    public String backend;

    @Option(names = "--device", paramLabel = "N", description = "Device index for the backend (see: devices).")
    public Integer device;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    public boolean verbose;

    public Backend newBackend() {
        return Backends.create(backend, device);
    }

    /** Loads the model with a progress bar on the terminal. */
    public Engine loadEngine() {
        Backend b = newBackend();
        try (ProgressReporter progress = ProgressReporter.start("Loading " + model.getFileName(), "tensors")) {
            return Engine.load(model, b, progress);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }
}

package io.streamformer.app;

import java.nio.file.Files;
import java.nio.file.Path;

/** Model directories the tests use, from the repository (tests run in the module directory). */
public final class TestModels {
    private TestModels() {
    }

    /** The tiny Marian checkpoint saved by Hugging Face transformers, with reference.json. */
    public static Path marianFixture() {
        return hfFixture("marian");
    }

    /** A tiny checkpoint saved by transformers (fixtures/hf/NAME: marian, gpt2, llama, qwen2, ...). */
    public static Path hfFixture(String name) {
        Path p = Path.of("..", "accelerator", "src", "test", "resources", "fixtures", "hf", name).toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(p.resolve("model.safetensors"))) {
            throw new IllegalStateException("test model not found at " + p);
        }
        return p;
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import java.nio.file.Path;

/** The committed tokenizers of tokenizer/hf/ for tests of other packages. */
public final class HfTestFiles {
    private HfTestFiles() {
    }

    /** The family's tokenizer, loaded once per test run. */
    public static HfTokenizer tokenizer(String family) {
        return HfReferenceFiles.tokenizer(family);
    }

    /** A temporary directory with the family's tokenizer.json and tokenizer_config.json. */
    public static Path unpacked(String family) {
        return HfReferenceFiles.unpacked(family);
    }
}

package io.streamformer.app.cli;

import io.streamformer.accelerator.decoding.GenerationOverrides;
import picocli.CommandLine.Option;

/** Command-line overrides of generation_config.json. */
public final class GenerationOptions {
    @Option(names = "--beams", paramLabel = "N", description = "Beam search with N beams (1: greedy).")
    Integer beams;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Generate at most N tokens (EOS included).")
    Integer maxNewTokens;

    @Option(names = "--min-new-tokens", paramLabel = "N", description = "Forbid EOS before N tokens.")
    Integer minNewTokens;

    @Option(names = "--sample", description = "Sample instead of taking the most likely token.")
    Boolean sample;

    @Option(names = "--temperature", paramLabel = "T")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P")
    Double topP;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed for sampling (reproducible output).")
    Long seed;

    @Option(names = "--length-penalty", paramLabel = "X")
    Double lengthPenalty;

    @Option(names = "--repetition-penalty", paramLabel = "X",
            description = "Divide the scores of tokens already in the sequence by X (transformers' semantics).")
    Double repetitionPenalty;

    GenerationOverrides overrides() {
        return new GenerationOverrides(maxNewTokens, minNewTokens, beams, sample, temperature, topK, topP,
                seed, lengthPenalty, null, repetitionPenalty);
    }
}

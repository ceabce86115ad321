package io.streamformer.accelerator.decoding;

/** Per-call settings that override generation_config.json; null leaves the model's default. */
public record GenerationOverrides(
        Integer maxNewTokens,
        Integer minNewTokens,
        Integer numBeams,
        Boolean doSample,
        Double temperature,
        Integer topK,
        Double topP,
        Long seed,
        Double lengthPenalty,
        EarlyStopping earlyStopping,
        Double repetitionPenalty) {

    public static final GenerationOverrides NONE = new GenerationOverrides(null, null, null, null, null, null, null,
            null, null, null, null);

    /** Without a repetition penalty override. */
    public GenerationOverrides(Integer maxNewTokens, Integer minNewTokens, Integer numBeams, Boolean doSample,
                               Double temperature, Integer topK, Double topP, Long seed, Double lengthPenalty,
                               EarlyStopping earlyStopping) {
        this(maxNewTokens, minNewTokens, numBeams, doSample, temperature, topK, topP, seed, lengthPenalty,
                earlyStopping, null);
    }

    public GenerationOverrides withMaxNewTokens(Integer v) {
        return new GenerationOverrides(v, minNewTokens, numBeams, doSample, temperature, topK, topP, seed, lengthPenalty,
                earlyStopping, repetitionPenalty);
    }

    public GenerationOverrides withMinNewTokens(Integer v) {
        return new GenerationOverrides(maxNewTokens, v, numBeams, doSample, temperature, topK, topP, seed, lengthPenalty,
                earlyStopping, repetitionPenalty);
    }

    public GenerationOverrides withNumBeams(Integer v) {
        return new GenerationOverrides(maxNewTokens, minNewTokens, v, doSample, temperature, topK, topP, seed,
                lengthPenalty, earlyStopping, repetitionPenalty);
    }

    public GenerationOverrides withSeed(Long v) {
        return new GenerationOverrides(maxNewTokens, minNewTokens, numBeams, doSample, temperature, topK, topP, v,
                lengthPenalty, earlyStopping, repetitionPenalty);
    }

    public GenerationOverrides withRepetitionPenalty(Double v) {
        return new GenerationOverrides(maxNewTokens, minNewTokens, numBeams, doSample, temperature, topK, topP, seed,
                lengthPenalty, earlyStopping, v);
    }
}

package io.streamformer.accelerator.models;

/** What callers need to know of a loaded model to feed it and to decode its outputs. */
public record ModelInfo(
        String architecture,
        int sourceVocabSize,
        int targetVocabSize,
        int maxPositions,
        int eosTokenId,
        int padTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId,
        long parameterCount) {
}

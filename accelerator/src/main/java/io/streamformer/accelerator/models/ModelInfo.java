package io.streamformer.accelerator.models;

import java.util.List;

/**
 * What callers need to know of a loaded model to feed it and to decode its outputs.
 *
 * @param encoderDecoder      true for an encoder-decoder (Marian), false for a decoder-only language model
 * @param sourceVocabSize     ids the encoder (or a causal LM's prompt) may hold
 * @param targetVocabSize     ids the decoder produces (logits row width)
 * @param eosTokenIds         every id that ends a sequence (Llama 3 has several); the first one pads
 * @param bosTokenId          the id a causal LM's prompts start with, or null
 * @param decoderStartTokenId the encoder-decoder's first decoder token (unused by causal LMs)
 */
public record ModelInfo(
        String architecture,
        boolean encoderDecoder,
        int sourceVocabSize,
        int targetVocabSize,
        int maxPositions,
        List<Integer> eosTokenIds,
        int padTokenId,
        Integer bosTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId,
        long parameterCount) {

    public ModelInfo {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (eosTokenIds.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one eos token id");
        }
    }

    /**
     * A decoder-only language model's: one vocabulary for prompt and output; pad and start default to the first EOS
     * id when the config has none (as transformers' generate() pads with eos_token_id).
     */
    public static ModelInfo languageModel(String architecture, int vocabSize, int maxPositions,
                                          List<Integer> eosTokenIds, Integer padTokenId, Integer bosTokenId,
                                          long parameterCount) {
        int eos = eosTokenIds.get(0);
        return new ModelInfo(architecture, false, vocabSize, vocabSize, maxPositions, eosTokenIds,
                padTokenId != null ? padTokenId : eos, bosTokenId, bosTokenId != null ? bosTokenId : eos, null,
                parameterCount);
    }

    /** The first end-of-sequence id (what pads finished sequences). */
    public int eosTokenId() {
        return eosTokenIds.get(0);
    }

    /**
     * Random input ids of {@code length} for benchmarks and warm-up: never an EOS or the pad id, and, for an
     * encoder, ending with EOS as a tokenized sentence does.
     */
    public int[] randomInput(java.util.SplittableRandom random, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            int id;
            do {
                id = random.nextInt(sourceVocabSize);
            } while (eosTokenIds.contains(id) || id == padTokenId);
            ids[i] = id;
        }
        if (encoderDecoder) {
            ids[length - 1] = eosTokenId();
        }
        return ids;
    }
}

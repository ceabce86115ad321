package io.streamformer.accelerator.models;

import java.util.List;

/** An encoder-decoder Transformer: encode sources once, then run the decoder step by step. */
public interface Seq2SeqModel extends AutoCloseable {

    ModelInfo info();

    KvCache newCache(int requestSlots, int sequenceSlots, int maxSourceLength, int maxDecoderLength);

    /** Encodes the sources and stores each one's cross-attention keys/values under its request slot. */
    void encode(KvCache cache, List<EncoderInput> inputs);

    /**
     * Runs the decoder over the inputs' new tokens as one batch and writes vocabulary logits to
     * {@code logits}: one row per input (its last token) or, with {@code allPositions}, one row per token.
     */
    void decode(KvCache cache, List<DecoderInput> inputs, boolean allPositions, float[] logits);

    /** Copies the first {@code length} cached positions of one sequence slot to another (beam reordering). */
    void copySequence(KvCache cache, int fromSlot, int toSlot, int length);

    @Override
    void close();
}

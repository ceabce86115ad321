package io.streamformer.accelerator.models;

import io.streamformer.accelerator.layers.KvCache;

import java.util.List;

/**
 * A generative Transformer as the scheduler drives it: an encoder-decoder (Marian) encodes each source once and then
 * runs its decoder step by step; a decoder-only language model (GPT-2, Llama) has no encoder, its prompt is the start
 * of the decoder sequence and the first decoder pass over it is the prefill.
 */
public interface Model extends AutoCloseable {

    ModelInfo info();

    /** Bytes the weights occupy in the backend. */
    long weightBytes();

    /** Bytes of weights one decoding step reads (decoder layers and output projection): its memory traffic at batch 1. */
    long stepWeightBytes();

    /** The weight types the backend holds the matrices in, e.g. "f16" or "f32, int8". */
    String weightTypes();

    /**
     * A cache for {@code sequenceSlots} decoder sequences of up to {@code maxDecoderLength} positions and (for an
     * encoder-decoder) {@code requestSlots} encoded sources of up to {@code maxSourceLength} tokens.
     */
    KvCache newCache(int requestSlots, int sequenceSlots, int maxSourceLength, int maxDecoderLength);

    /**
     * Encodes the sources and stores each one's cross-attention keys/values under its request slot. Only for an
     * encoder-decoder ({@link ModelInfo#encoderDecoder()}).
     */
    void encode(KvCache cache, List<EncoderInput> inputs);

    /**
     * Runs the decoder over the inputs' new tokens as one batch and writes vocabulary logits to
     * {@code logits}: one row per input (its last token) or, with {@code allPositions}, one row per token.
     */
    void decode(KvCache cache, List<DecoderInput> inputs, boolean allPositions, float[] logits);

    /** Whether {@link #decodeArgmax} is available: the backend chooses greedy tokens itself. */
    default boolean supportsDecodeArgmax() {
        return false;
    }

    /**
     * As {@link #decode} (last token of each input), but instead of logits, per input i: out[3i] = the most likely
     * token once the tokens {@code banned[i]} are excluded ({@code forced[i]} instead when it is &gt;= 0),
     * out[3i+1] = the log-sum-exp of the raw logits row, out[3i+2] = the raw logit of the chosen token (-inf if
     * banned). What greedy decoding needs, without bringing the vocabulary rows back from the device.
     */
    default void decodeArgmax(KvCache cache, List<DecoderInput> inputs, int[][] banned, int[] forced, float[] out) {
        throw new UnsupportedOperationException("this model has no decodeArgmax");
    }

    /** Copies the first {@code length} cached positions of one sequence slot to another (beam reordering). */
    void copySequence(KvCache cache, int fromSlot, int toSlot, int length);

    @Override
    void close();
}

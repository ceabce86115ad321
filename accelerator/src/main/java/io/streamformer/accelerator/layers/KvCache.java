package io.streamformer.accelerator.layers;

/**
 * The decoding state a model keeps on its backend: per request slot the encoder's cross-attention keys
 * and values, per sequence slot the self-attention keys and values of past positions. Allocated once;
 * its size bounds the work in flight (slots × maximum lengths).
 */
public interface KvCache extends AutoCloseable {
    int requestSlots();

    int sequenceSlots();

    int maxSourceLength();

    int maxDecoderLength();

    /** Bytes held on the backend. */
    long bytes();

    @Override
    default void close() {
    }
}

package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;

/**
 * The KV cache of a decoder stack in slots: per layer, the self-attention keys and values of every sequence slot
 * ({@code maxDecoder} positions each, row = slot · maxDecoder + position), and, for an encoder-decoder model, the
 * cross-attention keys and values of every request slot ({@code maxSource} rows each). Rows are key/value heads
 * wide (smaller than the model width under grouped-query attention).
 */
public final class SlotKvCache implements KvCache {
    final int requestSlots;
    final int sequenceSlots;
    final int maxSource;
    final int maxDecoder;
    final int kvDim;
    final int layers;
    final FloatTensor[] selfKeys;
    final FloatTensor[] selfValues;
    final FloatTensor[] crossKeys;
    final FloatTensor[] crossValues;
    /** Encoded length of each request slot (0: not encoded); unused by causal models. */
    final int[] sourceLength;

    public SlotKvCache(Backend backend, int layers, int kvDim, boolean cross, int requestSlots, int sequenceSlots,
                int maxSource, int maxDecoder) {
        this.requestSlots = requestSlots;
        this.sequenceSlots = sequenceSlots;
        this.maxSource = maxSource;
        this.maxDecoder = maxDecoder;
        this.kvDim = kvDim;
        this.layers = layers;
        selfKeys = new FloatTensor[layers];
        selfValues = new FloatTensor[layers];
        crossKeys = new FloatTensor[cross ? layers : 0];
        crossValues = new FloatTensor[cross ? layers : 0];
        int selfSize = Math.multiplyExact(Math.multiplyExact(sequenceSlots, maxDecoder), kvDim);
        int crossSize = cross ? Math.multiplyExact(Math.multiplyExact(requestSlots, maxSource), kvDim) : 0;
        for (int l = 0; l < layers; l++) {
            selfKeys[l] = backend.allocate(selfSize);
            selfValues[l] = backend.allocate(selfSize);
            if (cross) {
                crossKeys[l] = backend.allocate(crossSize);
                crossValues[l] = backend.allocate(crossSize);
            }
        }
        sourceLength = new int[requestSlots];
    }

    /** Rows of request slot {@code slot} start here in the cross-attention keys and values. */
    public int crossStart(int slot) {
        return slot * maxSource;
    }

    /** Rows of sequence slot {@code slot} start here in the self-attention keys and values. */
    public int selfStart(int slot) {
        return slot * maxDecoder;
    }

    /** The encoded length of request slot {@code slot}, 0 if it has not been encoded. */
    public int sourceLength(int slot) {
        return sourceLength[slot];
    }

    public void setSourceLength(int slot, int length) {
        sourceLength[slot] = length;
    }

    /** Copies the first {@code length} positions of sequence slot {@code from} to slot {@code to}, every layer. */
    public void copySequence(Backend backend, int from, int to, int length) {
        for (int l = 0; l < layers; l++) {
            backend.copyRows(selfKeys[l], from * maxDecoder, to * maxDecoder, length, kvDim);
            backend.copyRows(selfValues[l], from * maxDecoder, to * maxDecoder, length, kvDim);
        }
    }

    public boolean hasCrossAttention() {
        return crossKeys.length > 0;
    }

    @Override
    public int requestSlots() {
        return requestSlots;
    }

    @Override
    public int sequenceSlots() {
        return sequenceSlots;
    }

    @Override
    public int maxSourceLength() {
        return maxSource;
    }

    @Override
    public int maxDecoderLength() {
        return maxDecoder;
    }

    @Override
    public long bytes() {
        long self = 2L * layers * kvDim * sequenceSlots * maxDecoder;
        long cross = hasCrossAttention() ? 2L * layers * kvDim * requestSlots * maxSource : 0;
        return 4 * (self + cross);
    }
}

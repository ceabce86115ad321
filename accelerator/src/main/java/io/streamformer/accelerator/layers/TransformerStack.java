package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * An encoder or decoder: embeddings, layers and (pre-norm) a final norm. {@link #forward} runs the rows that the
 * workspace's batch layout describes and says where their hidden states are.
 */
public record TransformerStack(TransformerSpec spec, Embeddings embeddings, List<TransformerLayer> layers,
                               Norm finalNorm) {

    public TransformerStack {
        layers = List.copyOf(layers);
        if (spec.preNorm() && finalNorm == null) {
            throw new IllegalArgumentException("a pre-norm stack needs a final norm");
        }
    }

    /**
     * Embeds and runs {@code rows} tokens; self-attention within the batch when {@code cache} is null (an encoder),
     * else over the cache (a decoder). Returns the buffer holding the final hidden states.
     */
    public FloatTensor forward(Backend b, Workspace ws, int rows, SlotKvCache cache) {
        embeddings.apply(b, ws.batch, rows, ws.x);
        if (!spec.preNorm()) {
            for (int l = 0; l < layers.size(); l++) {
                layers.get(l).forwardPostNorm(b, ws, rows, cache, l);
            }
            return ws.x;
        }
        layers.get(0).selfNorm().apply(b, ws.x, null, rows, null, ws.normed);
        for (int l = 0; l < layers.size(); l++) {
            Norm next = l + 1 < layers.size() ? layers.get(l + 1).selfNorm() : finalNorm;
            layers.get(l).forwardPreNorm(b, ws, rows, cache, l, next);
        }
        return ws.normed;
    }

    /**
     * For an encoder-decoder's decoder: the cross-attention keys and values of every layer, computed once from the
     * encoder's output rows and written to the cache rows of their requests.
     */
    public void cacheCrossKeysValues(Backend b, Workspace ws, FloatTensor encoderOutput, int rows, SlotKvCache cache) {
        for (int l = 0; l < layers.size(); l++) {
            layers.get(l).crossAttention().cacheCrossKeysValues(b, ws, encoderOutput, rows, cache.crossKeys[l],
                    cache.crossValues[l]);
        }
    }

    /** Every tensor of the stack: the embedding matrix, position table, layers and final norm. */
    public List<Object> tensors() {
        List<Object> t = new ArrayList<>();
        t.add(embeddings.tokens());
        if (embeddings.positions() != null) {
            t.add(embeddings.positions());
        }
        layers.forEach(l -> t.addAll(l.tensors()));
        if (finalNorm != null) {
            TransformerLayer.add(t, finalNorm);
        }
        return t;
    }

    /**
     * The matrix bytes one decoding step streams: every layer's, but not the cross-attention keys and values (computed
     * once per source) nor the embeddings (a lookup reads one row).
     */
    public long stepWeightBytes() {
        long bytes = 0;
        for (TransformerLayer l : layers) {
            for (Dense d : l.stepDenses()) {
                bytes += d.weight().bytes();
            }
        }
        return bytes;
    }
}

package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;

import java.util.ArrayList;
import java.util.List;

/**
 * One encoder or decoder layer: self-attention, optional cross-attention (the decoder of an encoder-decoder
 * model), feed-forward, each with its norm, placed after the residual add (post-norm: the paper, Marian) or before
 * the sub-layer (pre-norm: GPT-2, Llama).
 */
public record TransformerLayer(AttentionLayer selfAttention, Norm selfNorm, AttentionLayer crossAttention,
                               Norm crossNorm, FeedForward ffn, Norm ffnNorm) {

    /**
     * Post-norm: {@code ws.x} in, {@code ws.x} out, each sub-layer followed by x = norm(sub-layer + x). Self-attention
     * reads the batch ({@code cache == null}, an encoder) or the cache.
     */
    void forwardPostNorm(Backend b, Workspace ws, int rows, SlotKvCache cache, int layer) {
        selfAttention(b, ws, ws.x, rows, cache, layer);
        selfNorm.apply(b, ws.proj, ws.x, rows, null, ws.x);
        if (crossAttention != null) {
            crossAttention.crossAttention(b, ws, ws.x, rows, cache.crossKeys[layer], cache.crossValues[layer]);
            crossNorm.apply(b, ws.proj, ws.x, rows, null, ws.x);
        }
        ffn.apply(b, ws, ws.x, rows);
        ffnNorm.apply(b, ws.proj, ws.x, rows, null, ws.x);
    }

    /**
     * Pre-norm: {@code ws.x} is the residual stream and {@code ws.normed} already holds this layer's input norm of
     * it; each sub-layer reads the normed rows and adds its output to x, and the norm that comes next is applied
     * on the way (the next sub-layer's, then {@code next}: the next layer's input norm or the stack's final norm).
     */
    void forwardPreNorm(Backend b, Workspace ws, int rows, SlotKvCache cache, int layer, Norm next) {
        selfAttention(b, ws, ws.normed, rows, cache, layer);
        if (crossAttention != null) {
            crossNorm.apply(b, ws.proj, ws.x, rows, ws.x, ws.normed);
            crossAttention.crossAttention(b, ws, ws.normed, rows, cache.crossKeys[layer], cache.crossValues[layer]);
        }
        ffnNorm.apply(b, ws.proj, ws.x, rows, ws.x, ws.normed);
        ffn.apply(b, ws, ws.normed, rows);
        next.apply(b, ws.proj, ws.x, rows, ws.x, ws.normed);
    }

    private void selfAttention(Backend b, Workspace ws, FloatTensor input, int rows, SlotKvCache cache, int layer) {
        if (cache == null) {
            selfAttention.batchSelfAttention(b, ws, input, rows);
        } else {
            selfAttention.cachedSelfAttention(b, ws, input, rows, cache.selfKeys[layer], cache.selfValues[layer]);
        }
    }

    /** The matrices a decoding step multiplies with (cross-attention keys and values are cached per source). */
    List<Dense> stepDenses() {
        List<Dense> d = new ArrayList<>(selfAttention.denses());
        if (crossAttention != null) {
            d.add(crossAttention.q());
            d.add(crossAttention.o());
        }
        d.addAll(ffn.denses());
        return d;
    }

    /** Every tensor of the layer, matrices and vectors. */
    List<Object> tensors() {
        List<Object> t = new ArrayList<>();
        for (Dense d : selfAttention.denses()) {
            add(t, d);
        }
        if (crossAttention != null) {
            for (Dense d : crossAttention.denses()) {
                add(t, d);
            }
            add(t, crossNorm);
        }
        for (Dense d : ffn.denses()) {
            add(t, d);
        }
        add(t, selfNorm);
        add(t, ffnNorm);
        return t;
    }

    static void add(List<Object> into, Dense d) {
        into.add(d.weight());
        if (d.bias() != null) {
            into.add(d.bias());
        }
    }

    static void add(List<Object> into, Norm n) {
        into.add(n.gamma());
        if (n.beta() != null) {
            into.add(n.beta());
        }
    }
}

package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.kernels.Activation;

import java.util.List;

/**
 * Multi-head (or grouped-query) attention: query, key, value and output projections, optional rotary positions,
 * and where the keys and values come from: the tokens of the batch itself (an encoder), the sequence's KV cache
 * (decoder self-attention: the new tokens' keys and values are written to it first), or the encoder's output cached
 * per request (cross-attention). Every form leaves its result, projected back to the model width, in {@code ws.proj}.
 *
 * @param scale     factor of the scores q·k (Marian's queries carry 1/sqrt(d_k) from their projection: 1 there)
 * @param rotary    cos/sin tables of the rotary embedding, or null
 */
public record AttentionLayer(Dense q, Dense k, Dense v, Dense o, int heads, int kvHeads, int headDim, float scale,
                             RotaryTables rotary) {

    /** The cos and sin tables of a rotary embedding, [position][headDim / 2]. */
    public record RotaryTables(FloatTensor cos, FloatTensor sin) {
    }

    private void projectQueryKeyValue(Backend b, Workspace ws, FloatTensor input, int rows) {
        Dense.applyAll(b, input, rows, new Dense[]{q, k, v}, new FloatTensor[]{ws.q, ws.k, ws.v});
        if (rotary != null) {
            b.rotary(ws.q, rows, heads, headDim, ws.batch.positions, rotary.cos(), rotary.sin());
            b.rotary(ws.k, rows, kvHeads, headDim, ws.batch.positions, rotary.cos(), rotary.sin());
        }
    }

    /** An encoder's self-attention: every row attends to the rows of its own sequence in the batch. */
    void batchSelfAttention(Backend b, Workspace ws, FloatTensor input, int rows) {
        projectQueryKeyValue(b, ws, input, rows);
        b.attention(ws.q, rows, ws.k, ws.v, ws.batch.selfStart, ws.batch.selfCount, heads, kvHeads, headDim, scale,
                ws.attn);
        o.apply(b, ws.attn, rows, Activation.IDENTITY, ws.proj);
    }

    /** A decoder's self-attention: the new rows' keys and values join the cache, then each row attends to its past. */
    void cachedSelfAttention(Backend b, Workspace ws, FloatTensor input, int rows, FloatTensor cacheKeys,
                             FloatTensor cacheValues) {
        projectQueryKeyValue(b, ws, input, rows);
        int kvDim = kvHeads * headDim;
        b.scatterRows(ws.k, rows, kvDim, ws.batch.cacheRows, cacheKeys);
        b.scatterRows(ws.v, rows, kvDim, ws.batch.cacheRows, cacheValues);
        b.attention(ws.q, rows, cacheKeys, cacheValues, ws.batch.selfStart, ws.batch.selfCount, heads, kvHeads,
                headDim, scale, ws.attn);
        o.apply(b, ws.attn, rows, Activation.IDENTITY, ws.proj);
    }

    /** Cross-attention over the encoder output's keys and values cached for the row's request. */
    void crossAttention(Backend b, Workspace ws, FloatTensor input, int rows, FloatTensor crossKeys,
                        FloatTensor crossValues) {
        q.apply(b, input, rows, Activation.IDENTITY, ws.q);
        b.attention(ws.q, rows, crossKeys, crossValues, ws.batch.crossStart, ws.batch.crossCount, heads, kvHeads,
                headDim, scale, ws.attn);
        o.apply(b, ws.attn, rows, Activation.IDENTITY, ws.proj);
    }

    /** The cross-attention keys and values of an encoder output, written to the cache rows of their requests. */
    void cacheCrossKeysValues(Backend b, Workspace ws, FloatTensor encoderOutput, int rows, FloatTensor crossKeys,
                              FloatTensor crossValues) {
        int kvDim = kvHeads * headDim;
        k.apply(b, encoderOutput, rows, Activation.IDENTITY, ws.k);
        b.scatterRows(ws.k, rows, kvDim, ws.batch.cacheRows, crossKeys);
        v.apply(b, encoderOutput, rows, Activation.IDENTITY, ws.v);
        b.scatterRows(ws.v, rows, kvDim, ws.batch.cacheRows, crossValues);
    }

    /** Every matrix of the layer (for byte counts). */
    List<Dense> denses() {
        return java.util.List.of(q, k, v, o);
    }
}

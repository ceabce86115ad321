package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Rotary;

/**
 * What one Transformer stack is made of, as CTranslate2's TransformerSpec: the shapes and the few choices in which
 * Marian, GPT-2 and the Llama family differ. The layers read it; the models' loaders write it from config.json.
 *
 * @param kvHeads         key/value heads (fewer than {@code heads}: grouped-query attention)
 * @param preNorm         normalise before each sub-layer and once more at the end (GPT-2, Llama) rather than after
 *                        each residual add (the paper, Marian)
 * @param positions       how positions enter: a table added to the embeddings, or rotations inside attention
 * @param rope            the rotary embedding's base and scaling, for {@link Positions#ROTARY}
 * @param gatedFfn        down(act(gate(x)) · up(x)) (Llama) rather than fc2(act(fc1(x)))
 * @param crossAttention  the decoder of an encoder-decoder model attends to the encoder's output
 * @param embeddingScale  factor of the token embeddings (Marian: sqrt(d_model) when scale_embedding)
 */
public record TransformerSpec(int dModel, int layers, int heads, int kvHeads, int headDim, int ffnDim,
                              NormKind norm, float normEps, boolean preNorm, Positions positions, Rope rope,
                              boolean gatedFfn, Activation activation, boolean crossAttention, float embeddingScale,
                              int maxPositions) {

    public enum NormKind { LAYER_NORM, RMS_NORM }

    public enum Positions {
        /** A [positions][d_model] table added to the token embeddings: sinusoidal (Marian) or learned (GPT-2). */
        TABLE,
        /** Rotary embeddings applied to queries and keys (Llama). */
        ROTARY
    }

    /** Rotary embedding parameters: base theta and, for Llama 3, its rope_scaling (else null). */
    public record Rope(double theta, Rotary.Llama3Scaling llama3Scaling) {
    }

    public TransformerSpec {
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " heads cannot share " + kvHeads + " key/value heads");
        }
        if (positions == Positions.ROTARY && (rope == null || headDim % 2 != 0)) {
            throw new IllegalArgumentException("rotary positions need a rope spec and an even head dimension");
        }
    }

    /** Width of a query row (all heads). */
    public int queryDim() {
        return heads * headDim;
    }

    /** Width of a key or value row (all key/value heads). */
    public int kvDim() {
        return kvHeads * headDim;
    }
}

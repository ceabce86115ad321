package io.streamformer.accelerator.models.marian;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.kernels.Embeddings;
import io.streamformer.accelerator.layers.AttentionLayer;
import io.streamformer.accelerator.layers.Dense;
import io.streamformer.accelerator.layers.FeedForward;
import io.streamformer.accelerator.layers.TransformerLayer;
import io.streamformer.accelerator.layers.TransformerSpec;
import io.streamformer.accelerator.layers.TransformerStack;
import io.streamformer.accelerator.models.Architecture;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.models.TensorPlan;
import io.streamformer.accelerator.models.TransformerModel;
import io.streamformer.accelerator.models.WeightLoader;
import io.streamformer.accelerator.weights.WeightPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face's MarianMTModel: "Attention Is All You Need" with post-LN, static sinusoidal positions in Hugging
 * Face's layout, scaled and (usually) tied embeddings and a final logits bias.
 */
public final class Marian implements Architecture {
    private static final String ENCODER_POSITIONS = "model.encoder.embed_positions.weight";
    private static final String DECODER_POSITIONS = "model.decoder.embed_positions.weight";

    private final MarianConfig c;
    private final ModelInfo info;

    public Marian(MarianConfig config) {
        this.c = config;
        this.info = new ModelInfo("marian", true, c.vocabSize(), c.decoderVocabSize(), c.maxPositions(),
                List.of(c.eosTokenId()), c.padTokenId(), null, c.decoderStartTokenId(), c.forcedEosTokenId(),
                tensors(null).parameterCount());
    }

    public MarianConfig config() {
        return c;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TensorPlan tensors(Checkpoint checkpoint) {
        TensorPlan t = new TensorPlan("config.json: " + c.encoderLayers() + " encoder and " + c.decoderLayers()
                + " decoder layers");
        long d = c.dModel();
        if (c.sharedEmbeddings()) {
            t.require("model.shared.weight", c.vocabSize(), d);
        } else {
            t.require("model.encoder.embed_tokens.weight", c.vocabSize(), d);
            t.require("model.decoder.embed_tokens.weight", c.decoderVocabSize(), d);
            t.require("lm_head.weight", c.decoderVocabSize(), d);
        }
        t.require("final_logits_bias", 1, c.decoderVocabSize());
        for (int i = 0; i < c.encoderLayers(); i++) {
            String p = "model.encoder.layers." + i + ".";
            attention(t, p + "self_attn.", d);
            norm(t, p + "self_attn_layer_norm.", d);
            ffn(t, p, d, c.encoderFfnDim());
            norm(t, p + "final_layer_norm.", d);
        }
        for (int i = 0; i < c.decoderLayers(); i++) {
            String p = "model.decoder.layers." + i + ".";
            attention(t, p + "self_attn.", d);
            norm(t, p + "self_attn_layer_norm.", d);
            attention(t, p + "encoder_attn.", d);
            norm(t, p + "encoder_attn_layer_norm.", d);
            ffn(t, p, d, c.decoderFfnDim());
            norm(t, p + "final_layer_norm.", d);
        }
        t.optional(ENCODER_POSITIONS, c.maxPositions(), d);
        t.optional(DECODER_POSITIONS, c.maxPositions(), d);
        return t;
    }

    private static void attention(TensorPlan t, String p, long d) {
        for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
            t.require(p + proj + ".weight", d, d);
            t.require(p + proj + ".bias", d);
        }
    }

    private static void norm(TensorPlan t, String p, long d) {
        t.require(p + "weight", d);
        t.require(p + "bias", d);
    }

    private static void ffn(TensorPlan t, String p, long d, long ffn) {
        t.require(p + "fc1.weight", ffn, d);
        t.require(p + "fc1.bias", ffn);
        t.require(p + "fc2.weight", d, ffn);
        t.require(p + "fc2.bias", d);
    }

    private TransformerSpec spec(int layers, int heads, int ffnDim, boolean cross) {
        int d = c.dModel();
        return new TransformerSpec(d, layers, heads, heads, d / heads, ffnDim, TransformerSpec.NormKind.LAYER_NORM,
                c.layerNormEps(), false, TransformerSpec.Positions.TABLE, null, false, c.activation(), cross,
                c.embeddingScale(), c.maxPositions());
    }

    @Override
    public TransformerModel load(Checkpoint checkpoint, Backend backend, WeightPolicy policy,
                                 ProgressListener progress) {
        WeightLoader l = new WeightLoader(checkpoint, backend, policy, progress, tensors(checkpoint).size());
        int d = c.dModel();
        Matrix encoderTokens;
        Matrix decoderTokens;
        Matrix lmHead;
        if (c.sharedEmbeddings()) {
            encoderTokens = l.matrix("model.shared.weight", c.vocabSize(), d, 1f);
            decoderTokens = encoderTokens;
            lmHead = encoderTokens;
        } else {
            encoderTokens = l.matrix("model.encoder.embed_tokens.weight", c.vocabSize(), d, 1f);
            decoderTokens = l.matrix("model.decoder.embed_tokens.weight", c.decoderVocabSize(), d, 1f);
            lmHead = l.matrix("lm_head.weight", c.decoderVocabSize(), d, 1f);
        }
        FloatTensor finalLogitsBias = l.vector("final_logits_bias");

        TransformerSpec encoderSpec = spec(c.encoderLayers(), c.encoderHeads(), c.encoderFfnDim(), false);
        List<TransformerLayer> encoder = new ArrayList<>();
        for (int i = 0; i < c.encoderLayers(); i++) {
            String p = "model.encoder.layers." + i + ".";
            encoder.add(new TransformerLayer(attention(l, p + "self_attn.", encoderSpec),
                    l.layerNorm(p + "self_attn_layer_norm.", c.layerNormEps()), null, null,
                    ffn(l, p, c.encoderFfnDim()), l.layerNorm(p + "final_layer_norm.", c.layerNormEps())));
        }
        TransformerSpec decoderSpec = spec(c.decoderLayers(), c.decoderHeads(), c.decoderFfnDim(), true);
        List<TransformerLayer> decoder = new ArrayList<>();
        for (int i = 0; i < c.decoderLayers(); i++) {
            String p = "model.decoder.layers." + i + ".";
            decoder.add(new TransformerLayer(attention(l, p + "self_attn.", decoderSpec),
                    l.layerNorm(p + "self_attn_layer_norm.", c.layerNormEps()),
                    attention(l, p + "encoder_attn.", decoderSpec),
                    l.layerNorm(p + "encoder_attn_layer_norm.", c.layerNormEps()),
                    ffn(l, p, c.decoderFfnDim()), l.layerNorm(p + "final_layer_norm.", c.layerNormEps())));
        }
        // Static positions are recomputed unless the checkpoint carries them (opus-mt checkpoints do).
        float[] sinusoid = Embeddings.marianSinusoidal(c.maxPositions(), d);
        FloatTensor encoderPositions = backend.upload(l.has(ENCODER_POSITIONS)
                ? checkpoint.readFloats(ENCODER_POSITIONS) : sinusoid);
        FloatTensor decoderPositions = backend.upload(l.has(DECODER_POSITIONS)
                ? checkpoint.readFloats(DECODER_POSITIONS) : sinusoid);
        var encoderStack = new TransformerStack(encoderSpec,
                new io.streamformer.accelerator.layers.Embeddings(encoderTokens, encoderPositions, c.embeddingScale()),
                encoder, null);
        var decoderStack = new TransformerStack(decoderSpec,
                new io.streamformer.accelerator.layers.Embeddings(decoderTokens, decoderPositions, c.embeddingScale()),
                decoder, null);
        return new TransformerModel(info, encoderStack, decoderStack, new Dense(lmHead, finalLogitsBias), backend);
    }

    /** The query projection's outputs get attention's 1/sqrt(d_k), as transformers scales q after projecting. */
    private static AttentionLayer attention(WeightLoader l, String p, TransformerSpec s) {
        int d = s.dModel();
        float queryScale = (float) (1.0 / Math.sqrt(s.headDim()));
        return new AttentionLayer(l.dense(p + "q_proj.", d, d, true, queryScale), l.dense(p + "k_proj.", d, d, true),
                l.dense(p + "v_proj.", d, d, true), l.dense(p + "out_proj.", d, d, true), s.heads(), s.kvHeads(),
                s.headDim(), 1f, null);
    }

    private FeedForward ffn(WeightLoader l, String p, int ffnDim) {
        int d = c.dModel();
        return new FeedForward(l.dense(p + "fc1.", ffnDim, d, true), null, l.dense(p + "fc2.", d, ffnDim, true),
                c.activation());
    }
}

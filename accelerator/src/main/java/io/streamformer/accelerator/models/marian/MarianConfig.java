package io.streamformer.accelerator.models.marian;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.format.ModelFormatException;

import static io.streamformer.accelerator.format.JsonFiles.optBoolean;
import static io.streamformer.accelerator.format.JsonFiles.optDouble;
import static io.streamformer.accelerator.format.JsonFiles.optInt;
import static io.streamformer.accelerator.format.JsonFiles.optInteger;
import static io.streamformer.accelerator.format.JsonFiles.optString;
import static io.streamformer.accelerator.format.JsonFiles.requireInt;
import static io.streamformer.accelerator.models.ConfigChecks.FILE;
import static io.streamformer.accelerator.models.ConfigChecks.activationOf;
import static io.streamformer.accelerator.models.ConfigChecks.divides;
import static io.streamformer.accelerator.models.ConfigChecks.epsilon;
import static io.streamformer.accelerator.models.ConfigChecks.positive;
import static io.streamformer.accelerator.models.ConfigChecks.tokenInRange;

/** The fields of a Hugging Face {@code MarianConfig} (config.json) that inference depends on. */
public record MarianConfig(
        int vocabSize,
        int decoderVocabSize,
        int dModel,
        int encoderLayers,
        int decoderLayers,
        int encoderHeads,
        int decoderHeads,
        int encoderFfnDim,
        int decoderFfnDim,
        int maxPositions,
        Activation activation,
        boolean scaleEmbedding,
        boolean sharedEmbeddings,
        float layerNormEps,
        int padTokenId,
        int eosTokenId,
        int decoderStartTokenId,
        Integer forcedEosTokenId) {

    public static MarianConfig fromJson(JsonNode root) {
        String modelType = optString(root, FILE, "model_type", null);
        if (modelType == null) {
            throw new ModelFormatException(FILE + ": missing field 'model_type' (expected \"marian\")");
        }
        if (!modelType.equals("marian")) {
            throw new ModelFormatException(FILE + ": model_type \"" + modelType
                    + "\" is not supported (supported: \"marian\")");
        }
        int vocab = requireInt(root, FILE, "vocab_size");
        boolean shared = optBoolean(root, FILE, "share_encoder_decoder_embeddings", true);
        int decoderVocab = optInt(root, FILE, "decoder_vocab_size", vocab);
        int d = requireInt(root, FILE, "d_model");
        int encLayers = requireInt(root, FILE, "encoder_layers");
        int decLayers = requireInt(root, FILE, "decoder_layers");
        int encHeads = requireInt(root, FILE, "encoder_attention_heads");
        int decHeads = requireInt(root, FILE, "decoder_attention_heads");
        int encFfn = requireInt(root, FILE, "encoder_ffn_dim");
        int decFfn = requireInt(root, FILE, "decoder_ffn_dim");
        int maxPos = requireInt(root, FILE, "max_position_embeddings");
        Activation activation = activationOf(root, "activation_function", "swish");
        boolean scale = optBoolean(root, FILE, "scale_embedding", false);
        if (!optBoolean(root, FILE, "static_position_embeddings", true)) {
            throw new ModelFormatException(FILE + ": static_position_embeddings=false is not supported"
                    + " (Marian uses static sinusoidal positions)");
        }
        if (optBoolean(root, FILE, "normalize_embedding", false) || optBoolean(root, FILE, "normalize_before", false)) {
            throw new ModelFormatException(FILE + ": normalize_embedding/normalize_before are not supported"
                    + " by the Marian architecture (post-LN without an embedding layer norm)");
        }
        int pad = requireInt(root, FILE, "pad_token_id");
        int eos = requireInt(root, FILE, "eos_token_id");
        int start = optInt(root, FILE, "decoder_start_token_id", pad);
        Integer forcedEos = optInteger(root, FILE, "forced_eos_token_id");
        float eps = (float) optDouble(root, FILE, "layer_norm_eps", 1e-5);

        positive("vocab_size", vocab);
        positive("decoder_vocab_size", decoderVocab);
        positive("d_model", d);
        positive("encoder_layers", encLayers);
        positive("decoder_layers", decLayers);
        positive("encoder_attention_heads", encHeads);
        positive("decoder_attention_heads", decHeads);
        positive("encoder_ffn_dim", encFfn);
        positive("decoder_ffn_dim", decFfn);
        positive("max_position_embeddings", maxPos);
        divides("encoder_attention_heads", encHeads, "d_model", d);
        divides("decoder_attention_heads", decHeads, "d_model", d);
        if (d % 2 != 0) {
            throw new ModelFormatException(FILE + ": d_model (" + d + ") must be even for sinusoidal positions");
        }
        if (shared && decoderVocab != vocab) {
            throw new ModelFormatException(FILE + ": decoder_vocab_size (" + decoderVocab
                    + ") differs from vocab_size (" + vocab + ") but share_encoder_decoder_embeddings is true");
        }
        tokenInRange("pad_token_id", pad, decoderVocab);
        tokenInRange("eos_token_id", eos, decoderVocab);
        tokenInRange("decoder_start_token_id", start, decoderVocab);
        if (forcedEos != null) {
            tokenInRange("forced_eos_token_id", forcedEos, decoderVocab);
        }
        epsilon("layer_norm_eps", eps);
        return new MarianConfig(vocab, decoderVocab, d, encLayers, decLayers, encHeads, decHeads, encFfn, decFfn,
                maxPos, activation, scale, shared, eps, pad, eos, start, forcedEos);
    }

    public float embeddingScale() {
        return scaleEmbedding ? (float) Math.sqrt(dModel) : 1.0f;
    }

    public long parameterCount() {
        long d = dModel;
        long enc = encoderLayers * (4 * (d * d + d) + 2 * d * encoderFfnDim + encoderFfnDim + d + 4 * d);
        long dec = decoderLayers * (8 * (d * d + d) + 2 * d * decoderFfnDim + decoderFfnDim + d + 6 * d);
        long emb = vocabSize * d + (sharedEmbeddings ? 0 : decoderVocabSize * d * 2L);
        return enc + dec + emb + decoderVocabSize;
    }
}

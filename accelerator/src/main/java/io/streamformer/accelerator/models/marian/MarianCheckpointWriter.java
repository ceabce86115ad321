package io.streamformer.accelerator.models.marian;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.accelerator.models.ModelDirectory;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.models.RandomCheckpoints;
import io.streamformer.accelerator.models.TensorPlan;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.accelerator.format.DType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a Hugging Face MarianMTModel directory (config.json, generation_config.json, model.safetensors)
 * with random weights drawn as transformers initialises them, so that benchmarks need no download.
 */
public final class MarianCheckpointWriter {

    /** The architecture's size; {@link #OPUS_MT_EN_DE} is the shape of Helsinki-NLP/opus-mt-en-de. */
    public record Shape(int vocabSize, int dModel, int encoderLayers, int decoderLayers, int heads, int ffnDim,
                        String activation, int maxPositions) {
    }

    public static final Shape OPUS_MT_EN_DE = new Shape(58101, 512, 6, 6, 8, 2048, "swish", 512);
    public static final Shape TINY = new Shape(96, 64, 2, 2, 4, 128, "swish", 64);

    public static final Map<String, Shape> PRESETS = Map.of("opus-mt-en-de", OPUS_MT_EN_DE, "tiny", TINY);

    private MarianCheckpointWriter() {
    }

    public static void writeRandom(Shape shape, Path dir, DType dtype, long seed, double initStd,
                                   ProgressListener progress) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        int pad = shape.vocabSize() - 1;
        ObjectNode config = json.createObjectNode();
        config.put("model_type", "marian").putArray("architectures").add("MarianMTModel");
        config.put("vocab_size", shape.vocabSize()).put("decoder_vocab_size", shape.vocabSize())
                .put("d_model", shape.dModel())
                .put("encoder_layers", shape.encoderLayers()).put("decoder_layers", shape.decoderLayers())
                .put("encoder_attention_heads", shape.heads()).put("decoder_attention_heads", shape.heads())
                .put("encoder_ffn_dim", shape.ffnDim()).put("decoder_ffn_dim", shape.ffnDim())
                .put("max_position_embeddings", shape.maxPositions()).put("activation_function", shape.activation())
                .put("scale_embedding", true).put("static_position_embeddings", true)
                .put("share_encoder_decoder_embeddings", true).put("normalize_embedding", false)
                .put("init_std", initStd).put("dropout", 0.1).put("attention_dropout", 0.0)
                .put("activation_dropout", 0.0).put("pad_token_id", pad).put("eos_token_id", 0)
                .put("decoder_start_token_id", pad).put("forced_eos_token_id", 0).put("is_encoder_decoder", true)
                .put("torch_dtype", dtype == DType.F32 ? "float32" : dtype == DType.F16 ? "float16" : "bfloat16");
        config.putArray("bad_words_ids").addArray().add(pad);
        json.writeValue(dir.resolve(ModelDirectory.CONFIG).toFile(), config);

        ObjectNode gen = json.createObjectNode();
        gen.putArray("bad_words_ids").addArray().add(pad);
        gen.put("decoder_start_token_id", pad).put("eos_token_id", 0).put("forced_eos_token_id", 0)
                .put("pad_token_id", pad).put("max_length", 512).put("num_beams", 4);
        json.writeValue(dir.resolve(ModelDirectory.GENERATION_CONFIG).toFile(), gen);

        TensorPlan plan = new Marian(MarianConfig.fromJson(config)).tensors(null);
        RandomCheckpoints.writeWeights(plan, dir.resolve(io.streamformer.accelerator.format.Checkpoint.SINGLE), dtype,
                seed, initStd, Map.of("model.shared.weight", pad), progress);
    }
}

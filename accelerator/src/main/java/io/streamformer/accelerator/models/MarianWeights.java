package io.streamformer.accelerator.models;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Embeddings;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.format.SafetensorsFile;
import io.streamformer.accelerator.format.TensorInfo;
import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightPolicy;
import io.streamformer.accelerator.weights.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a Hugging Face MarianMTModel checkpoint, checked against the config and uploaded to
 * a backend. {@link #validate} runs over the header alone, before any data is read.
 */
final class MarianWeights {

    record Attention(Matrix q, FloatTensor qBias, Matrix k, FloatTensor kBias, Matrix v, FloatTensor vBias,
                     Matrix out, FloatTensor outBias) {
        List<Object> tensors() {
            return List.of(q, qBias, k, kBias, v, vBias, out, outBias);
        }
    }

    record Norm(FloatTensor gamma, FloatTensor beta) {
        List<Object> tensors() {
            return List.of(gamma, beta);
        }
    }

    record Ffn(Matrix fc1, FloatTensor fc1Bias, Matrix fc2, FloatTensor fc2Bias) {
        List<Object> tensors() {
            return List.of(fc1, fc1Bias, fc2, fc2Bias);
        }
    }

    record EncoderLayer(Attention selfAttention, Norm selfAttentionNorm, Ffn ffn, Norm ffnNorm) {
        List<Object> tensors() {
            List<Object> t = new ArrayList<>(selfAttention.tensors());
            t.addAll(selfAttentionNorm.tensors());
            t.addAll(ffn.tensors());
            t.addAll(ffnNorm.tensors());
            return t;
        }
    }

    record DecoderLayer(Attention selfAttention, Norm selfAttentionNorm, Attention crossAttention,
                        Norm crossAttentionNorm, Ffn ffn, Norm ffnNorm) {
        List<Object> tensors() {
            List<Object> t = new ArrayList<>(selfAttention.tensors());
            t.addAll(selfAttentionNorm.tensors());
            t.addAll(crossAttention.tensors());
            t.addAll(crossAttentionNorm.tensors());
            t.addAll(ffn.tensors());
            t.addAll(ffnNorm.tensors());
            return t;
        }
    }

    final Matrix encoderEmbedding;
    final Matrix decoderEmbedding;
    final Matrix lmHead;
    final FloatTensor finalLogitsBias;
    final FloatTensor encoderPositions;
    final FloatTensor decoderPositions;
    final List<EncoderLayer> encoderLayers;
    final List<DecoderLayer> decoderLayers;
    private final long bytes;
    private final String types;

    private MarianWeights(Matrix encoderEmbedding, Matrix decoderEmbedding, Matrix lmHead, FloatTensor finalLogitsBias,
                          FloatTensor encoderPositions, FloatTensor decoderPositions,
                          List<EncoderLayer> encoderLayers, List<DecoderLayer> decoderLayers) {
        this.encoderEmbedding = encoderEmbedding;
        this.decoderEmbedding = decoderEmbedding;
        this.lmHead = lmHead;
        this.finalLogitsBias = finalLogitsBias;
        this.encoderPositions = encoderPositions;
        this.decoderPositions = decoderPositions;
        this.encoderLayers = encoderLayers;
        this.decoderLayers = decoderLayers;
        // shared embeddings appear three times: count each tensor once
        java.util.Set<Object> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.addAll(List.of(encoderEmbedding, decoderEmbedding, lmHead, finalLogitsBias, encoderPositions,
                decoderPositions));
        encoderLayers.forEach(l -> all.addAll(l.tensors()));
        decoderLayers.forEach(l -> all.addAll(l.tensors()));
        long b = 0;
        java.util.TreeSet<String> t = new java.util.TreeSet<>();
        for (Object o : all) {
            if (o instanceof Matrix m) {
                b += m.bytes();
                t.add(m.type().cliName());
            } else if (o instanceof FloatTensor f) {
                b += 4L * f.size();
            }
        }
        this.bytes = b;
        this.types = String.join(", ", t);
    }

    long bytes() {
        return bytes;
    }

    String types() {
        return types;
    }

    /** Every tensor the config implies, with its expected shape, in load order. */
    static Map<String, long[]> expectedTensors(MarianConfig c) {
        Map<String, long[]> t = new LinkedHashMap<>();
        long d = c.dModel();
        if (c.sharedEmbeddings()) {
            t.put("model.shared.weight", new long[]{c.vocabSize(), d});
        } else {
            t.put("model.encoder.embed_tokens.weight", new long[]{c.vocabSize(), d});
            t.put("model.decoder.embed_tokens.weight", new long[]{c.decoderVocabSize(), d});
            t.put("lm_head.weight", new long[]{c.decoderVocabSize(), d});
        }
        t.put("final_logits_bias", new long[]{1, c.decoderVocabSize()});
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
        return t;
    }

    private static void attention(Map<String, long[]> t, String p, long d) {
        for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
            t.put(p + proj + ".weight", new long[]{d, d});
            t.put(p + proj + ".bias", new long[]{d});
        }
    }

    private static void norm(Map<String, long[]> t, String p, long d) {
        t.put(p + "weight", new long[]{d});
        t.put(p + "bias", new long[]{d});
    }

    private static void ffn(Map<String, long[]> t, String p, long d, long ffn) {
        t.put(p + "fc1.weight", new long[]{ffn, d});
        t.put(p + "fc1.bias", new long[]{ffn});
        t.put(p + "fc2.weight", new long[]{d, ffn});
        t.put(p + "fc2.bias", new long[]{d});
    }

    private static final String ENCODER_POSITIONS = "model.encoder.embed_positions.weight";
    private static final String DECODER_POSITIONS = "model.decoder.embed_positions.weight";

    /** Checks presence, dtype and shape of every tensor the config needs; throws on the first problem. */
    static void validate(MarianConfig config, SafetensorsFile file) {
        String name = file.path().getFileName().toString();
        Map<String, long[]> expected = expectedTensors(config);
        long[] positions = {config.maxPositions(), config.dModel()};
        Map<String, long[]> optional = Map.of(ENCODER_POSITIONS, positions, DECODER_POSITIONS, positions);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo info = file.info(e.getKey());
            if (info == null) {
                throw new ModelFormatException(name + ": missing tensor '" + e.getKey() + "' (config.json: "
                        + config.encoderLayers() + " encoder and " + config.decoderLayers() + " decoder layers)");
            }
            check(name, info, e.getValue());
        }
        for (Map.Entry<String, long[]> e : optional.entrySet()) {
            TensorInfo info = file.info(e.getKey());
            if (info != null) {
                check(name, info, e.getValue());
            }
        }
    }

    private static void check(String file, TensorInfo info, long[] shape) {
        if (!info.dtype().loadableAsFloat()) {
            throw new ModelFormatException(file + ": tensor '" + info.name() + "' has dtype " + info.dtype()
                    + ", expected F32, F16 or BF16");
        }
        if (!info.hasShape(shape)) {
            throw new ModelFormatException(file + ": tensor '" + info.name() + "' has shape " + info.shapeString()
                    + " but config.json implies " + java.util.Arrays.toString(shape));
        }
    }

    static MarianWeights load(MarianConfig c, SafetensorsFile file, Backend backend, WeightPolicy policy,
                              ProgressListener progress) {
        validate(c, file);
        Loader l = new Loader(file, backend, policy, progress, expectedTensors(c).size());
        int d = c.dModel();
        float attentionScale = (float) (1.0 / Math.sqrt((double) d / c.decoderHeads()));
        float encoderScale = (float) (1.0 / Math.sqrt((double) d / c.encoderHeads()));

        Matrix encoderEmbedding;
        Matrix decoderEmbedding;
        Matrix lmHead;
        if (c.sharedEmbeddings()) {
            encoderEmbedding = l.matrix("model.shared.weight", c.vocabSize(), d, 1f);
            decoderEmbedding = encoderEmbedding;
            lmHead = encoderEmbedding;
        } else {
            encoderEmbedding = l.matrix("model.encoder.embed_tokens.weight", c.vocabSize(), d, 1f);
            decoderEmbedding = l.matrix("model.decoder.embed_tokens.weight", c.decoderVocabSize(), d, 1f);
            lmHead = l.matrix("lm_head.weight", c.decoderVocabSize(), d, 1f);
        }
        FloatTensor bias = l.vector("final_logits_bias");

        List<EncoderLayer> encoder = new ArrayList<>();
        for (int i = 0; i < c.encoderLayers(); i++) {
            String p = "model.encoder.layers." + i + ".";
            encoder.add(new EncoderLayer(l.attention(p + "self_attn.", d, encoderScale),
                    l.norm(p + "self_attn_layer_norm."), l.ffn(p, d, c.encoderFfnDim()), l.norm(p + "final_layer_norm.")));
        }
        List<DecoderLayer> decoder = new ArrayList<>();
        for (int i = 0; i < c.decoderLayers(); i++) {
            String p = "model.decoder.layers." + i + ".";
            decoder.add(new DecoderLayer(l.attention(p + "self_attn.", d, attentionScale),
                    l.norm(p + "self_attn_layer_norm."), l.attention(p + "encoder_attn.", d, attentionScale),
                    l.norm(p + "encoder_attn_layer_norm."), l.ffn(p, d, c.decoderFfnDim()),
                    l.norm(p + "final_layer_norm.")));
        }
        // Static positions are recomputed unless the checkpoint carries them (opus-mt checkpoints do).
        float[] sinusoid = Embeddings.marianSinusoidal(c.maxPositions(), d);
        FloatTensor encoderPositions = backend.upload(file.info(ENCODER_POSITIONS) != null
                ? file.readFloats(ENCODER_POSITIONS) : sinusoid);
        FloatTensor decoderPositions = backend.upload(file.info(DECODER_POSITIONS) != null
                ? file.readFloats(DECODER_POSITIONS) : sinusoid);
        return new MarianWeights(encoderEmbedding, decoderEmbedding, lmHead, bias, encoderPositions, decoderPositions,
                List.copyOf(encoder), List.copyOf(decoder));
    }

    /**
     * Reads tensors one at a time (in their stored type, converted as the policy says) and reports progress; only
     * one tensor is on the heap besides what the backend keeps.
     */
    private static final class Loader {
        final SafetensorsFile file;
        final Backend backend;
        final WeightPolicy policy;
        final ProgressListener progress;
        final long total;
        long done;

        Loader(SafetensorsFile file, Backend backend, WeightPolicy policy, ProgressListener progress, long total) {
            this.file = file;
            this.backend = backend;
            this.policy = policy;
            this.progress = progress;
            this.total = total;
        }

        Matrix matrix(String name, int rows, int cols, float outputScale) {
            Weights stored = file.readWeights(name, rows, cols);
            Matrix m = backend.uploadMatrix(WeightConversions.convert(stored, policy.typeFor(stored.type()), name),
                    outputScale);
            progress.progress(++done, total, name);
            return m;
        }

        FloatTensor vector(String name) {
            FloatTensor t = backend.upload(file.readFloats(name));
            progress.progress(++done, total, name);
            return t;
        }

        /** The query projection's outputs get attention's 1/sqrt(d_k), as transformers scales q after projecting. */
        Attention attention(String p, int d, float queryScale) {
            return new Attention(
                    matrix(p + "q_proj.weight", d, d, queryScale), vector(p + "q_proj.bias"),
                    matrix(p + "k_proj.weight", d, d, 1f), vector(p + "k_proj.bias"),
                    matrix(p + "v_proj.weight", d, d, 1f), vector(p + "v_proj.bias"),
                    matrix(p + "out_proj.weight", d, d, 1f), vector(p + "out_proj.bias"));
        }

        Norm norm(String p) {
            return new Norm(vector(p + "weight"), vector(p + "bias"));
        }

        Ffn ffn(String p, int d, int ffn) {
            return new Ffn(matrix(p + "fc1.weight", ffn, d, 1f), vector(p + "fc1.bias"),
                    matrix(p + "fc2.weight", d, ffn, 1f), vector(p + "fc2.bias"));
        }
    }
}

package io.streamformer.accelerator.models.llama;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Rotary;
import io.streamformer.accelerator.layers.AttentionLayer;
import io.streamformer.accelerator.layers.Dense;
import io.streamformer.accelerator.layers.Embeddings;
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
import java.util.Set;

import static io.streamformer.accelerator.format.JsonFiles.optBoolean;
import static io.streamformer.accelerator.format.JsonFiles.optDouble;
import static io.streamformer.accelerator.format.JsonFiles.optInteger;
import static io.streamformer.accelerator.format.JsonFiles.optIntegers;
import static io.streamformer.accelerator.format.JsonFiles.optString;
import static io.streamformer.accelerator.format.JsonFiles.requireInt;
import static io.streamformer.accelerator.models.ConfigChecks.FILE;
import static io.streamformer.accelerator.models.ConfigChecks.activationOf;
import static io.streamformer.accelerator.models.ConfigChecks.divides;
import static io.streamformer.accelerator.models.ConfigChecks.epsilon;
import static io.streamformer.accelerator.models.ConfigChecks.positive;
import static io.streamformer.accelerator.models.ConfigChecks.tokenInRange;
import static io.streamformer.accelerator.models.ConfigChecks.tokensInRange;

/**
 * The Llama family as transformers builds LlamaForCausalLM, MistralForCausalLM and Qwen2ForCausalLM: RMSNorm before
 * each sub-layer, rotary positions (rope_theta; Llama 3's rope_scaling), grouped-query attention, a SiLU-gated
 * feed-forward and a tied or separate output projection. Qwen2 adds biases to the query, key and value projections.
 * Sliding-window attention is refused unless the window covers the whole context (then it is full attention).
 */
public final class Llama implements Architecture {
    public static final Set<String> MODEL_TYPES = Set.of("llama", "mistral", "qwen2");

    /** The fields of config.json that inference depends on. */
    public record LlamaConfig(String modelType, int vocabSize, int dModel, int ffnDim, int layers, int heads,
                              int kvHeads, int headDim, Activation activation, int maxPositions, float rmsNormEps,
                              double ropeTheta, Rotary.Llama3Scaling ropeScaling, boolean qkvBias, boolean outputBias,
                              boolean mlpBias, boolean tiedHead, Integer bosTokenId, List<Integer> eosTokenIds,
                              Integer padTokenId) {

        public static LlamaConfig fromJson(JsonNode root) {
            String type = optString(root, FILE, "model_type", "llama");
            int vocab = requireInt(root, FILE, "vocab_size");
            int d = requireInt(root, FILE, "hidden_size");
            int ffn = requireInt(root, FILE, "intermediate_size");
            int layers = requireInt(root, FILE, "num_hidden_layers");
            int heads = requireInt(root, FILE, "num_attention_heads");
            Integer kv = optInteger(root, FILE, "num_key_value_heads");
            int kvHeads = kv != null ? kv : heads;
            positive("num_attention_heads", heads);
            Integer hd = optInteger(root, FILE, "head_dim");
            int headDim = hd != null ? hd : d / heads;
            Activation activation = activationOf(root, "hidden_act", "silu");
            int maxPos = requireInt(root, FILE, "max_position_embeddings");
            float eps = (float) optDouble(root, FILE, "rms_norm_eps", 1e-6);
            double theta = optDouble(root, FILE, "rope_theta", 10000.0);
            Rotary.Llama3Scaling scaling = ropeScaling(root.get("rope_scaling"));
            checkSlidingWindow(root, type, maxPos);
            boolean attentionBias = optBoolean(root, FILE, "attention_bias", false);
            boolean qwen2 = type.equals("qwen2");
            List<Integer> eos = optIntegers(root, FILE, "eos_token_id");
            if (eos == null) {
                throw new ModelFormatException(FILE + ": missing field 'eos_token_id'");
            }
            var c = new LlamaConfig(type, vocab, d, ffn, layers, heads, kvHeads, headDim, activation, maxPos, eps,
                    theta, scaling, qwen2 || attentionBias, !qwen2 && attentionBias,
                    optBoolean(root, FILE, "mlp_bias", false), optBoolean(root, FILE, "tie_word_embeddings", false),
                    optInteger(root, FILE, "bos_token_id"), eos, optInteger(root, FILE, "pad_token_id"));
            c.check();
            return c;
        }

        private static Rotary.Llama3Scaling ropeScaling(JsonNode node) {
            if (node == null || node.isNull()) {
                return null;
            }
            String type = node.hasNonNull("rope_type") ? node.get("rope_type").asText()
                    : node.hasNonNull("type") ? node.get("type").asText() : null;
            if ("default".equals(type)) {
                return null;
            }
            if (!"llama3".equals(type)) {
                throw new ModelFormatException(FILE + ": rope_scaling type " + (type == null ? "(none)" : "\"" + type
                        + "\"") + " is not supported (supported: \"llama3\", or no rope_scaling)");
            }
            String field = "rope_scaling";
            var s = new Rotary.Llama3Scaling(number(node, field, "factor"), number(node, field, "low_freq_factor"),
                    number(node, field, "high_freq_factor"),
                    (int) number(node, field, "original_max_position_embeddings"));
            if (!(s.factor() >= 1) || !(s.highFreqFactor() > s.lowFreqFactor()) || !(s.lowFreqFactor() > 0)
                    || s.originalMaxPositions() <= 0) {
                throw new ModelFormatException(FILE + ": rope_scaling " + node + " needs factor >= 1, "
                        + "0 < low_freq_factor < high_freq_factor and a positive original_max_position_embeddings");
            }
            return s;
        }

        private static double number(JsonNode node, String parent, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isNumber()) {
                throw new ModelFormatException(FILE + ": " + parent + "." + field + " must be a number, got " + v);
            }
            return v.doubleValue();
        }

        /** Sliding-window attention equals full attention only when the window covers the whole context. */
        private static void checkSlidingWindow(JsonNode root, String type, int maxPos) {
            Integer window = optInteger(root, FILE, "sliding_window");
            boolean used = switch (type) {
                case "mistral" -> window != null;
                case "qwen2" -> optBoolean(root, FILE, "use_sliding_window", false) && window != null;
                default -> false;
            };
            if (used && window < maxPos) {
                throw new ModelFormatException(FILE + ": sliding_window " + window + " is smaller than"
                        + " max_position_embeddings " + maxPos + "; sliding-window attention is not supported (a"
                        + " window of at least the context length, or null, is full attention)");
            }
        }

        private void check() {
            positive("vocab_size", vocabSize);
            positive("hidden_size", dModel);
            positive("intermediate_size", ffnDim);
            positive("num_hidden_layers", layers);
            positive("num_key_value_heads", kvHeads);
            positive("head_dim", headDim);
            positive("max_position_embeddings", maxPositions);
            divides("num_key_value_heads", kvHeads, "num_attention_heads", heads);
            if (headDim % 2 != 0) {
                throw new ModelFormatException(FILE + ": head_dim (" + headDim + ") must be even for rotary positions");
            }
            if (!(ropeTheta > 0)) {
                throw new ModelFormatException(FILE + ": rope_theta (" + ropeTheta + ") must be positive");
            }
            epsilon("rms_norm_eps", rmsNormEps);
            tokenInRange("bos_token_id", bosTokenId, vocabSize);
            tokensInRange("eos_token_id", eosTokenIds, vocabSize);
            tokenInRange("pad_token_id", padTokenId, vocabSize);
        }
    }

    private final LlamaConfig c;
    private final ModelInfo info;

    public Llama(LlamaConfig config) {
        this.c = config;
        this.info = ModelInfo.languageModel(c.modelType(), c.vocabSize(), c.maxPositions(), c.eosTokenIds(),
                c.padTokenId(), c.bosTokenId(), tensors(null).parameterCount());
    }

    public LlamaConfig config() {
        return c;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TensorPlan tensors(Checkpoint checkpoint) {
        TensorPlan t = new TensorPlan("config.json: " + c.layers() + " layers, hidden_size " + c.dModel());
        long d = c.dModel();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        t.require("model.embed_tokens.weight", c.vocabSize(), d);
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            linear(t, p + "self_attn.q_proj.", q, d, c.qkvBias());
            linear(t, p + "self_attn.k_proj.", kv, d, c.qkvBias());
            linear(t, p + "self_attn.v_proj.", kv, d, c.qkvBias());
            linear(t, p + "self_attn.o_proj.", d, q, c.outputBias());
            linear(t, p + "mlp.gate_proj.", c.ffnDim(), d, c.mlpBias());
            linear(t, p + "mlp.up_proj.", c.ffnDim(), d, c.mlpBias());
            linear(t, p + "mlp.down_proj.", d, c.ffnDim(), c.mlpBias());
            t.require(p + "input_layernorm.weight", d);
            t.require(p + "post_attention_layernorm.weight", d);
        }
        t.require("model.norm.weight", d);
        if (!c.tiedHead()) {
            t.require("lm_head.weight", c.vocabSize(), d);
        }
        return t;
    }

    private static void linear(TensorPlan t, String p, long out, long in, boolean bias) {
        t.require(p + "weight", out, in);
        if (bias) {
            t.require(p + "bias", out);
        }
    }

    @Override
    public TransformerModel load(Checkpoint checkpoint, Backend backend, WeightPolicy policy,
                                 ProgressListener progress) {
        WeightLoader l = new WeightLoader(checkpoint, backend, policy, progress, tensors(checkpoint).size());
        int d = c.dModel();
        int q = c.heads() * c.headDim();
        int kv = c.kvHeads() * c.headDim();
        var spec = new TransformerSpec(d, c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(),
                TransformerSpec.NormKind.RMS_NORM, c.rmsNormEps(), true, TransformerSpec.Positions.ROTARY,
                new TransformerSpec.Rope(c.ropeTheta(), c.ropeScaling()), true, c.activation(), false, 1f,
                c.maxPositions());
        float[][] tables = Rotary.tables(c.maxPositions(),
                Rotary.inverseFrequencies(c.headDim(), c.ropeTheta(), c.ropeScaling()));
        var rotary = new AttentionLayer.RotaryTables(backend.upload(tables[0]), backend.upload(tables[1]));
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));

        Matrix tokens = l.matrix("model.embed_tokens.weight", c.vocabSize(), d, 1f);
        List<TransformerLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            var attention = new AttentionLayer(l.dense(p + "self_attn.q_proj.", q, d, c.qkvBias()),
                    l.dense(p + "self_attn.k_proj.", kv, d, c.qkvBias()),
                    l.dense(p + "self_attn.v_proj.", kv, d, c.qkvBias()),
                    l.dense(p + "self_attn.o_proj.", d, q, c.outputBias()), c.heads(), c.kvHeads(), c.headDim(),
                    scale, rotary);
            var ffn = new FeedForward(l.dense(p + "mlp.up_proj.", c.ffnDim(), d, c.mlpBias()),
                    l.dense(p + "mlp.gate_proj.", c.ffnDim(), d, c.mlpBias()),
                    l.dense(p + "mlp.down_proj.", d, c.ffnDim(), c.mlpBias()), c.activation());
            layers.add(new TransformerLayer(attention, l.rmsNorm(p + "input_layernorm.", c.rmsNormEps()), null, null,
                    ffn, l.rmsNorm(p + "post_attention_layernorm.", c.rmsNormEps())));
        }
        var stack = new TransformerStack(spec, new Embeddings(tokens, null, 1f), layers,
                l.rmsNorm("model.norm.", c.rmsNormEps()));
        Matrix head = c.tiedHead() ? tokens : l.matrix("lm_head.weight", c.vocabSize(), d, 1f);
        return new TransformerModel(info, null, stack, new Dense(head, null), backend);
    }
}

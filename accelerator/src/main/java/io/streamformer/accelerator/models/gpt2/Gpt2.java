package io.streamformer.accelerator.models.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.format.Checkpoint;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.kernels.Activation;
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
import io.streamformer.accelerator.weights.WeightConversions;
import io.streamformer.accelerator.weights.WeightPolicy;
import io.streamformer.accelerator.weights.Weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * OpenAI's GPT-2 as transformers' GPT2LMHeadModel: learned positions, pre-LayerNorm blocks and a final ln_f, the
 * query/key/value projections fused in one Conv1D (stored [in, out]: transposed and split here), gelu_new, and an
 * output projection tied to the token embeddings.
 */
public final class Gpt2 implements Architecture {

    /** The fields of config.json that inference depends on. */
    public record Gpt2Config(int vocabSize, int positions, int dModel, int layers, int heads, int innerDim,
                             Activation activation, float layerNormEps, boolean scaleAttnWeights,
                             boolean scaleByInverseLayerIdx, boolean tiedHead, Integer bosTokenId,
                             List<Integer> eosTokenIds, Integer padTokenId) {

        public static Gpt2Config fromJson(JsonNode root) {
            int vocab = requireInt(root, FILE, "vocab_size");
            int positions = requireInt(root, FILE, "n_positions");
            int d = requireInt(root, FILE, "n_embd");
            int layers = requireInt(root, FILE, "n_layer");
            int heads = requireInt(root, FILE, "n_head");
            Integer inner = optInteger(root, FILE, "n_inner");
            Activation activation = activationOf(root, "activation_function", "gelu_new");
            float eps = (float) optDouble(root, FILE, "layer_norm_epsilon", 1e-5);
            Integer bos = optInteger(root, FILE, "bos_token_id");
            List<Integer> eos = optIntegers(root, FILE, "eos_token_id");
            if (eos == null) {
                throw new ModelFormatException(FILE + ": missing field 'eos_token_id'");
            }
            Integer pad = optInteger(root, FILE, "pad_token_id");
            var c = new Gpt2Config(vocab, positions, d, layers, heads, inner != null ? inner : 4 * d, activation, eps,
                    optBoolean(root, FILE, "scale_attn_weights", true),
                    optBoolean(root, FILE, "scale_attn_by_inverse_layer_idx", false),
                    optBoolean(root, FILE, "tie_word_embeddings", true), bos, eos, pad);
            c.check();
            return c;
        }

        private void check() {
            positive("vocab_size", vocabSize);
            positive("n_positions", positions);
            positive("n_embd", dModel);
            positive("n_layer", layers);
            positive("n_head", heads);
            positive("n_inner", innerDim);
            divides("n_head", heads, "n_embd", dModel);
            epsilon("layer_norm_epsilon", layerNormEps);
            tokenInRange("bos_token_id", bosTokenId, vocabSize);
            tokensInRange("eos_token_id", eosTokenIds, vocabSize);
            tokenInRange("pad_token_id", padTokenId, vocabSize);
        }

        int headDim() {
            return dModel / heads;
        }
    }

    private final Gpt2Config c;
    private final ModelInfo info;

    public Gpt2(Gpt2Config config) {
        this.c = config;
        this.info = ModelInfo.languageModel("gpt2", c.vocabSize(), c.positions(), c.eosTokenIds(), c.padTokenId(),
                c.bosTokenId(), plan("").parameterCount());
    }

    public Gpt2Config config() {
        return c;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /**
     * Checkpoints saved from GPT2LMHeadModel name their tensors "transformer.h.0...", the original ones (saved from
     * GPT2Model) "h.0...": whichever the file uses.
     */
    private static String prefix(Checkpoint checkpoint) {
        return checkpoint != null && checkpoint.info("wte.weight") != null ? "" : "transformer.";
    }

    @Override
    public TensorPlan tensors(Checkpoint checkpoint) {
        return plan(prefix(checkpoint));
    }

    private TensorPlan plan(String p) {
        TensorPlan t = new TensorPlan("config.json: " + c.layers() + " layers, n_embd " + c.dModel());
        long d = c.dModel();
        t.require(p + "wte.weight", c.vocabSize(), d);
        t.require(p + "wpe.weight", c.positions(), d);
        for (int i = 0; i < c.layers(); i++) {
            String h = p + "h." + i + ".";
            t.require(h + "ln_1.weight", d).require(h + "ln_1.bias", d);
            t.require(h + "attn.c_attn.weight", d, 3 * d).require(h + "attn.c_attn.bias", 3 * d);
            t.require(h + "attn.c_proj.weight", d, d).require(h + "attn.c_proj.bias", d);
            t.require(h + "ln_2.weight", d).require(h + "ln_2.bias", d);
            t.require(h + "mlp.c_fc.weight", d, c.innerDim()).require(h + "mlp.c_fc.bias", c.innerDim());
            t.require(h + "mlp.c_proj.weight", c.innerDim(), d).require(h + "mlp.c_proj.bias", d);
        }
        t.require(p + "ln_f.weight", d).require(p + "ln_f.bias", d);
        if (!c.tiedHead()) {
            t.require("lm_head.weight", c.vocabSize(), d);
        }
        return t;
    }

    @Override
    public TransformerModel load(Checkpoint checkpoint, Backend backend, WeightPolicy policy,
                                 ProgressListener progress) {
        String p = prefix(checkpoint);
        WeightLoader l = new WeightLoader(checkpoint, backend, policy, progress, plan(p).size());
        int d = c.dModel();
        TransformerSpec spec = new TransformerSpec(d, c.layers(), c.heads(), c.heads(), c.headDim(), c.innerDim(),
                TransformerSpec.NormKind.LAYER_NORM, c.layerNormEps(), true, TransformerSpec.Positions.TABLE, null,
                false, c.activation(), false, 1f, c.positions());
        Matrix tokens = l.matrix(p + "wte.weight", c.vocabSize(), d, 1f);
        var embeddings = new Embeddings(tokens, l.vector(p + "wpe.weight"), 1f);
        List<TransformerLayer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String h = p + "h." + i + ".";
            float scale = c.scaleAttnWeights() ? (float) (1.0 / Math.sqrt(c.headDim())) : 1f;
            if (c.scaleByInverseLayerIdx()) {
                scale /= i + 1;
            }
            Dense[] qkv = splitConv1D(l, h + "attn.c_attn.", d, 3);
            var attention = new AttentionLayer(qkv[0], qkv[1], qkv[2], conv1D(l, h + "attn.c_proj.", d, d),
                    c.heads(), c.heads(), c.headDim(), scale, null);
            var ffn = new FeedForward(conv1D(l, h + "mlp.c_fc.", d, c.innerDim()), null,
                    conv1D(l, h + "mlp.c_proj.", c.innerDim(), d), c.activation());
            layers.add(new TransformerLayer(attention, l.layerNorm(h + "ln_1.", c.layerNormEps()), null, null, ffn,
                    l.layerNorm(h + "ln_2.", c.layerNormEps())));
        }
        var stack = new TransformerStack(spec, embeddings, layers, l.layerNorm(p + "ln_f.", c.layerNormEps()));
        Matrix head = c.tiedHead() ? tokens : l.matrix("lm_head.weight", c.vocabSize(), d, 1f);
        return new TransformerModel(info, null, stack, new Dense(head, null), backend);
    }

    /** A Conv1D of [in, out] as a Dense of [out, in]. */
    private static Dense conv1D(WeightLoader l, String prefix, int in, int out) {
        String name = prefix + "weight";
        Weights w = WeightConversions.transpose(l.read(name, in, out));
        return new Dense(l.upload(w, name, 1f), l.vector(prefix + "bias"));
    }

    /** A Conv1D of [in, parts × in] (c_attn: query, key and value) as {@code parts} Dense layers of [in, in]. */
    private static Dense[] splitConv1D(WeightLoader l, String prefix, int in, int parts) {
        String name = prefix + "weight";
        Weights all = WeightConversions.transpose(l.read(name, in, parts * in));
        float[] bias = l.floats(prefix + "bias");
        Dense[] out = new Dense[parts];
        for (int k = 0; k < parts; k++) {
            Weights part = WeightConversions.rows(all, k * in, in);
            out[k] = new Dense(l.upload(part, name, 1f),
                    l.backend().upload(Arrays.copyOfRange(bias, k * in, (k + 1) * in)));
        }
        return out;
    }
}

package io.streamformer.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A tiny model saved by Hugging Face transformers with its exact outputs (see fixtures/hf/README.md). */
public final class HfFixture {

    /**
     * @param decoderInputIds an encoder-decoder's teacher-forced decoder prefix; null for a decoder-only model, whose
     *                        logits are those of the input ids themselves
     */
    public record Case(int[] inputIds, int[] decoderInputIds, float[][] logits, int[] argmaxAllPositions,
                       int[] greedySequence, int[] beamSequence, double beamScore, List<Generation> moreGenerations) {
    }

    /**
     * A generate() call with other settings (repetition_penalty, min_new_tokens, an eos_token_id override) and its
     * output: {@code kwargs} as transformers got them, the sequence, and the score for beam search (else NaN).
     */
    public record Generation(String name, JsonNode kwargs, int[] sequence, double score) {
    }

    private static final List<String> MORE_GENERATIONS = List.of("greedy_repetition_penalty",
            "beam_repetition_penalty", "greedy_min_new_tokens", "greedy_min_new_tokens_eos_override");

    private final Path dir;
    private final List<Case> cases;

    private HfFixture(Path dir, List<Case> cases) {
        this.dir = dir;
        this.cases = cases;
    }

    public static HfFixture load(String name) {
        try {
            Path dir = Path.of(HfFixture.class.getResource("/fixtures/hf/" + name + "/config.json").toURI()).getParent();
            JsonNode root = new ObjectMapper().readTree(dir.resolve("reference.json").toFile());
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                JsonNode logits = c.get("logits");
                float[][] rows = new float[logits.size()][];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = floats(logits.get(i));
                }
                JsonNode decoder = c.get("decoder_input_ids");
                List<Generation> more = new ArrayList<>();
                for (String key : MORE_GENERATIONS) {
                    JsonNode g = c.get(key);
                    if (g != null) {
                        more.add(new Generation(key, g.get("kwargs"), ints(g.get("sequences").get(0)),
                                g.has("sequences_scores") ? g.get("sequences_scores").get(0).asDouble() : Double.NaN));
                    }
                }
                cases.add(new Case(ints(c.get("input_ids")), decoder == null ? null : ints(decoder), rows,
                        ints(c.get("logits_argmax_all_positions")), ints(c.get("greedy").get("sequences").get(0)),
                        ints(c.get("beam").get("sequences").get(0)),
                        c.get("beam").get("sequences_scores").get(0).asDouble(), List.copyOf(more)));
            }
            return new HfFixture(dir, cases);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public List<Case> cases() {
        return cases;
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    static float[] floats(JsonNode n) {
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }
}

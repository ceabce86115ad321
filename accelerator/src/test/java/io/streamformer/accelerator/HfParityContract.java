package io.streamformer.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.kernels.Softmax;
import io.streamformer.accelerator.models.ProgressListener;
import io.streamformer.accelerator.scheduler.DecodingScheduler;
import io.streamformer.accelerator.scheduler.GenerationRequest;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.accelerator.scheduler.StepReport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Parity with Hugging Face transformers on a fixture made by transformers itself (fixtures/hf): logits, greedy
 * and beam search, alone, as one padded batch and with prompts prefilled in small chunks. Each backend runs these
 * for each fixture by extending this class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HfParityContract {

    protected abstract Backend newBackend();

    /** The fixture's folder under fixtures/hf. */
    protected abstract String fixtureName();

    /** Absolute tolerance on logits: 1e-4 on the JVM. */
    protected double logitsTolerance() {
        return 1e-4;
    }

    protected HfFixture fixture;
    protected Engine engine;

    @BeforeAll
    void loadModel() {
        fixture = HfFixture.load(fixtureName());
        engine = Engine.load(fixture.dir(), newBackend(), ProgressListener.NONE);
    }

    @AfterAll
    void closeModel() {
        if (engine != null) {
            engine.close();
        }
    }

    protected GenerationParams greedy() {
        return engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(12));
    }

    protected GenerationParams beam() {
        return engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(12).withNumBeams(3));
    }

    /** Sequences as the scheduler returns them, with a prefill budget of {@code prefillTokens} per step. */
    private List<GenerationResult> generateChunked(List<int[]> inputs, GenerationParams params, int prefillTokens) {
        int longest = inputs.stream().mapToInt(s -> s.length).max().orElse(1);
        var limits = SchedulerLimits.forBatch(inputs.size(), params.numBeams(), longest, longest + 13)
                .withMaxPrefillTokens(prefillTokens);
        GenerationResult[] out = new GenerationResult[inputs.size()];
        try (DecodingScheduler scheduler = engine.newScheduler(limits)) {
            for (int i = 0; i < inputs.size(); i++) {
                scheduler.submit(new GenerationRequest(Integer.toString(i), inputs.get(i), params));
            }
            while (!scheduler.isIdle()) {
                for (StepReport.Completion c : scheduler.step().completed()) {
                    out[Integer.parseInt(c.request().id())] = c.result();
                }
            }
        }
        return List.of(out);
    }

    @Test
    void logitsMatchTransformers() {
        for (HfFixture.Case c : fixture.cases()) {
            float[][] logits = engine.forward(c.inputIds(), c.decoderInputIds());
            assertThat(logits).hasNumberOfRows(c.decoderInputIds() != null ? c.decoderInputIds().length
                    : c.inputIds().length);
            for (int pos = 0; pos < c.logits().length; pos++) {
                float[] expected = c.logits()[pos];
                for (int v = 0; v < expected.length; v++) {
                    assertThat((double) logits[pos][v]).as("logit %d at position %d", v, pos)
                            .isCloseTo(expected[v], within(logitsTolerance()));
                }
            }
            for (int pos = 0; pos < c.argmaxAllPositions().length; pos++) {
                assertThat(Softmax.argmax(logits[pos], 0, logits[pos].length)).as("argmax at position %d", pos)
                        .isEqualTo(c.argmaxAllPositions()[pos]);
            }
        }
    }

    @Test
    void greedyMatchesTransformers() {
        for (HfFixture.Case c : fixture.cases()) {
            GenerationResult r = engine.generate(List.of(c.inputIds()), greedy(), 1, null).get(0);
            assertThat(r.sequence()).isEqualTo(c.greedySequence());
        }
    }

    @Test
    void beamSearchMatchesTransformers() {
        for (HfFixture.Case c : fixture.cases()) {
            GenerationResult r = engine.generate(List.of(c.inputIds()), beam(), 1, null).get(0);
            assertThat(r.sequence()).isEqualTo(c.beamSequence());
            assertThat(r.score()).isCloseTo(c.beamScore(), within(1e-4));
        }
    }

    /** generate() with repetition_penalty, min_new_tokens and an overridden eos_token_id, where the fixture has them. */
    @Test
    void otherSettingsMatchTransformers() {
        int checked = 0;
        for (HfFixture.Case c : fixture.cases()) {
            for (HfFixture.Generation g : c.moreGenerations()) {
                JsonNode k = g.kwargs();
                var overrides = new GenerationOverrides(k.get("max_new_tokens").asInt(),
                        k.has("min_new_tokens") ? k.get("min_new_tokens").asInt() : null, k.get("num_beams").asInt(),
                        false, null, null, null, null, k.has("length_penalty") ? k.get("length_penalty").asDouble() : null,
                        null, k.has("repetition_penalty") ? k.get("repetition_penalty").asDouble() : null);
                GenerationParams p = engine.params(overrides, c.inputIds());
                if (k.has("eos_token_id")) {
                    p = new GenerationParams(p.maxNewTokens(), p.minNewTokens(), p.numBeams(), p.doSample(),
                            p.temperature(), p.topK(), p.topP(), p.seed(), p.lengthPenalty(), p.earlyStopping(),
                            p.repetitionPenalty(), List.of(k.get("eos_token_id").asInt()), p.padTokenId(),
                            p.decoderStartTokenId(), p.forcedEosTokenId(), p.badWordsIds());
                }
                GenerationResult r = engine.generate(List.of(c.inputIds()), p, 1, null).get(0);
                assertThat(r.sequence()).as("%s, %s", g.name(), k).isEqualTo(g.sequence());
                if (!Double.isNaN(g.score())) {
                    assertThat(r.score()).as("%s score", g.name()).isCloseTo(g.score(), within(1e-4));
                }
                checked++;
            }
        }
        if (List.of("marian", "gpt2", "llama", "qwen2").contains(fixtureName())) {
            assertThat(checked).as("generations with other settings in the fixture").isGreaterThanOrEqualTo(9);
        }
    }

    @Test
    void everySequenceOfAPaddedBatchGetsItsResultAlone() {
        List<int[]> sources = new ArrayList<>();
        for (HfFixture.Case c : fixture.cases()) {
            sources.add(c.inputIds());
        }
        // sources of different lengths, in a different order, twice over
        for (HfFixture.Case c : fixture.cases().reversed()) {
            sources.add(c.inputIds());
        }
        for (GenerationParams params : List.of(greedy(), beam())) {
            List<GenerationResult> batched = engine.generate(sources, params, sources.size(), null);
            for (int i = 0; i < sources.size(); i++) {
                GenerationResult alone = engine.generate(List.of(sources.get(i)), params, 1, null).get(0);
                assertThat(batched.get(i).sequence()).as("sequence %d", i).isEqualTo(alone.sequence());
                assertThat(batched.get(i).score()).as("score %d", i).isEqualTo(alone.score());
            }
        }
    }

    @Test
    void promptsPrefilledInChunksGetTheSameResults() {
        List<int[]> inputs = new ArrayList<>();
        for (HfFixture.Case c : fixture.cases()) {
            inputs.add(c.inputIds());
        }
        for (GenerationParams params : List.of(greedy(), beam())) {
            List<GenerationResult> whole = generateChunked(inputs, params, 512);
            // 2 tokens per step for all prefills together: prompts take several steps, one request at a time
            List<GenerationResult> chunked = generateChunked(inputs, params, 2);
            for (int i = 0; i < inputs.size(); i++) {
                assertThat(chunked.get(i).sequence()).as("sequence %d", i).isEqualTo(whole.get(i).sequence());
                assertThat(chunked.get(i).score()).as("score %d", i).isEqualTo(whole.get(i).score());
            }
        }
    }
}

package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.kernels.Softmax;
import io.streamformer.accelerator.models.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Parity with Hugging Face transformers on the Marian fixture: logits, greedy and beam search, alone and
 * as one padded batch. Each backend runs these by extending this class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MarianParityContract {

    protected abstract Backend newBackend();

    /** Absolute tolerance on logits: 1e-4 on the JVM. */
    protected double logitsTolerance() {
        return 1e-4;
    }

    protected HfFixture fixture;
    protected Engine engine;

    @BeforeAll
    void loadModel() {
        fixture = HfFixture.load("marian");
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

    @Test
    void logitsMatchTransformers() {
        for (HfFixture.Case c : fixture.cases()) {
            float[][] logits = engine.forward(c.inputIds(), c.decoderInputIds());
            for (int pos = 0; pos < c.logits().length; pos++) {
                float[] expected = c.logits()[pos];
                for (int v = 0; v < expected.length; v++) {
                    assertThat((double) logits[pos][v]).as("logit %d at decoder position %d", v, pos)
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
}

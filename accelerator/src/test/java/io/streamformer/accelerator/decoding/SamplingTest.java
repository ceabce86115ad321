package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.HfFixture;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.models.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SamplingTest {
    private Engine engine;
    private int[] source;

    @BeforeAll
    void load() {
        HfFixture f = HfFixture.load("marian");
        engine = Engine.load(f.dir(), new JvmBackend(1), ProgressListener.NONE);
        source = f.cases().get(0).inputIds();
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private int[] sample(long seed, double temperature, int topK, double topP) {
        GenerationParams p = engine.generationConfig().resolve(
                new GenerationOverrides(12, null, 1, true, temperature, topK, topP, seed, null, null));
        return engine.generate(List.of(source), p, 1, null).get(0).sequence();
    }

    @Test
    void aFixedSeedReproducesTheOutput() {
        assertThat(sample(7, 1.5, 0, 1.0)).isEqualTo(sample(7, 1.5, 0, 1.0));
    }

    @Test
    void differentSeedsExploreDifferentSequences() {
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 8; seed++) {
            seen.add(java.util.Arrays.toString(sample(seed, 3.0, 0, 1.0)));
        }
        assertThat(seen).hasSizeGreaterThan(1);
    }

    @Test
    void topKOfOneOrATinyTopPIsGreedy() {
        GenerationParams greedy = engine.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(12));
        int[] expected = engine.generate(List.of(source), greedy, 1, null).get(0).sequence();
        assertThat(sample(3, 1.0, 1, 1.0)).isEqualTo(expected);
        assertThat(sample(3, 1.0, 0, 1e-6)).isEqualTo(expected);
    }

    @Test
    void neverSamplesABannedToken() {
        for (long seed = 0; seed < 5; seed++) {
            int[] seq = sample(seed, 5.0, 0, 1.0);
            for (int i = 1; i < seq.length; i++) {
                assertThat(seq[i]).as("pad id is in bad_words_ids").isNotEqualTo(95);
            }
        }
    }
}

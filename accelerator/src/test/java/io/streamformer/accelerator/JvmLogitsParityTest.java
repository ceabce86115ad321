package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.jvm.LogitsOnlyJvmBackend;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ProgressListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parity contract through the logits path of greedy decoding (a backend without argmaxRows: the host chooses),
 * and that path against the backend's argmax path: the same sequences and the same scores, with bans,
 * min_new_tokens and forced EOS in play.
 */
class JvmLogitsParityTest extends HfParityContract {
    @Override
    protected Backend newBackend() {
        return new LogitsOnlyJvmBackend(2);
    }

    @Override
    protected String fixtureName() {
        return "marian";
    }

    @Test
    void greedyThroughArgmaxEqualsGreedyThroughLogits() {
        assertThat(engine.model().supportsDecodeArgmax()).isFalse();
        List<int[]> sources = new ArrayList<>();
        for (HfFixture.Case c : fixture.cases()) {
            sources.add(c.inputIds());
        }
        try (Engine argmaxEngine = Engine.load(fixture.dir(), new JvmBackend(2), ProgressListener.NONE)) {
            assertThat(argmaxEngine.model().supportsDecodeArgmax()).isTrue();
            for (GenerationOverrides o : List.of(GenerationOverrides.NONE.withMaxNewTokens(12),
                    GenerationOverrides.NONE.withMaxNewTokens(9).withMinNewTokens(6),
                    GenerationOverrides.NONE.withMaxNewTokens(3))) {
                GenerationParams params = engine.generationConfig().resolve(o);
                List<GenerationResult> viaArgmax = argmaxEngine.generate(sources, params, 2, null);
                List<GenerationResult> viaLogits = engine.generate(sources, params, 2, null);
                for (int i = 0; i < sources.size(); i++) {
                    assertThat(viaArgmax.get(i).sequence()).as("sequence %d", i).isEqualTo(viaLogits.get(i).sequence());
                    assertThat(viaArgmax.get(i).score()).as("score %d", i).isEqualTo(viaLogits.get(i).score());
                    assertThat(viaArgmax.get(i).finishReason()).isEqualTo(viaLogits.get(i).finishReason());
                }
            }
        }
    }
}

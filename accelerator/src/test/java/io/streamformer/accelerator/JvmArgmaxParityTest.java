package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.jvm.ArgmaxJvmBackend;
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
 * The parity contract through the device-argmax path of greedy decoding (a backend offering argmaxRows), and
 * that path against the logits path: the same sequences and the same scores, with bans, min_new_tokens and
 * forced EOS in play.
 */
class JvmArgmaxParityTest extends MarianParityContract {
    @Override
    protected Backend newBackend() {
        return new ArgmaxJvmBackend(2);
    }

    @Test
    void greedyThroughArgmaxEqualsGreedyThroughLogits() {
        assertThat(engine.model().supportsDecodeArgmax()).isTrue();
        List<int[]> sources = new ArrayList<>();
        for (HfFixture.Case c : fixture.cases()) {
            sources.add(c.inputIds());
        }
        try (Engine logitsEngine = Engine.load(fixture.dir(), new JvmBackend(2), ProgressListener.NONE)) {
            assertThat(logitsEngine.model().supportsDecodeArgmax()).isFalse();
            for (GenerationOverrides o : List.of(GenerationOverrides.NONE.withMaxNewTokens(12),
                    GenerationOverrides.NONE.withMaxNewTokens(9).withMinNewTokens(6),
                    GenerationOverrides.NONE.withMaxNewTokens(3))) {
                GenerationParams params = engine.generationConfig().resolve(o);
                List<GenerationResult> viaArgmax = engine.generate(sources, params, 2, null);
                List<GenerationResult> viaLogits = logitsEngine.generate(sources, params, 2, null);
                for (int i = 0; i < sources.size(); i++) {
                    assertThat(viaArgmax.get(i).sequence()).as("sequence %d", i).isEqualTo(viaLogits.get(i).sequence());
                    assertThat(viaArgmax.get(i).score()).as("score %d", i).isEqualTo(viaLogits.get(i).score());
                    assertThat(viaArgmax.get(i).finishReason()).isEqualTo(viaLogits.get(i).finishReason());
                }
            }
        }
    }
}

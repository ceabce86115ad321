package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.HfFixture;
import io.streamformer.accelerator.backends.Backends;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import io.streamformer.accelerator.decoding.GenerationOverrides;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ProgressListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The causal fixtures on the TornadoVM backend against the jvm backend itself (not only against transformers'
 * recorded outputs): logits of every position within 1e-3, greedy tokens equal for the prompts alone and as one
 * batch. Under tornado.recover.bailout=False, so every kernel runs compiled on the device.
 */
class TornadoMatchesJvmTest {

    @BeforeAll
    static void kernelsMustNotFallBackToJava() {
        assertThat(System.getProperty("tornado.recover.bailout")).as("tornado.recover.bailout (see the pom's"
                + " tornadovm.test.args)").isEqualToIgnoringCase("false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "llama3", "llama-bf16", "qwen2", "mistral"})
    void logitsAndGreedyTokensMatchTheJvmBackend(String name) {
        HfFixture fixture = HfFixture.load(name);
        try (Engine jvm = Engine.load(fixture.dir(), new JvmBackend(2), ProgressListener.NONE);
             Engine tvm = Engine.load(fixture.dir(), Backends.create("tornadovm", null), ProgressListener.NONE)) {
            List<int[]> prompts = new ArrayList<>();
            for (HfFixture.Case c : fixture.cases()) {
                prompts.add(c.inputIds());
                float[][] expected = jvm.forward(c.inputIds(), null);
                float[][] actual = tvm.forward(c.inputIds(), null);
                assertThat(actual.length).isEqualTo(expected.length);
                for (int pos = 0; pos < expected.length; pos++) {
                    for (int v = 0; v < expected[pos].length; v++) {
                        assertThat((double) actual[pos][v]).as("%s logit %d at position %d", name, v, pos)
                                .isCloseTo(expected[pos][v], within(1e-3));
                    }
                }
            }
            GenerationParams greedy = jvm.generationConfig().resolve(GenerationOverrides.NONE.withMaxNewTokens(16));
            for (int batch : new int[]{1, prompts.size()}) {
                List<GenerationResult> a = jvm.generate(prompts, greedy, batch, null);
                List<GenerationResult> b = tvm.generate(prompts, greedy, batch, null);
                for (int i = 0; i < prompts.size(); i++) {
                    assertThat(b.get(i).sequence()).as("%s greedy tokens of prompt %d, batch %d", name, i, batch)
                            .isEqualTo(a.get(i).sequence());
                }
            }
        }
    }
}

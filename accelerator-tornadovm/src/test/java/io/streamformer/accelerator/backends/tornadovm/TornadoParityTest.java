package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.HfParityContract;
import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.Backends;
import org.junit.jupiter.api.Nested;

/**
 * The Hugging Face parity contract on the TornadoVM backend (default device), for every architecture's fixture, as
 * {@code JvmParityTest} runs it on the jvm backend: logits within 1e-3 of transformers', greedy and beam sequences
 * equal, packed batches and chunked prefill equal to each sequence alone. Run with tornado.recover.bailout=False (the
 * module's surefire arguments) so that a silent fallback to sequential Java fails instead of passing.
 */
class TornadoParityTest {

    abstract static class OnTornado extends HfParityContract {
        @Override
        protected Backend newBackend() {
            return Backends.create("tornadovm", null);
        }

        @Override
        protected double logitsTolerance() {
            return 1e-3;
        }
    }

    @Nested
    class Marian extends OnTornado {
        @Override
        protected String fixtureName() {
            return "marian";
        }
    }

    /** Learned positions, pre-norm LayerNorm, gelu_new, tied head. */
    @Nested
    class Gpt2 extends OnTornado {
        @Override
        protected String fixtureName() {
            return "gpt2";
        }
    }

    /** RMSNorm, rotary positions, grouped-query attention, SiLU-gated feed-forward. */
    @Nested
    class Llama extends OnTornado {
        @Override
        protected String fixtureName() {
            return "llama";
        }
    }

    /** Llama 3's rope_scaling and its list of EOS ids. */
    @Nested
    class Llama3 extends OnTornado {
        @Override
        protected String fixtureName() {
            return "llama3";
        }
    }

    /** The llama fixture saved in three shards with an index. */
    @Nested
    class LlamaSharded extends OnTornado {
        @Override
        protected String fixtureName() {
            return "llama-sharded";
        }
    }

    /** BF16 weights, widened to f32 on the device. */
    @Nested
    class LlamaBf16 extends OnTornado {
        @Override
        protected String fixtureName() {
            return "llama-bf16";
        }
    }

    /** Query/key/value biases and a tied head. */
    @Nested
    class Qwen2 extends OnTornado {
        @Override
        protected String fixtureName() {
            return "qwen2";
        }
    }

    @Nested
    class Mistral extends OnTornado {
        @Override
        protected String fixtureName() {
            return "mistral";
        }
    }
}

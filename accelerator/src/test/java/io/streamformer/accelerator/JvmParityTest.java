package io.streamformer.accelerator;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.jvm.JvmBackend;
import org.junit.jupiter.api.Nested;

/** The parity contract on the jvm backend, for every architecture's fixture. */
class JvmParityTest {

    abstract static class OnJvm extends HfParityContract {
        @Override
        protected Backend newBackend() {
            return new JvmBackend(2);
        }
    }

    @Nested
    class Marian extends OnJvm {
        @Override
        protected String fixtureName() {
            return "marian";
        }
    }

    @Nested
    class Gpt2 extends OnJvm {
        @Override
        protected String fixtureName() {
            return "gpt2";
        }
    }

    @Nested
    class Llama extends OnJvm {
        @Override
        protected String fixtureName() {
            return "llama";
        }
    }

    /** Llama 3's rope_scaling and its list of EOS ids. */
    @Nested
    class Llama3 extends OnJvm {
        @Override
        protected String fixtureName() {
            return "llama3";
        }
    }

    /** The llama fixture saved in three shards with an index. */
    @Nested
    class LlamaSharded extends OnJvm {
        @Override
        protected String fixtureName() {
            return "llama-sharded";
        }
    }

    /** BF16 weights, kept BF16 in memory and widened in the kernels. */
    @Nested
    class LlamaBf16 extends OnJvm {
        @Override
        protected String fixtureName() {
            return "llama-bf16";
        }
    }

    /** Query/key/value biases and a tied head. */
    @Nested
    class Qwen2 extends OnJvm {
        @Override
        protected String fixtureName() {
            return "qwen2";
        }
    }

    @Nested
    class Mistral extends OnJvm {
        @Override
        protected String fixtureName() {
            return "mistral";
        }
    }
}

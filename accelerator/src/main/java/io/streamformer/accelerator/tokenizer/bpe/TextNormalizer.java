package io.streamformer.accelerator.tokenizer.bpe;

import java.text.Normalizer;
import java.util.List;

/**
 * tokenizer.json's {@code normalizer}: rewrites each piece of text between added tokens before
 * pre-tokenization. Only the normalizers that GPT-2, Llama, Qwen2 and their kin use are implemented.
 */
sealed interface TextNormalizer {

    String normalize(String text);

    /** No normalizer in the file. */
    record Identity() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text;
        }
    }

    /** Unicode NFC (Qwen2). */
    record Nfc() implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return Normalizer.normalize(text, Normalizer.Form.NFC);
        }
    }

    /** Puts {@code prefix} before non-empty text (Llama 2's "▁" before the first word). */
    record Prepend(String prefix) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every occurrence of a literal string (Llama 2's space to "▁"). */
    record Replace(String pattern, String content) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            return pattern.isEmpty() ? text : text.replace(pattern, content);
        }
    }

    record Sequence(List<TextNormalizer> steps) implements TextNormalizer {
        @Override
        public String normalize(String text) {
            for (TextNormalizer step : steps) {
                text = step.normalize(text);
            }
            return text;
        }
    }
}

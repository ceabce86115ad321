package io.streamformer.accelerator.tokenizer;

/**
 * Text to a model's input ids and generated ids back to text. One implementation per tokenizer family: Marian's
 * SentencePiece pair ({@link MarianTokenizer}) and Hugging Face's tokenizer.json (byte-level BPE as GPT-2, Llama 3
 * and Qwen2 use it, SentencePiece-style BPE with byte fallback as Llama 2, Mistral and TinyLlama do). Literal
 * special-token strings inside user text are plain text, never control tokens. Implementations are immutable and
 * thread-safe.
 */
public interface Tokenizer {

    /** The ids of {@code text} with the special tokens the tokenizer adds by default (Marian's EOS, Llama's BOS). */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /** The ids of {@code text}; with {@code addSpecialTokens} false, only the text's own tokens. */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}, special tokens dropped (transformers' {@code decode(ids, skip_special_tokens=True)}). */
    String decode(int[] ids);

    /** One more than the largest id the tokenizer produces: it must not exceed the model's vocabulary. */
    int idLimit();
}

package io.streamformer.accelerator;

import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.accelerator.tokenizer.Tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * The text side of a loaded model: its tokenizer (and a chat model's template), turning request text into the
 * model's input ids and generated ids back into text. A translation model's text is its source sentence; a language
 * model's text is a raw prompt (with the special tokens its tokenizer adds, e.g. Llama's BOS), and its generated text
 * is that of the new tokens only.
 */
public final class ModelText {
    private final ModelInfo info;
    private final Tokenizer tokenizer;

    private ModelText(ModelInfo info, Tokenizer tokenizer) {
        this.info = info;
        this.tokenizer = tokenizer;
    }

    /**
     * The tokenizer files of the engine's model directory, checked against the model; null when it has none.
     *
     * @throws ModelFormatException when the files are unreadable or do not fit the model
     */
    public static ModelText load(Engine engine) {
        ModelInfo info = engine.info();
        if (info.encoderDecoder()) {
            if (!MarianTokenizer.missingFiles(engine.modelDir()).isEmpty()) {
                return null;
            }
            return new ModelText(info, Translator.of(engine).tokenizer()); // Translator checks that its ids fit
        }
        return null;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Whether requests may come as chat messages. */
    public boolean hasChatTemplate() {
        return false;
    }

    /** The model's input ids for {@code text}: a translation model's source, a language model's raw prompt. */
    public int[] encode(String text) {
        return tokenizer.encode(text, true);
    }

    /**
     * The prompt ids of a conversation, rendered with the model's chat template and its generation prompt.
     *
     * @throws IllegalArgumentException when the model has no template or the template refuses the messages
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        throw new IllegalArgumentException("the model has no chat template (chat_template in tokenizer_config.json)");
    }

    /**
     * The text of a generation: a translation model's decoder sequence, a language model's new tokens (the ids after
     * its prompt of {@code promptLength}); special tokens dropped.
     */
    public String decodeGenerated(int[] sequence, int promptLength) {
        int from = info.encoderDecoder() ? 0 : promptLength;
        return tokenizer.decode(Arrays.copyOfRange(sequence, from, sequence.length));
    }

    public StopStrings stopStrings(List<String> strings) {
        return new StopStrings(tokenizer, strings);
    }
}

package io.streamformer.accelerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamformer.accelerator.format.ModelFormatException;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.accelerator.tokenizer.Tokenizer;
import io.streamformer.accelerator.tokenizer.bpe.HfTokenizer;
import io.streamformer.accelerator.tokenizer.bpe.InvalidTokenizerException;
import io.streamformer.accelerator.tokenizer.chat.ChatMessage;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplate;
import io.streamformer.accelerator.tokenizer.chat.ChatTemplateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The text side of a loaded model: its tokenizer (and a chat model's template), turning request text into the
 * model's input ids and generated ids back into text. A translation model's text is its source sentence (Marian's
 * SentencePiece files); a language model's text is a raw prompt (tokenizer.json, with the special tokens it adds,
 * e.g. Llama's BOS), its conversations are rendered with the chat template of tokenizer_config.json (or
 * chat_template.jinja), and its generated text is that of the new tokens only.
 */
public final class ModelText {
    private final ModelInfo info;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;

    private ModelText(ModelInfo info, Tokenizer tokenizer, ChatTemplate chatTemplate) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
    }

    /**
     * The tokenizer files of the engine's model directory, checked against the model; null when it has none.
     *
     * @throws ModelFormatException when the files are unreadable or do not fit the model, naming the file
     */
    public static ModelText load(Engine engine) {
        ModelInfo info = engine.info();
        Path dir = engine.modelDir();
        if (info.encoderDecoder()) {
            if (!MarianTokenizer.missingFiles(dir).isEmpty()) {
                return null;
            }
            return new ModelText(info, Translator.of(engine).tokenizer(), null); // Translator checks the ids fit
        }
        if (!Files.isRegularFile(dir.resolve(HfTokenizer.FILE_NAME))) {
            return null;
        }
        try {
            HfTokenizer tokenizer = HfTokenizer.load(dir);
            if (tokenizer.idLimit() > info.sourceVocabSize()) {
                throw new ModelFormatException(HfTokenizer.FILE_NAME + " has ids up to " + (tokenizer.idLimit() - 1)
                        + " but the model's vocabulary has " + info.sourceVocabSize() + " entries");
            }
            ChatTemplate template = hasChatTemplate(dir) ? ChatTemplate.load(dir) : null;
            return new ModelText(info, tokenizer, template);
        } catch (InvalidTokenizerException | ChatTemplateException e) {
            throw new ModelFormatException(e.getMessage(), e);
        }
    }

    /** Whether the directory has chat_template.jinja or a chat_template in tokenizer_config.json. */
    private static boolean hasChatTemplate(Path dir) {
        if (Files.isRegularFile(dir.resolve(ChatTemplate.TEMPLATE_FILE))) {
            return true;
        }
        Path config = dir.resolve(ChatTemplate.CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            return false;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(config.toFile());
            return root != null && root.hasNonNull("chat_template");
        } catch (IOException e) {
            throw new ModelFormatException(config + ": not readable JSON: " + e.getMessage(), e);
        }
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Whether requests may come as chat messages. */
    public boolean hasChatTemplate() {
        return chatTemplate != null;
    }

    /** The model's input ids for {@code text}: a translation model's source, a language model's raw prompt. */
    public int[] encode(String text) {
        return tokenizer.encode(text, true);
    }

    /**
     * The prompt ids of a conversation, rendered with the model's chat template and its generation prompt; control
     * tokens typed inside a message stay text.
     *
     * @throws IllegalArgumentException when the model has no template or the template refuses the messages
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        if (chatTemplate == null) {
            throw new IllegalArgumentException("the model has no chat template (chat_template in"
                    + " tokenizer_config.json)");
        }
        try {
            return chatTemplate.encode((HfTokenizer) tokenizer, messages, true);
        } catch (ChatTemplateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
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

package io.streamformer.accelerator.tokenizer.bpe;

/**
 * A tokenizer.json or tokenizer_config.json that cannot be used: damaged, or asking for a component this
 * package does not implement. The message is one line naming the file and the field.
 */
public final class InvalidTokenizerException extends RuntimeException {

    public InvalidTokenizerException(String message) {
        super(message);
    }

    public InvalidTokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}

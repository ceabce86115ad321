package io.streamformer.accelerator.format;

/**
 * A model directory that cannot be used. The message is one line meant for a person: it names the
 * file and the tensor or config field that is wrong, and what was expected.
 */
public final class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

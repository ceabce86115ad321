package io.streamformer.app.cli;

/** A malformed input file; the message names the file and line. */
public final class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }
}

package io.streamformer.accelerator.tokenizer.chat;

/**
 * A chat template that cannot be used or that refused a conversation: a syntax error, a
 * {@code raise_exception(...)} of the template (an unknown role, roles out of order), or a failed expression.
 * The message is one line naming the template's file and what failed.
 */
public final class ChatTemplateException extends RuntimeException {

    public ChatTemplateException(String message) {
        super(message);
    }
}

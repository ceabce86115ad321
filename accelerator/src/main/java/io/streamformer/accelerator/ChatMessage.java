package io.streamformer.accelerator;

/** One turn of a conversation for a chat model: who speaks (system, user, assistant, tool) and what they say. */
public record ChatMessage(String role, String content) {
}

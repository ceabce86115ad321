package io.streamformer.accelerator.models;

/**
 * New decoder tokens of one sequence: {@code tokens} sit at positions startPosition, startPosition+1, ...
 * The sequence's self-attention cache is slot {@code sequenceSlot} (positions before startPosition must be
 * filled already); it attends to the encoder output of request slot {@code requestSlot}. One token is a
 * decoding step; several are a prefill (teacher forcing, or rebuilding the cache after a restart).
 */
public record DecoderInput(int sequenceSlot, int requestSlot, int startPosition, int[] tokens) {
}

package io.streamformer.accelerator.models;

/** A source sequence to encode; its cross-attention keys and values go to request slot {@code requestSlot}. */
public record EncoderInput(int requestSlot, int[] tokens) {
}

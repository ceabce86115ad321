package io.streamformer.accelerator.tokenizer;

import java.util.List;

/** Splits a normalized sentence (UTF-8 bytes) into vocabulary pieces: the model-specific part of encoding. */
interface Segmenter {

    /** A piece of the normalized sentence: bytes {@code [start, end)}, and its id ({@code <unk>} if none). */
    record Segment(int start, int end, int id) {
    }

    /** The segments, in order and covering every byte of {@code normalized}. */
    List<Segment> segment(byte[] normalized);
}

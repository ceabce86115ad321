package io.streamformer.accelerator.tokenizer;

/** The kinds of vocabulary entries in a SentencePiece model (ModelProto.SentencePiece.Type). */
public enum PieceType {
    /** An ordinary piece that segmentation may produce. */
    NORMAL,
    /** The unknown-character piece, {@code <unk>}. */
    UNKNOWN,
    /** A symbol with no surface text, such as {@code <s>} and {@code </s>}: never produced from text. */
    CONTROL,
    /** A symbol the user asked to keep whole: matched before normalization and always preferred. */
    USER_DEFINED,
    /** A piece kept in the vocabulary but never produced by segmentation. */
    UNUSED,
    /** {@code <0x00>} to {@code <0xFF>}: the bytes of characters the vocabulary lacks, when byte_fallback is on. */
    BYTE;

    static PieceType fromProto(int value) {
        return switch (value) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> throw new ProtoReader.MalformedException("unknown piece type " + value);
        };
    }
}

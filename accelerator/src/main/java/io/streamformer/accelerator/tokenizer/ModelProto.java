package io.streamformer.accelerator.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The content of a SentencePiece model file ({@code *.model}, or {@code source.spm}/{@code target.spm} in
 * Marian checkpoints): a serialized {@code sentencepiece.ModelProto}. Only the fields that encoding and
 * decoding use are read; field numbers and defaults are those of sentencepiece_model.proto.
 */
record ModelProto(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec,
                  NormalizerSpec denormalizerSpec) {

    /** One vocabulary entry; its id is its index in {@link #pieces()}. */
    record Piece(String text, float score, PieceType type) {
    }

    enum ModelType { UNIGRAM, BPE, WORD, CHAR }

    /** The training settings that also govern encoding and decoding. */
    record TrainerSpec(ModelType modelType, boolean byteFallback, boolean treatWhitespaceAsSuffix,
                       String unkSurface) {
        static final String DEFAULT_UNK_SURFACE = " \u2047 ";
    }

    /** How text is normalized before segmentation (or, for a denormalizer, after decoding). */
    record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
                          boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    static ModelProto parse(byte[] bytes) {
        ProtoReader in = new ProtoReader(bytes);
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = parseTrainerSpec(null);
        NormalizerSpec normalizer = parseNormalizerSpec(null);
        NormalizerSpec denormalizer = null;
        while (in.hasMore()) {
            in.nextField();
            switch (in.fieldNumber()) {
                case 1 -> pieces.add(parsePiece(in.readMessage()));
                case 2 -> trainer = parseTrainerSpec(in.readMessage());
                case 3 -> normalizer = parseNormalizerSpec(in.readMessage());
                case 5 -> denormalizer = parseNormalizerSpec(in.readMessage());
                default -> in.skipField();
            }
        }
        // SentencePiece ignores a denormalizer without rules.
        if (denormalizer != null && denormalizer.precompiledCharsmap().length == 0) {
            denormalizer = null;
        }
        return new ModelProto(List.copyOf(pieces), trainer, normalizer, denormalizer);
    }

    private static Piece parsePiece(ProtoReader in) {
        String text = "";
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (in.hasMore()) {
            in.nextField();
            switch (in.fieldNumber()) {
                case 1 -> text = in.readString();
                case 2 -> score = in.readFloat();
                case 3 -> type = PieceType.fromProto(in.readInt32());
                default -> in.skipField();
            }
        }
        return new Piece(text, score, type);
    }

    /** The trainer spec in {@code in}, or the proto defaults when {@code in} is null. */
    private static TrainerSpec parseTrainerSpec(ProtoReader in) {
        int modelType = 1;
        boolean byteFallback = false;
        boolean whitespaceAsSuffix = false;
        String unkSurface = TrainerSpec.DEFAULT_UNK_SURFACE;
        while (in != null && in.hasMore()) {
            in.nextField();
            switch (in.fieldNumber()) {
                case 3 -> modelType = in.readInt32();
                case 24 -> whitespaceAsSuffix = in.readBool();
                case 35 -> byteFallback = in.readBool();
                case 44 -> unkSurface = in.readString();
                default -> in.skipField();
            }
        }
        ModelType type = switch (modelType) {
            case 1 -> ModelType.UNIGRAM;
            case 2 -> ModelType.BPE;
            case 3 -> ModelType.WORD;
            case 4 -> ModelType.CHAR;
            default -> throw new ProtoReader.MalformedException("unknown model_type " + modelType);
        };
        return new TrainerSpec(type, byteFallback, whitespaceAsSuffix, unkSurface);
    }

    /** The normalizer spec in {@code in}, or the proto defaults when {@code in} is null. */
    private static NormalizerSpec parseNormalizerSpec(ProtoReader in) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean dummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        while (in != null && in.hasMore()) {
            in.nextField();
            switch (in.fieldNumber()) {
                case 1 -> name = in.readString();
                case 2 -> charsmap = in.readBytes();
                case 3 -> dummyPrefix = in.readBool();
                case 4 -> removeExtraWhitespaces = in.readBool();
                case 5 -> escapeWhitespaces = in.readBool();
                default -> in.skipField();
            }
        }
        return new NormalizerSpec(name, charsmap, dummyPrefix, removeExtraWhitespaces, escapeWhitespaces);
    }
}

package io.streamformer.accelerator.tokenizer;

import io.streamformer.accelerator.format.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece model in pure Java: text to pieces and ids, and back, with the results of the C++
 * library (checked against it on thousands of sentences; see the tests). Unigram and BPE models are
 * supported, with byte fallback, user-defined symbols and denormalization. Immutable and thread-safe.
 */
public final class SentencePieceProcessor {
    private final PieceVocabulary vocabulary;
    private final Normalizer normalizer;
    private final Segmenter segmenter;
    private final PieceDecoder decoder;
    private final boolean byteFallback;

    private SentencePieceProcessor(ModelProto model) {
        this.vocabulary = new PieceVocabulary(model);
        ModelProto.TrainerSpec trainer = model.trainerSpec();
        this.normalizer = new Normalizer(model.normalizerSpec(), vocabulary.userDefinedTrie(),
                trainer.treatWhitespaceAsSuffix());
        this.segmenter = switch (trainer.modelType()) {
            case UNIGRAM -> new UnigramSegmenter(vocabulary);
            case BPE -> new BpeSegmenter(vocabulary);
            default -> throw new ProtoReader.MalformedException("model_type " + trainer.modelType()
                    + " is not supported (only UNIGRAM and BPE are)");
        };
        Normalizer denormalizer = model.denormalizerSpec() == null ? null
                : new Normalizer(model.denormalizerSpec(), null, false);
        this.decoder = new PieceDecoder(vocabulary, model.normalizerSpec(), trainer.unkSurface(), denormalizer);
        this.byteFallback = trainer.byteFallback();
    }

    /** Loads a model file; errors name the file and say what is wrong with it. */
    public static SentencePieceProcessor load(Path file) {
        String name = file.getFileName().toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(name + ": not found in " + file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new ModelFormatException(name + ": cannot read: " + e.getMessage(), e);
        }
        return fromBytes(bytes, name);
    }

    /** Parses a serialized model; {@code name} is used in error messages. */
    public static SentencePieceProcessor fromBytes(byte[] bytes, String name) {
        try {
            return new SentencePieceProcessor(ModelProto.parse(bytes));
        } catch (ProtoReader.MalformedException e) {
            throw new ModelFormatException(name + " is not a usable SentencePiece model: " + e.getMessage());
        }
    }

    /** One piece of an encoded sentence and its id in this model. */
    public record Piece(String piece, int id) {
    }

    /** Normalizes and segments {@code text}, like {@code SentencePieceProcessor.encode} in C++ and Python. */
    public List<Piece> encode(String text) {
        byte[] normalized = normalizer.normalize(Utf8.encode(text));
        List<Segmenter.Segment> segments = segmenter.segment(normalized);
        List<Piece> pieces = new ArrayList<>(segments.size());
        boolean previousWasUnknown = false;
        for (Segmenter.Segment segment : segments) {
            boolean unknown = vocabulary.type(segment.id()) == PieceType.UNKNOWN;
            if (unknown && byteFallback) {
                // a character the vocabulary lacks is spelled out as its UTF-8 bytes
                for (int i = segment.start(); i < segment.end(); i++) {
                    int b = normalized[i] & 0xFF;
                    pieces.add(new Piece(PieceVocabulary.bytePiece(b), vocabulary.byteId(b)));
                }
            } else if (unknown && previousWasUnknown) {
                // consecutive unknown characters become one <unk> piece, as SentencePiece does
                Piece last = pieces.remove(pieces.size() - 1);
                pieces.add(new Piece(last.piece() + Utf8.decode(normalized, segment.start(), segment.end()),
                        last.id()));
            } else {
                pieces.add(new Piece(Utf8.decode(normalized, segment.start(), segment.end()), segment.id()));
            }
            previousWasUnknown = unknown;
        }
        return pieces;
    }

    public List<String> encodeAsPieces(String text) {
        return encode(text).stream().map(Piece::piece).toList();
    }

    public int[] encodeAsIds(String text) {
        return encode(text).stream().mapToInt(Piece::id).toArray();
    }

    /** The normalized form of {@code text} that segmentation sees (with ▁ for spaces). */
    public String normalize(String text) {
        byte[] normalized = normalizer.normalize(Utf8.encode(text));
        return Utf8.decode(normalized, 0, normalized.length);
    }

    /** Pieces back to text, like {@code DecodePieces}: a piece this model does not know is copied as is. */
    public String decodePieces(List<String> pieces) {
        return decoder.decode(pieces);
    }

    /** Ids back to text, like {@code DecodeIds}. */
    public String decodeIds(int[] ids) {
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= vocabulary.size()) {
                throw new IllegalArgumentException("invalid id " + id + ": the model has " + vocabulary.size()
                        + " pieces");
            }
            pieces.add(vocabulary.piece(id));
        }
        return decoder.decode(pieces);
    }

    public int pieceCount() {
        return vocabulary.size();
    }

    public String idToPiece(int id) {
        return vocabulary.piece(id);
    }

    /** The id of {@code piece}, or the {@code <unk>} id when the model has no such piece. */
    public int pieceToId(String piece) {
        return vocabulary.pieceToId(piece);
    }

    public PieceType type(int id) {
        return vocabulary.type(id);
    }

    public float score(int id) {
        return vocabulary.score(id);
    }

    public int unkId() {
        return vocabulary.unkId();
    }
}

package io.streamformer.accelerator.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of a SentencePiece model with their ids, scores and types, and the lookups that encoding and
 * decoding need. Checks the same invariants as SentencePiece's ModelInterface::InitializePieces.
 */
final class PieceVocabulary {
    private final String[] pieces;
    private final float[] scores;
    private final PieceType[] types;
    /** Pieces that segmentation can produce or match: NORMAL, USER_DEFINED, UNUSED. */
    private final Map<String, Integer> segmentable = new HashMap<>();
    /** Pieces looked up before the others: CONTROL, UNKNOWN, BYTE. */
    private final Map<String, Integer> reserved = new HashMap<>();
    private final int unkId;
    private final int[] byteIds;        // byte value -> id of its <0xXX> piece, when byte_fallback is on
    private final int[] byteValues;     // id -> byte value, or -1
    private final float minScore;
    private final float maxScore;

    PieceVocabulary(ModelProto model) {
        List<ModelProto.Piece> list = model.pieces();
        if (list.isEmpty()) {
            throw new ProtoReader.MalformedException("the model has no pieces");
        }
        int n = list.size();
        pieces = new String[n];
        scores = new float[n];
        types = new PieceType[n];
        byteValues = new int[n];
        Arrays.fill(byteValues, -1);
        byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        int unk = -1;
        // C++ starts from FLT_MAX and FLT_MIN (the smallest positive normal float), and so do we.
        float min = Float.MAX_VALUE;
        float max = Float.MIN_NORMAL;
        for (int id = 0; id < n; id++) {
            ModelProto.Piece p = list.get(id);
            if (p.text().isEmpty()) {
                throw new ProtoReader.MalformedException("piece " + id + " is empty");
            }
            pieces[id] = p.text();
            scores[id] = p.score();
            types[id] = p.type();
            boolean isSegmentable = p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED
                    || p.type() == PieceType.UNUSED;
            if ((isSegmentable ? segmentable : reserved).putIfAbsent(p.text(), id) != null) {
                throw new ProtoReader.MalformedException("piece '" + p.text() + "' is defined twice");
            }
            if (p.type() == PieceType.UNKNOWN) {
                if (unk >= 0) {
                    throw new ProtoReader.MalformedException("more than one <unk> piece");
                }
                unk = id;
            }
            if (p.type() == PieceType.BYTE) {
                int value = parseBytePiece(p.text());
                if (!model.trainerSpec().byteFallback() || value < 0) {
                    throw new ProtoReader.MalformedException("unexpected byte piece '" + p.text() + "'");
                }
                byteValues[id] = value;
                byteIds[value] = id;
            }
            if (p.type() == PieceType.NORMAL) {
                min = Math.min(min, p.score());
                max = Math.max(max, p.score());
            }
        }
        if (unk < 0) {
            throw new ProtoReader.MalformedException("the model has no <unk> piece");
        }
        if (model.trainerSpec().byteFallback() && Arrays.stream(byteIds).anyMatch(id -> id < 0)) {
            throw new ProtoReader.MalformedException("byte_fallback is on but not all 256 byte pieces exist");
        }
        unkId = unk;
        minScore = min;
        maxScore = max;
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        return pieces[id];
    }

    float score(int id) {
        return scores[id];
    }

    PieceType type(int id) {
        return types[id];
    }

    int unkId() {
        return unkId;
    }

    float minScore() {
        return minScore;
    }

    float maxScore() {
        return maxScore;
    }

    /** SentencePiece's PieceToId: reserved pieces first, then the others; anything else is {@code <unk>}. */
    int pieceToId(String piece) {
        Integer id = reserved.get(piece);
        if (id == null) {
            id = segmentable.get(piece);
        }
        return id != null ? id : unkId;
    }

    /** The id of a segmentable piece, or -1 (BPE merges look pieces up this way). */
    int segmentableId(String piece) {
        return segmentable.getOrDefault(piece, -1);
    }

    /** The id of the {@code <0xXX>} piece for byte {@code b}. */
    int byteId(int b) {
        return byteIds[b & 0xFF];
    }

    /** The byte an id's {@code <0xXX>} piece stands for, or -1. */
    int byteValue(int id) {
        return byteValues[id];
    }

    /** A trie over the pieces segmentation may produce or must skip: NORMAL, USER_DEFINED and UNUSED. */
    PieceTrie segmentableTrie() {
        return trieOf(PieceType.NORMAL, PieceType.USER_DEFINED, PieceType.UNUSED);
    }

    /** A trie over the user-defined symbols, or null when there are none. */
    PieceTrie userDefinedTrie() {
        return Arrays.asList(types).contains(PieceType.USER_DEFINED) ? trieOf(PieceType.USER_DEFINED) : null;
    }

    private PieceTrie trieOf(PieceType... wanted) {
        List<byte[]> keys = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<PieceType> wantedTypes = List.of(wanted);
        for (int id = 0; id < pieces.length; id++) {
            if (wantedTypes.contains(types[id])) {
                keys.add(Utf8.encode(pieces[id]));
                ids.add(id);
            }
        }
        return new PieceTrie(keys, ids);
    }

    /** {@code <0x41>} -> 0x41; -1 for anything else (upper-case hex, as SentencePiece writes them). */
    static int parseBytePiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int value;
        try {
            value = Integer.parseInt(piece.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
        return bytePiece(value).equals(piece) ? value : -1;
    }

    static String bytePiece(int b) {
        return String.format("<0x%02X>", b & 0xFF);
    }
}

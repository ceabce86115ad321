package io.streamformer.accelerator.tokenizer;

import java.util.List;

/**
 * Pieces back to text, as SentencePiece's Decode (sentencepiece_processor.cc) does it:
 * <ul>
 *   <li>▁ becomes a space; the ▁ that starts the text (the dummy prefix) is dropped, and with
 *       remove_extra_whitespaces so is the ▁ of every leading piece until some text has been produced;</li>
 *   <li>control pieces ({@code <s>}, {@code </s>}) produce nothing; {@code <unk>} produces the unk surface
 *       (" ⁇ "); a piece the model does not know is copied verbatim;</li>
 *   <li>runs of byte pieces ({@code <0xE2>...}) are joined into characters, malformed bytes into U+FFFD;</li>
 *   <li>finally the denormalizer, if the model has one, rewrites the text.</li>
 * </ul>
 */
final class PieceDecoder {
    private final PieceVocabulary vocabulary;
    private final boolean stripsLeadingSpace;
    private final boolean removeExtraWhitespaces;
    private final byte[] unkSurface;
    private final Normalizer denormalizer;

    PieceDecoder(PieceVocabulary vocabulary, ModelProto.NormalizerSpec normalizerSpec, String unkSurface,
                 Normalizer denormalizer) {
        this.vocabulary = vocabulary;
        this.stripsLeadingSpace = normalizerSpec.addDummyPrefix() || normalizerSpec.removeExtraWhitespaces();
        this.removeExtraWhitespaces = normalizerSpec.removeExtraWhitespaces();
        this.unkSurface = Utf8.encode(unkSurface);
        this.denormalizer = denormalizer;
    }

    String decode(List<String> pieces) {
        int n = pieces.size();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = vocabulary.pieceToId(pieces.get(i));
        }
        ByteBuilder text = new ByteBuilder(16 * n);
        boolean atStart = true;             // the next piece may still lose its leading ▁
        boolean leadingSpaceTaken = false;  // the previous piece lost its leading ▁
        int byteRunStart = 0;
        for (int i = 0; i < n; i++) {
            if (vocabulary.type(ids[i]) == PieceType.BYTE) {
                continue;
            }
            appendBytes(ids, byteRunStart, i, text);
            byteRunStart = i + 1;
            if (leadingSpaceTaken || !text.isEmpty()) {
                atStart = false;
            }
            leadingSpaceTaken = appendPiece(pieces.get(i), ids[i], atStart, text);
        }
        appendBytes(ids, byteRunStart, n, text);
        byte[] out = text.toByteArray();
        if (denormalizer != null) {
            out = denormalizer.normalize(out);
        }
        return Utf8.decode(out, 0, out.length);
    }

    /** Appends one piece's surface; returns whether it counted as having consumed the leading ▁. */
    private boolean appendPiece(String piece, int id, boolean atStart, ByteBuilder text) {
        PieceType type = vocabulary.type(id);
        if (type == PieceType.CONTROL) {
            return false;
        }
        if (type == PieceType.UNKNOWN) {
            text.append(vocabulary.piece(id).equals(piece) ? unkSurface : Utf8.encode(piece));
            return false;
        }
        boolean tookLeadingSpace = false;
        if (atStart && stripsLeadingSpace && piece.startsWith(Utf8.SPACE_SYMBOL_STRING)) {
            piece = piece.substring(Utf8.SPACE_SYMBOL_STRING.length());
            // with remove_extra_whitespaces every leading ▁ goes, so the next piece is still "at start"
            tookLeadingSpace = !removeExtraWhitespaces;
        }
        text.append(Utf8.encode(piece.replace(Utf8.SPACE_SYMBOL_STRING, " ")));
        return tookLeadingSpace;
    }

    /** Joins the byte pieces {@code ids[from, to)} into characters; a malformed byte becomes U+FFFD. */
    private void appendBytes(int[] ids, int from, int to, ByteBuilder text) {
        if (from >= to) {
            return;
        }
        byte[] bytes = new byte[to - from];
        for (int i = from; i < to; i++) {
            bytes[i - from] = (byte) vocabulary.byteValue(ids[i]);
        }
        for (int offset = 0; offset < bytes.length; ) {
            int length = Utf8.validCharLength(bytes, offset, bytes.length);
            if (length == 0) {
                text.append(Utf8.REPLACEMENT_CHARACTER);
                offset++;
            } else {
                text.append(bytes, offset, offset + length);
                offset += length;
            }
        }
    }
}

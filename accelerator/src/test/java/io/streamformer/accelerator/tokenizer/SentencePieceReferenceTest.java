package io.streamformer.accelerator.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.streamformer.accelerator.tokenizer.ReferenceFiles.ints;
import static io.streamformer.accelerator.tokenizer.ReferenceFiles.strings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pieces, ids and decoded text identical to the C++ SentencePiece library for every reference line:
 * corpus sentences, hand-made tricky strings and random strings, on the en-es models and on small models
 * that use the features the en-es models do not.
 */
class SentencePieceReferenceTest {

    @Test
    void sourceModelEncodesLikeSentencePiece() {
        SentencePieceProcessor sp = SentencePieceProcessor.load(ReferenceFiles.enEs().resolve("source.spm"));
        int checked = checkEncoding(sp, ReferenceFiles.rows("en-es/spm-source.jsonl"), false);
        assertThat(checked).isGreaterThan(4000);
    }

    @Test
    void targetModelEncodesAndDecodesLikeSentencePiece() {
        SentencePieceProcessor sp = SentencePieceProcessor.load(ReferenceFiles.enEs().resolve("target.spm"));
        int checked = checkEncoding(sp, ReferenceFiles.rows("en-es/spm-target.jsonl"), true);
        assertThat(checked).isGreaterThan(4000);
    }

    @Test
    void targetModelDecodesRandomIdsLikeSentencePiece() {
        SentencePieceProcessor sp = SentencePieceProcessor.load(ReferenceFiles.enEs().resolve("target.spm"));
        checkIdDecoding(sp, ReferenceFiles.rows("en-es/spm-target-ids.jsonl"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bpe-nfkc", "bpe-bytes-identity", "unigram-bytes-cf-denorm", "unigram-suffix-raw-spaces"})
    void featureModelsBehaveLikeSentencePiece(String name) {
        SentencePieceProcessor sp = SentencePieceProcessor.load(ReferenceFiles.resource("features/" + name + ".model"));
        List<JsonNode> rows = ReferenceFiles.rows("features/" + name + ".jsonl");
        checkEncoding(sp, rows.stream().filter(r -> r.has("text")).toList(), true);
        checkIdDecoding(sp, rows.stream().filter(r -> !r.has("text")).toList());
    }

    /** Checks pieces and ids of every row, and decoding when the rows carry it; returns the rows checked. */
    private static int checkEncoding(SentencePieceProcessor sp, List<JsonNode> rows, boolean withDecoding) {
        var pieces = new ReferenceFiles.Mismatches("piece sequences");
        var ids = new ReferenceFiles.Mismatches("id sequences");
        var decodedIds = new ReferenceFiles.Mismatches("texts decoded from ids");
        var decodedPieces = new ReferenceFiles.Mismatches("texts decoded from pieces");
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            String context = "text " + quote(text);
            pieces.check(strings(row.get("pieces")), sp.encodeAsPieces(text), context);
            ids.check(Arrays.toString(ints(row.get("ids"))), Arrays.toString(sp.encodeAsIds(text)), context);
            if (withDecoding) {
                decodedIds.check(row.get("decoded").asText(), sp.decodeIds(ints(row.get("ids"))), context);
                decodedPieces.check(row.get("decoded_pieces").asText(),
                        sp.decodePieces(strings(row.get("pieces"))), context);
            }
        }
        pieces.assertNone();
        ids.assertNone();
        decodedIds.assertNone();
        decodedPieces.assertNone();
        return pieces.checked();
    }

    private static void checkIdDecoding(SentencePieceProcessor sp, List<JsonNode> rows) {
        var decoded = new ReferenceFiles.Mismatches("texts decoded from random ids");
        for (JsonNode row : rows) {
            int[] ids = ints(row.get("ids"));
            decoded.check(row.get("decoded").asText(), sp.decodeIds(ids), "ids " + Arrays.toString(ids));
        }
        decoded.assertNone();
        assertThat(decoded.checked()).isEqualTo(rows.size()).isPositive();
    }

    /** The text with invisible characters spelled out, for failure messages. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            if (c < 0x20 || (c >= 0x7F && c < 0xA0) || Character.getType(c) == Character.FORMAT
                    || Character.isWhitespace(c) && c != ' ') {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append('"').toString();
    }
}

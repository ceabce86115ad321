package io.streamformer.app.testing;

import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.DeadLetterKind;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.serde.SingleObjectSerde;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One input record of every kind the app must reject (for a model of 64 positions with limits of 64 input tokens
 * and 63 new tokens), with the dead-letter kind and a piece of the reason it must get.
 */
public final class BadInputs {
    private static final SingleObjectSerde<InferenceRequest> REQUESTS = SingleObjectSerde.of(InferenceRequest.class);

    public record BadInput(String name, byte[] value, DeadLetterKind kind, String reason) {
        public byte[] key() {
            return name.getBytes(StandardCharsets.UTF_8);
        }
    }

    private BadInputs() {
    }

    /** For the tiny model: no tokenizer, vocabulary 96. */
    public static List<BadInput> all() {
        return all(TinyModel.VOCAB, false);
    }

    /**
     * For a model with this vocabulary; with a tokenizer, the text that cannot be served (empty, too long),
     * without one, any text.
     */
    public static List<BadInput> all(int vocab, boolean tokenizer) {
        List<BadInput> all = new ArrayList<>(common(vocab));
        all.add(new BadInput("text-and-ids", bytes(TinyModel.request("text-and-ids", 5, 0).setText("Hello.").build()),
                DeadLetterKind.INVALID_INPUT, "input_ids and text: give one of them"));
        if (tokenizer) {
            all.add(new BadInput("empty-text", bytes(TinyModel.request("empty-text").setText("   ").build()),
                    DeadLetterKind.INVALID_INPUT, "the text has nothing to translate"));
            all.add(new BadInput("too-long-text", bytes(TinyModel.request("too-long-text")
                    .setText("one more word, ".repeat(40)).build()), DeadLetterKind.INVALID_INPUT,
                    "tokens long with the model's tokenizer, more than the limit of 64 input tokens"));
        } else {
            all.add(new BadInput("text-without-tokenizer", bytes(TinyModel.request("text-without-tokenizer")
                    .setText("Hello.").build()), DeadLetterKind.INVALID_INPUT, "has no tokenizer"));
        }
        return all;
    }

    private static List<BadInput> common(int vocab) {
        InferenceRequest good = TinyModel.request("truncated", 5, 6, 7, 0).build();
        return List.of(
                new BadInput("garbage", "not avro at all".getBytes(StandardCharsets.UTF_8), DeadLetterKind.UNDECODABLE,
                        "not Avro single-object encoding"),
                new BadInput("truncated", Arrays.copyOf(bytes(good), 12), DeadLetterKind.UNDECODABLE, "does not parse"),
                new BadInput("unknown-schema", otherSchemaRecord(), DeadLetterKind.UNKNOWN_SCHEMA,
                        "unknown schema fingerprint"),
                new BadInput("empty-ids", bytes(TinyModel.request("empty-ids").build()), DeadLetterKind.INVALID_INPUT,
                        "the request has no input: give input_ids, text or messages"),
                new BadInput("too-long", bytes(TinyModel.request("too-long", new int[65]).build()),
                        DeadLetterKind.INVALID_INPUT, "more than the limit of 64"),
                new BadInput("out-of-vocab", bytes(TinyModel.request("out-of-vocab", 5, vocab, 0).build()),
                        DeadLetterKind.INVALID_INPUT, "input_ids[1] = " + vocab + " lies outside"),
                new BadInput("negative-id", bytes(TinyModel.request("negative-id", -1, 0).build()),
                        DeadLetterKind.INVALID_INPUT, "input_ids[0] = -1"),
                new BadInput("no-request-id", bytes(TinyModel.request("", 5, 0).build()), DeadLetterKind.INVALID_INPUT,
                        "request_id is empty"),
                new BadInput("zero-beams", bytes(TinyModel.request("zero-beams", 5, 0).setNumBeams(0).build()),
                        DeadLetterKind.INVALID_PARAMETERS, "num_beams must be at least 1"),
                new BadInput("zero-new-tokens", bytes(TinyModel.request("zero-new", 5, 0).setMaxNewTokens(0).build()),
                        DeadLetterKind.INVALID_PARAMETERS, "max_new_tokens must be at least 1"),
                new BadInput("too-many-new-tokens", bytes(TinyModel.request("many-new", 5, 0).setMaxNewTokens(500)
                        .build()), DeadLetterKind.INVALID_PARAMETERS, "max_new_tokens 500 exceeds the limit of 63"),
                new BadInput("bad-top-p", bytes(TinyModel.request("bad-top-p", 5, 0).setNumBeams(1).setDoSample(true)
                        .setTopP(1.5).build()), DeadLetterKind.INVALID_PARAMETERS, "top_p"),
                new BadInput("null-value", null, DeadLetterKind.UNDECODABLE, "no value"));
    }

    /** Checks one dead letter against the bad input it came from. */
    public static void assertMatches(BadInput bad, DeadLetter letter, String sourceTopic) {
        assertThat(letter.getKind()).as(bad.name()).isEqualTo(bad.kind());
        assertThat(letter.getReason()).as(bad.name()).contains(bad.reason());
        assertThat(letter.getSourceTopic()).isEqualTo(sourceTopic);
        assertThat(letter.getSourceOffset()).isNotNegative();
        assertThat(toArray(letter.getOriginalKey())).as("original key of " + bad.name()).isEqualTo(bad.key());
        if (bad.value() == null) {
            assertThat(letter.getOriginalValue()).isNull();
        } else {
            assertThat(toArray(letter.getOriginalValue())).as("original bytes of " + bad.name()).isEqualTo(bad.value());
        }
    }

    public static byte[] bytes(InferenceRequest r) {
        return REQUESTS.serialize("in", r);
    }

    /** A correctly framed single-object record of some other schema. */
    private static byte[] otherSchemaRecord() {
        Schema other = SchemaBuilder.record("Other").namespace("elsewhere").fields().requiredString("x").endRecord();
        GenericRecord r = new GenericData.Record(other);
        r.put("x", "hello");
        try {
            return toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), other).encode(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] toArray(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

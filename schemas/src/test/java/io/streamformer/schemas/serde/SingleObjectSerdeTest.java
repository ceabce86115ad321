package io.streamformer.schemas.serde;

import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SingleObjectSerdeTest {
    private final SingleObjectSerde<InferenceRequest> serde = SingleObjectSerde.of(InferenceRequest.class);

    private static InferenceRequest request() {
        return InferenceRequest.newBuilder().setRequestId("r-1").setInputIds(List.of(5, 6, 0)).setNumBeams(2)
                .setSeed(42L).setMetadata(Map.of("user", "ada")).build();
    }

    @Test
    void writesTheSpecsMarkerTheSchemaFingerprintAndThePlainBinaryBody() throws Exception {
        byte[] bytes = serde.serialize("t", request());

        assertThat(Arrays.copyOf(bytes, 2)).containsExactly(0xC3, 0x01);
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(fingerprint).isEqualTo(SchemaNormalization.parsingFingerprint64(InferenceRequest.getClassSchema()));
        // the rest is the plain Avro binary encoding, readable without this library
        InferenceRequest body = new SpecificDatumReader<>(InferenceRequest.class).read(null,
                DecoderFactory.get().binaryDecoder(bytes, 10, bytes.length - 10, null));
        assertThat(body).isEqualTo(request());
    }

    @Test
    void roundTripsAndKeepsNullsAsNulls() {
        assertThat(serde.deserialize("t", serde.serialize("t", request()))).isEqualTo(request());
        assertThat(serde.serialize("t", null)).isNull();
        assertThat(serde.deserialize("t", null)).isNull();
    }

    @Test
    void optionalFieldsDefaultToNullAndMetadataToEmpty() {
        InferenceRequest minimal = InferenceRequest.newBuilder().setRequestId("x").setInputIds(List.of(1)).build();
        assertThat(minimal.getMaxNewTokens()).isNull();
        assertThat(minimal.getSeed()).isNull();
        assertThat(minimal.getMetadata()).isEmpty();
        assertThat(minimal.getText()).isNull();
        assertThat(serde.deserialize("t", serde.serialize("t", minimal))).isEqualTo(minimal);
    }

    @Test
    void aTextRequestNeedsNoInputIds() {
        InferenceRequest text = InferenceRequest.newBuilder().setRequestId("x").setText("Hello, world.").build();
        assertThat(text.getInputIds()).isEmpty();
        assertThat(serde.deserialize("t", serde.serialize("t", text))).isEqualTo(text);
    }

    @Test
    void bytesWithoutTheMarkerAreUndecodableWithAReasonThatShowsThem() {
        assertThatThrownBy(() -> serde.deserialize("t", "hello, world".getBytes()))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNDECODABLE))
                .hasMessageContaining("not Avro single-object encoding")
                .hasMessageContaining("68 65 6c 6c 6f");
    }

    @Test
    void anotherSchemasRecordIsAnUnknownSchema() throws Exception {
        // an InferenceResult is well framed, but not a request
        byte[] result = SingleObjectSerde.of(InferenceResult.class).serialize("t", InferenceResult.newBuilder()
                .setRequestId("r").setInputIds(List.of()).setSequence(List.of()).setFinishReason(
                        io.streamformer.schemas.FinishReason.EOS).setScore(0).setModelId("m")
                .setEnqueuedAt(java.time.Instant.EPOCH).setFinishedAt(java.time.Instant.EPOCH).build());
        assertThatThrownBy(() -> serde.deserialize("t", result))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNKNOWN_SCHEMA))
                .hasMessageContaining("unknown schema fingerprint");
    }

    @Test
    void aTruncatedBodyIsUndecodable() {
        byte[] bytes = serde.serialize("t", request());
        assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(bytes, bytes.length - 6)))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNDECODABLE))
                .hasMessageContaining("does not parse");
    }

    @Test
    void aBodyThatClaimsAHugeArrayIsUndecodableWithoutAllocatingIt() {
        byte[] header = Arrays.copyOf(serde.serialize("t", request()), SingleObjectSerde.HEADER_LENGTH);
        for (long claim : new long[]{Integer.MAX_VALUE, 100_000_000L}) {
            // request_id "x", then an input_ids block that claims this many entries and holds two
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.writeBytes(new byte[]{2, 'x'});
            for (long n = claim << 1; ; n >>>= 7) {
                if ((n & ~0x7FL) == 0) {
                    body.write((int) n);
                    break;
                }
                body.write((int) ((n & 0x7F) | 0x80));
            }
            body.writeBytes(new byte[]{2, 4});
            byte[] bytes = Arrays.copyOf(header, header.length + body.size());
            System.arraycopy(body.toByteArray(), 0, bytes, header.length, body.size());
            long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            assertThatThrownBy(() -> serde.deserialize("t", bytes)).as("claim " + claim)
                    .isInstanceOfSatisfying(AvroDecodingException.class,
                            e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNDECODABLE));
            long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
            assertThat(after - before).as("bytes allocated for a claim of " + claim).isLessThan(64L << 20);
        }
    }

    @Test
    void recordsWrittenWithAnOlderSchemaAreReadOnceThatSchemaIsAdded() throws Exception {
        // version 1 of the request had no sampling parameters and no metadata
        Schema v1 = SchemaBuilder.record("InferenceRequest").namespace("io.streamformer.schemas").fields()
                .requiredString("request_id")
                .name("input_ids").type().array().items().intType().noDefault()
                .endRecord();
        GenericRecord old = new GenericData.Record(v1);
        old.put("request_id", "old-1");
        old.put("input_ids", List.of(7, 0));
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);

        assertThatThrownBy(() -> serde.deserialize("t", bytes)).isInstanceOf(AvroDecodingException.class);
        InferenceRequest read = SingleObjectSerde.of(InferenceRequest.class).withOlderSchema(v1).deserialize("t", bytes);
        assertThat(read.getRequestId()).isEqualTo("old-1");
        assertThat(read.getInputIds()).containsExactly(7, 0);
        assertThat(read.getNumBeams()).isNull();
        assertThat(read.getMetadata()).isEmpty();
    }
}

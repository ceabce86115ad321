package io.streamformer.schemas.serde;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.DecodeStatus;
import io.streamformer.schemas.FinishReason;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Schema evolution: what earlier releases wrote is still read, in both wire formats, and every change since
 * is one Avro resolves both ways (new fields last, with defaults).
 */
class SchemaHistoryTest {
    private static final List<Class<? extends SpecificRecord>> TYPES = List.of(InferenceRequest.class,
            InferenceResult.class, DecodeState.class, DeadLetter.class);

    /**
     * The fingerprints the schemas have now. A failure here means a schema changed: copy the previous .avsc
     * files to a new history/vN/ directory first (see {@link SchemaHistory}), then update these.
     */
    private static final Map<Class<?>, String> CURRENT = Map.of(
            InferenceRequest.class, "5fbe8e23b7541722",
            InferenceResult.class, "d6bccd4828de72ad",
            DecodeState.class, "73cd47d2fe719cbe",
            DeadLetter.class, "e0cc8c5f02dbed9e");

    /** The fingerprints of version 2 (text requests and results). */
    private static final Map<String, String> V2 = Map.of(
            "InferenceRequest", "c42a80b0a80e8fdb",
            "InferenceResult", "5e108eaa92723a31",
            "DecodeState", "2a262f577da2272c",
            "DeadLetter", "19bb6099db5054df");

    /**
     * Enum symbols added since an earlier version: a reader of that version cannot read a record that holds one,
     * so readers of the topic must be upgraded before its writers use it (the README says so).
     */
    private static final Map<String, List<String>> ADDED_SYMBOLS = Map.of("FinishReason", List.of("STOP"));

    /** The fingerprints of the first release (git 9248bf8): the history files must keep them. */
    private static final Map<String, String> V1 = Map.of(
            "InferenceRequest", "c16dd51503104f64",
            "InferenceResult", "7920c5d996d0b722",
            "DecodeState", "88951a1e594306e6",
            "DeadLetter", "19bb6099db5054df");

    private static String fingerprint(Schema s) {
        return String.format("%016x", SchemaNormalization.parsingFingerprint64(s));
    }

    private static Schema current(Class<? extends SpecificRecord> type) {
        return org.apache.avro.specific.SpecificData.get().getSchema(type);
    }

    @Test
    void theCurrentSchemasAreTheOnesTheHistoryWasWrittenFor() {
        for (Class<? extends SpecificRecord> type : TYPES) {
            assertThat(fingerprint(current(type))).as(type.getSimpleName()).isEqualTo(CURRENT.get(type));
        }
    }

    @Test
    void theHistoryFilesAreTheEarlierReleasesSchemasUnchanged() {
        V1.forEach((name, fp) -> assertThat(fingerprint(SchemaHistory.version("v1", name))).as(name).isEqualTo(fp));
        V2.forEach((name, fp) -> assertThat(fingerprint(SchemaHistory.version("v2", name))).as(name).isEqualTo(fp));
    }

    @Test
    void earlierListsOnlyVersionsThatDiffer() {
        for (String name : List.of("InferenceRequest", "InferenceResult", "DecodeState")) {
            Class<? extends SpecificRecord> type = TYPES.stream().filter(t -> t.getSimpleName().equals(name))
                    .findFirst().orElseThrow();
            assertThat(SchemaHistory.earlier(type)).extracting(SchemaHistoryTest::fingerprint).as(name)
                    .containsExactly(V1.get(name), V2.get(name));
        }
        assertThat(SchemaHistory.earlier(DeadLetter.class)).extracting(SchemaHistoryTest::fingerprint)
                .as("unchanged from v1 to v2: listed once").containsExactly(V1.get("DeadLetter"));
    }

    @Test
    void everyChangeResolvesBothWaysWithNewFieldsLastAndDefaulted() {
        for (Class<? extends SpecificRecord> type : TYPES) {
            Schema now = current(type);
            for (Schema old : SchemaHistory.earlier(type)) {
                String what = type.getSimpleName() + " " + fingerprint(old);
                // new readers read old records, and old readers (given the writer's schema, as a registry does) new ones
                assertThat(SchemaCompatibility.checkReaderWriterCompatibility(now, old).getType()).as(what)
                        .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
                // ... except for records that hold an enum symbol added since (listed in ADDED_SYMBOLS)
                var oldReadsNew = SchemaCompatibility.checkReaderWriterCompatibility(old, now).getResult();
                for (SchemaCompatibility.Incompatibility i : oldReadsNew.getIncompatibilities()) {
                    assertThat(i.getType()).as(what + ": " + i.getMessage())
                            .isEqualTo(SchemaCompatibility.SchemaIncompatibilityType.MISSING_ENUM_SYMBOLS);
                    String enumName = i.getWriterFragment().getName();
                    assertThat(i.getMessage()).as(what + ": enum " + enumName)
                            .isEqualTo("[" + String.join(", ", ADDED_SYMBOLS.getOrDefault(enumName, List.of("?"))) + "]");
                }
                // the old fields keep their positions (some readers go by position), the new ones have defaults
                List<Schema.Field> oldFields = old.getFields();
                for (int i = 0; i < now.getFields().size(); i++) {
                    Schema.Field f = now.getFields().get(i);
                    if (i < oldFields.size()) {
                        assertThat(f.name()).as(what + " field " + i).isEqualTo(oldFields.get(i).name());
                    } else {
                        assertThat(f.hasDefaultValue()).as(what + " new field " + f.name() + " has a default").isTrue();
                    }
                }
            }
        }
    }

    private static byte[] singleObject(Schema schema, GenericRecord record) throws Exception {
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        return bytes;
    }

    private static GenericRecord v1Request() {
        GenericRecord r = new GenericData.Record(SchemaHistory.version("v1", "InferenceRequest"));
        r.put("request_id", "old-client");
        r.put("input_ids", List.of(7, 8, 0));
        r.put("num_beams", 2);
        r.put("metadata", Map.of("k", "v"));
        return r;
    }

    @Test
    void requestsOfClientsNotYetUpgradedAreReadWithoutText() throws Exception {
        byte[] bytes = singleObject(SchemaHistory.version("v1", "InferenceRequest"), v1Request());

        assertThatThrownBy(() -> SingleObjectSerde.of(InferenceRequest.class).deserialize("t", bytes))
                .isInstanceOfSatisfying(AvroDecodingException.class,
                        e -> assertThat(e.kind()).isEqualTo(AvroDecodingException.Kind.UNKNOWN_SCHEMA));
        InferenceRequest read = StreamFormerSerdes.singleObject().requests().deserializer().deserialize("t", bytes);
        assertThat(read.getRequestId()).isEqualTo("old-client");
        assertThat(read.getInputIds()).containsExactly(7, 8, 0);
        assertThat(read.getNumBeams()).isEqualTo(2);
        assertThat(read.getMetadata()).containsEntry("k", "v");
        assertThat(read.getText()).isNull();
    }

    @Test
    void aDecodeStateChangelogWrittenBeforeTheUpgradeIsRead() throws Exception {
        Schema v1 = SchemaHistory.version("v1", "DecodeState");
        GenericRecord source = new GenericData.Record(v1.getField("source").schema());
        source.put("topic", "in");
        source.put("partition", 3);
        source.put("offset", 42L);
        Schema hypothesis = v1.getField("live").schema().getElementType();
        GenericRecord live = new GenericData.Record(hypothesis);
        live.put("tokens", List.of(95, 5, 6));
        live.put("score", -1.5);
        GenericRecord state = new GenericData.Record(v1);
        state.put("request", v1Request());
        state.put("source", source);
        state.put("seed", 9L);
        state.put("model_id", "m");
        state.put("status", new GenericData.EnumSymbol(v1.getField("status").schema(), "RUNNING"));
        state.put("step", 2);
        state.put("live", List.of(live));
        state.put("finished", List.of());
        state.put("resumed_from_step", 0);
        state.put("enqueued_at", 1000L);
        state.put("updated_at", 2000L);
        byte[] bytes = singleObject(v1, state);

        DecodeState read = SchemaHistory.singleObject(DecodeState.class).deserialize("t", bytes);
        assertThat(read.getRequest().getInputIds()).containsExactly(7, 8, 0);
        assertThat(read.getRequest().getText()).isNull();
        assertThat(read.getStatus()).isEqualTo(DecodeStatus.RUNNING);
        assertThat(read.getStep()).isEqualTo(2);
        assertThat(read.getLive().get(0).getTokens()).containsExactly(95, 5, 6);
        assertThat(read.getSource().getOffset()).isEqualTo(42L);
    }

    @Test
    void aResultWithTextIsReadByAReaderOfTheFirstReleaseThatKnowsTheWritersSchema() throws Exception {
        InferenceResult result = InferenceResult.newBuilder().setRequestId("r").setInputIds(List.of(5, 0))
                .setSequence(List.of(95, 7, 0)).setFinishReason(FinishReason.EOS).setScore(-0.5).setModelId("m")
                .setEnqueuedAt(Instant.EPOCH).setFinishedAt(Instant.EPOCH).setText("hola").build();
        byte[] bytes = SingleObjectSerde.of(InferenceResult.class).serialize("t", result);
        Schema v1 = SchemaHistory.version("v1", "InferenceResult");
        GenericRecord old = new GenericDatumReader<GenericRecord>(InferenceResult.getClassSchema(), v1).read(null,
                DecoderFactory.get().binaryDecoder(bytes, SingleObjectSerde.HEADER_LENGTH,
                        bytes.length - SingleObjectSerde.HEADER_LENGTH, null));
        assertThat(old.get("request_id").toString()).isEqualTo("r");
        assertThat(old.get("sequence")).isEqualTo(List.of(95, 7, 0));
        assertThat(old.getSchema().getField("text")).isNull();
    }

    @Test
    void inTheRegistryFormatARequestOfTheFirstReleaseIsReadByTheCurrentReader() {
        InMemoryRegistry registry = new InMemoryRegistry();
        Map<String, Object> config = Map.of("apicurio.registry.retry-count", 0,
                SchemaResolverConfig.AUTO_REGISTER_ARTIFACT, true, SchemaResolverConfig.DEREFERENCE_SCHEMA, true);
        byte[] bytes;
        try (AvroKafkaSerializer<GenericRecord> oldWriter = new AvroKafkaSerializer<>(registry)) {
            oldWriter.configure(config, false);
            bytes = oldWriter.serialize("requests", v1Request());
        }
        InferenceRequest read = RegistrySerde.of(InferenceRequest.class, registry, Map.of("apicurio.registry.retry-count", 0))
                .deserializer().deserialize("requests", bytes);
        assertThat(read.getRequestId()).isEqualTo("old-client");
        assertThat(read.getInputIds()).containsExactly(7, 8, 0);
        assertThat(read.getText()).isNull();
    }
}

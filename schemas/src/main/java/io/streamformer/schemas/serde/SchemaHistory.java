package io.streamformer.schemas.serde;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The record schemas of earlier releases, kept as they were (resources under
 * {@code io/streamformer/schemas/history/vN/}), so that single-object readers, which know their writers' schemas
 * only by fingerprint, still read what earlier releases wrote: requests from clients not yet upgraded, and the
 * decode-state changelog of the instance that ran before an upgrade.
 *
 * <p>Versions: 1, the first release; 2, {@code InferenceRequest.text}, a default for
 * {@code InferenceRequest.input_ids}, {@code InferenceResult.text}; 3 (current), {@code InferenceRequest.messages},
 * {@code stop} and {@code repetition_penalty}, the finish reason {@code STOP}, {@code DeadLetter.original_value_size}
 * and {@code original_truncated}. When a schema changes again, copy the current .avsc files to {@code history/v3/}
 * first and add "v3" to {@link #VERSIONS}.
 */
public final class SchemaHistory {
    /** Earlier versions, oldest first; each directory holds the four .avsc files as that release had them. */
    static final List<String> VERSIONS = List.of("v1", "v2");
    /** Parsing order within one version: DecodeState refers to InferenceRequest by name. */
    private static final List<String> FILES = List.of("InferenceRequest", "InferenceResult", "DeadLetter",
            "DecodeState");

    private static final Map<String, List<Schema>> EARLIER = load();

    private SchemaHistory() {
    }

    /**
     * The earlier schemas of {@code type} that differ from its current one (by CRC-64-AVRO fingerprint), oldest
     * first; empty for a schema that never changed.
     */
    public static List<Schema> earlier(Class<? extends SpecificRecord> type) {
        Schema current = SpecificData.get().getSchema(type);
        List<Schema> out = new ArrayList<>();
        Set<Long> seen = new HashSet<>(Set.of(SchemaNormalization.parsingFingerprint64(current)));
        for (Schema s : EARLIER.getOrDefault(current.getFullName(), List.of())) {
            if (seen.add(SchemaNormalization.parsingFingerprint64(s))) {
                out.add(s);
            }
        }
        return out;
    }

    /** A single-object serde of {@code type} that also reads every earlier version of its schema. */
    public static <T extends SpecificRecord> SingleObjectSerde<T> singleObject(Class<T> type) {
        SingleObjectSerde<T> serde = SingleObjectSerde.of(type);
        for (Schema older : earlier(type)) {
            serde.withOlderSchema(older);
        }
        return serde;
    }

    /** The schema that version {@code version} ("v1", ...) had for the record {@code name} (simple name). */
    static Schema version(String version, String name) {
        return parse(version).get(name);
    }

    private static Map<String, List<Schema>> load() {
        Map<String, List<Schema>> byName = new HashMap<>();
        for (String version : VERSIONS) {
            parse(version).forEach((name, schema) ->
                    byName.computeIfAbsent(schema.getFullName(), k -> new ArrayList<>()).add(schema));
        }
        return byName;
    }

    private static Map<String, Schema> parse(String version) {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> schemas = new LinkedHashMap<>();
        for (String name : FILES) {
            String resource = "/io/streamformer/schemas/history/" + version + "/" + name + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing schema history resource " + resource);
                }
                schemas.put(name, parser.parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return schemas;
    }
}

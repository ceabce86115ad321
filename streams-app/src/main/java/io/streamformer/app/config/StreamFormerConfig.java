package io.streamformer.app.config;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Every configuration key of the app, in one place. A configuration is a Java properties file: keys that
 * start with {@code streamformer.} are the app's own (defined below, typos are errors); every other key is a
 * Kafka Streams / client setting and passes straight through ({@code bootstrap.servers}, {@code application.id},
 * {@code state.dir}, security settings, {@code num.stream.threads}, ...). {@code processing.guarantee}
 * defaults to {@code exactly_once_v2}.
 *
 * <p>Environment variables override the file: {@code STREAMFORMER_MODEL_DIR} sets {@code streamformer.model.dir}
 * (an app key upper-cased, dots as underscores), and {@code STREAMFORMER_KAFKA_BOOTSTRAP_SERVERS} sets
 * {@code bootstrap.servers} (after {@code STREAMFORMER_KAFKA_}: lower-cased, underscores as dots).
 */
public final class StreamFormerConfig extends AbstractConfig {
    private static final Logger LOG = LoggerFactory.getLogger(StreamFormerConfig.class);

    public static final String PREFIX = "streamformer.";
    public static final String ENV_PREFIX = "STREAMFORMER_";
    public static final String ENV_KAFKA_PREFIX = "STREAMFORMER_KAFKA_";

    // --- model and backend
    public static final String MODEL_DIR = "streamformer.model.dir";
    public static final String MODEL_ID = "streamformer.model.id";
    public static final String MODEL_WEIGHTS = "streamformer.model.weights";
    public static final String BACKEND = "streamformer.backend";
    public static final String BACKEND_DEVICE = "streamformer.backend.device";

    // --- topics and wire format
    public static final String INPUT_TOPIC = "streamformer.input.topic";
    public static final String OUTPUT_TOPIC = "streamformer.output.topic";
    public static final String DLQ_TOPIC = "streamformer.dlq.topic";
    public static final String DLQ_MAX_RECORD_BYTES = "streamformer.dlq.max.record.bytes";
    public static final String SERDE_FORMAT = "streamformer.serde.format";
    public static final String SCHEMA_REGISTRY_URL = "streamformer.schema.registry.url";

    // --- batching and limits
    public static final String BATCH_MAX_REQUESTS = "streamformer.batch.max.requests";
    public static final String BATCH_MAX_SEQUENCES = "streamformer.batch.max.sequences";
    public static final String BATCH_MAX_TOKENS = "streamformer.batch.max.tokens";
    public static final String BATCH_MAX_PREFILL_TOKENS = "streamformer.batch.max.prefill.tokens";
    public static final String QUEUE_MAX_REQUESTS = "streamformer.queue.max.requests";
    public static final String REQUEST_MAX_INPUT_TOKENS = "streamformer.request.max.input.tokens";
    public static final String REQUEST_MAX_NEW_TOKENS = "streamformer.request.max.new.tokens";
    public static final String REQUEST_MAX_BYTES = "streamformer.request.max.bytes";

    // --- stream-thread behaviour
    public static final String INTAKE_MAX_BLOCK_MS = "streamformer.intake.max.block.ms";
    public static final String EMIT_INTERVAL_MS = "streamformer.emit.interval.ms";
    /** The app's default {@code commit.interval.ms} (Kafka Streams' own is 100 under exactly-once). */
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 50;
    /** The app's default {@code poll.ms} (Kafka Streams' own is 100). */
    public static final long DEFAULT_POLL_MS = 10;
    public static final String CHECKPOINT_INTERVAL_MS = "streamformer.checkpoint.interval.ms";

    // --- operations
    public static final String HTTP_PORT = "streamformer.http.port";
    public static final String HTTP_HOST = "streamformer.http.host";
    public static final String SHUTDOWN_TIMEOUT_MS = "streamformer.shutdown.timeout.ms";
    public static final String STREAM_THREAD_MAX_REPLACEMENTS = "streamformer.stream.thread.max.replacements";
    public static final String SHUTDOWN_LEAVE_GROUP = "streamformer.shutdown.leave.group";
    public static final String DEBUG_STEP_DELAY_MS = "streamformer.debug.step.delay.ms";
    public static final String WARMUP_STEPS = "streamformer.warmup.steps";

    public static final String FORMAT_SINGLE_OBJECT = "single-object";
    public static final String FORMAT_CONFLUENT = "confluent";

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(MODEL_DIR, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH,
                    "Hugging Face model directory (config.json, model.safetensors, generation_config.json).")
            .define(MODEL_ID, Type.STRING, "", Importance.LOW,
                    "Name of the model in results and decode state; empty: the model directory's name.")
            .define(MODEL_WEIGHTS, Type.STRING, "auto", ValidString.in("auto", "f32", "f16", "bf16", "int8"),
                    Importance.MEDIUM, "How weight matrices are held: auto (as stored in the file: 16-bit stays"
                            + " 16-bit), f32, f16, bf16, or int8 (quantized per output row at load).")
            .define(BACKEND, Type.STRING, "jvm", Importance.MEDIUM, "Where the kernels run: jvm or tornadovm.")
            .define(BACKEND_DEVICE, Type.INT, null, Importance.LOW, "Device index of the backend (null: default).")
            .define(INPUT_TOPIC, Type.STRING, "inference-requests", Importance.HIGH,
                    "Topic of InferenceRequest records (consumed as bytes and decoded by the app).")
            .define(OUTPUT_TOPIC, Type.STRING, "inference-results", Importance.HIGH,
                    "Topic of InferenceResult records, keyed by request_id.")
            .define(DLQ_TOPIC, Type.STRING, "inference-dead-letters", Importance.HIGH,
                    "Topic of DeadLetter records: input that could not be accepted, with the reason.")
            .define(DLQ_MAX_RECORD_BYTES, Type.INT, 0, Range.atLeast(0), Importance.LOW,
                    "Largest dead-letter record the app writes: a dead letter keeps the original key and value whole"
                            + " when they fit, else only their first bytes (original_truncated). 0: the smaller of the"
                            + " producer's max.request.size and the dead-letter topic's max.message.bytes, read at"
                            + " start-up.")
            .define(SERDE_FORMAT, Type.STRING, FORMAT_SINGLE_OBJECT,
                    ValidString.in(FORMAT_SINGLE_OBJECT, FORMAT_CONFLUENT), Importance.MEDIUM,
                    "Wire format of requests, results and dead letters: single-object (Avro single-object"
                            + " encoding, no registry) or confluent (Schema Registry wire format; needs "
                            + SCHEMA_REGISTRY_URL + ").")
            .define(SCHEMA_REGISTRY_URL, Type.STRING, "", Importance.MEDIUM,
                    "Schema registry URL for the confluent format (Apicurio: http://host:8080/apis/registry/v3).")
            .define(BATCH_MAX_REQUESTS, Type.INT, 16, Range.atLeast(1), Importance.MEDIUM,
                    "Requests decoded together at most (the running batch).")
            .define(BATCH_MAX_SEQUENCES, Type.INT, 32, Range.atLeast(1), Importance.MEDIUM,
                    "Sequences (hypotheses) in the running batch at most; a beam-search request holds num_beams.")
            .define(BATCH_MAX_TOKENS, Type.LONG, 65536L, Range.atLeast(1), Importance.MEDIUM,
                    "Tokens in flight at most: the sum over running requests of source length + num_beams x"
                            + " (max_new_tokens + 1); a language model's: num_beams x (prompt + max_new_tokens).")
            .define(BATCH_MAX_PREFILL_TOKENS, Type.INT, 512, Range.atLeast(1), Importance.MEDIUM,
                    "Prompt tokens one decoding step computes at most: a longer prompt (a language model's, or the"
                            + " prefix of a resumed request) is filled in chunks over several steps, so that the"
                            + " requests already decoding are not held up.")
            .define(QUEUE_MAX_REQUESTS, Type.INT, 32, Range.atLeast(1), Importance.MEDIUM,
                    "Requests waiting for the running batch at most; beyond it intake pauses (back-pressure).")
            .define(REQUEST_MAX_INPUT_TOKENS, Type.INT, 512, Range.atLeast(1), Importance.MEDIUM,
                    "Longest input_ids accepted (also bounded by the model's max_position_embeddings).")
            .define(REQUEST_MAX_NEW_TOKENS, Type.INT, 256, Range.atLeast(1), Importance.MEDIUM,
                    "Largest max_new_tokens accepted; also caps the model's default for requests that set none.")
            .define(REQUEST_MAX_BYTES, Type.INT, 1 << 20, Range.atLeast(1), Importance.MEDIUM,
                    "Largest request record value accepted, in bytes; larger ones are dead-lettered without being"
                            + " decoded.")
            .define(INTAKE_MAX_BLOCK_MS, Type.LONG, 100L, Range.between(0, 10_000), Importance.LOW,
                    "When the engine is full, how long a stream thread waits for room per record before it"
                            + " parks the request in the decode-state store. Bounds every call on a stream thread.")
            .define(EMIT_INTERVAL_MS, Type.LONG, 20L, Range.atLeast(1), Importance.LOW,
                    "Wall-clock interval at which stream threads forward finished results and hand parked"
                            + " requests to the engine.")
            .define(CHECKPOINT_INTERVAL_MS, Type.LONG, 1000L, Range.atLeast(0), Importance.MEDIUM,
                    "How often the tokens generated so far are written to the decode-state store (0: every"
                            + " emit interval). A restarted instance resumes from the last checkpoint.")
            .define(HTTP_PORT, Type.INT, 8080, Range.between(-1, 65535), Importance.MEDIUM,
                    "Port of /metrics (Prometheus), /health/live and /health/ready; 0: any free port; -1: off.")
            .define(HTTP_HOST, Type.STRING, "0.0.0.0", Importance.LOW, "Address the HTTP endpoints bind to.")
            .define(SHUTDOWN_TIMEOUT_MS, Type.LONG, 30_000L, Range.atLeast(0), Importance.LOW,
                    "How long a shutdown (SIGTERM) waits for Kafka Streams to commit and close.")
            .define(STREAM_THREAD_MAX_REPLACEMENTS, Type.INT, 10, Range.atLeast(0), Importance.LOW,
                    "A failed stream thread is replaced (it resumes from the last commit) at most this many times"
                            + " within ten minutes; then the instance shuts down. A missing permission or failed"
                            + " authentication shuts it down at once.")
            .define(SHUTDOWN_LEAVE_GROUP, Type.BOOLEAN, true, Importance.LOW,
                    "On shutdown, leave the consumer group so that the other instances take the partitions over at"
                            + " once (true); false keeps the membership until session.timeout.ms, for a quick restart"
                            + " of the same instance (static membership, group.instance.id) without a rebalance.")
            .define(WARMUP_STEPS, Type.INT, 300, Range.atLeast(0), Importance.LOW,
                    "Decoding steps the engine runs on random inputs before Kafka Streams starts (greedy alone and at"
                            + " the batch limit, beam search, sampling), so that the first request finds the"
                            + " kernels compiled: 0 skips the warm-up.")
            .define(DEBUG_STEP_DELAY_MS, Type.LONG, 0L, Range.between(0, 10_000), Importance.LOW,
                    "Sleeps after every decoding step: slows generation down for failure tests and demos."
                            + " Keep 0 in production.");

    private final Properties streamsProperties;

    private StreamFormerConfig(Map<String, String> appKeys, Properties streamsProperties) {
        super(DEFINITION, appKeys, false);
        this.streamsProperties = streamsProperties;
    }

    /** Reads a properties file, then applies the environment's overrides. */
    public static StreamFormerConfig load(Path file, Map<String, String> env) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage());
        }
        return from(props, env, file.toString());
    }

    /**
     * Splits {@code props} (with the environment's overrides applied) into the app's keys and the Kafka
     * Streams properties. {@code origin} names the source in error messages.
     */
    public static StreamFormerConfig from(Properties props, Map<String, String> env, String origin) {
        Map<String, String> all = new TreeMap<>();
        props.stringPropertyNames().forEach(k -> all.put(k, props.getProperty(k).trim()));
        all.putAll(overridesFromEnvironment(env));

        Map<String, String> appKeys = new TreeMap<>();
        Properties streams = new Properties();
        streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // a result is visible at the commit after it is forwarded: half of Kafka Streams' 100 ms (exactly-once)
        // halves that wait; measured at half load on 2 cores: p99 291 vs 338-425 ms (README, Operations)
        streams.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(DEFAULT_COMMIT_INTERVAL_MS));
        // emits and commits run between polls: with no input, Kafka Streams' 100 ms poll would delay them that long
        // (one request on an idle app: 132 ms send -> result at 100, 72 ms at 10)
        streams.put(StreamsConfig.POLL_MS_CONFIG, Long.toString(DEFAULT_POLL_MS));
        // Kafka 5's default, and it silences a start-up warning of Kafka 4
        streams.put("processing.exception.handler.global.enabled", "true");
        for (Map.Entry<String, String> e : all.entrySet()) {
            if (e.getKey().startsWith(PREFIX)) {
                if (!DEFINITION.names().contains(e.getKey())) {
                    throw new ConfigException(origin + ": unknown key " + e.getKey() + " (the app's keys are: "
                            + String.join(", ", new java.util.TreeSet<>(DEFINITION.names())) + ")");
                }
                appKeys.put(e.getKey(), e.getValue());
            } else {
                streams.put(e.getKey(), e.getValue());
            }
        }
        try {
            return new StreamFormerConfig(appKeys, streams);
        } catch (ConfigException e) {
            throw new ConfigException(origin + ": " + e.getMessage());
        }
    }

    /** The environment variable that overrides an app key: {@code streamformer.model.dir} → STREAMFORMER_MODEL_DIR. */
    public static String environmentVariable(String appKey) {
        return appKey.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    static Map<String, String> overridesFromEnvironment(Map<String, String> env) {
        Map<String, String> byVariable = new TreeMap<>();
        for (String key : DEFINITION.names()) {
            byVariable.put(environmentVariable(key), key);
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(ENV_KAFKA_PREFIX)) {
                out.put(name.substring(ENV_KAFKA_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        e.getValue().trim());
            } else if (byVariable.containsKey(name)) {
                out.put(byVariable.get(name), e.getValue().trim());
            } else if (name.startsWith(ENV_PREFIX) && !name.equals("STREAMFORMER_JAVA_OPTS")) {
                LOG.warn("ignoring the environment variable {}: no such key (app keys map to {}; Kafka settings to"
                        + " {}NAME)", name, String.join(", ", byVariable.keySet()), ENV_KAFKA_PREFIX);
            }
        }
        return out;
    }

    /** The Kafka Streams and client settings (everything that is not an app key), with the app's defaults. */
    public Properties streamsProperties() {
        Properties copy = new Properties();
        copy.putAll(streamsProperties);
        return copy;
    }

    public String modelDir() {
        return getString(MODEL_DIR);
    }

    /** The configured model id, or the model directory's name. */
    public String modelId() {
        String id = getString(MODEL_ID);
        return id.isEmpty() ? Path.of(modelDir()).toAbsolutePath().normalize().getFileName().toString() : id;
    }

    public String inputTopic() {
        return getString(INPUT_TOPIC);
    }

    public String outputTopic() {
        return getString(OUTPUT_TOPIC);
    }

    public String deadLetterTopic() {
        return getString(DLQ_TOPIC);
    }
}

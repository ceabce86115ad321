package io.streamformer.app.streams;

import io.streamformer.app.inference.InferenceService;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.serde.SchemaHistory;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The StreamFormer plugin: adds its nodes to a Kafka Streams {@link Topology} (a new one, or one built with
 * the DSL: {@code streamsBuilder.build()}):
 *
 * <pre>
 * input topic (bytes) ─► decode-requests ─bad─► dead-letter topic
 *                              │
 *                              ▼
 *                          inference ◄──► decode-state store (RocksDB, changelogged)
 *                              │
 *                              ▼
 *                        output topic
 * </pre>
 *
 * Example, next to your own processing:
 * <pre>{@code
 * Engine engine = Engine.load(modelDir, new JvmBackend(), ProgressListener.NONE);
 * InferenceService inference = InferenceService.start(engine, "my-model", limits, 0, meterRegistry);
 * Topology topology = streamsBuilder.build();           // your DSL topology, or new Topology()
 * StreamFormerTopology.builder(inference)
 *         .inputTopic("requests").outputTopic("results").deadLetterTopic("requests-dlq")
 *         .addTo(topology);
 * new KafkaStreams(topology, props).start();             // processing.guarantee=exactly_once_v2 recommended
 * }</pre>
 */
public final class StreamFormerTopology {
    public static final String STORE_NAME = "decode-state";
    public static final String SOURCE = "requests";
    public static final String DECODER = "decode-requests";
    public static final String INFERENCE = "inference";
    public static final String RESULTS_SINK = "results";
    public static final String DEAD_LETTER_SINK = "dead-letters";

    private StreamFormerTopology() {
    }

    public static Builder builder(InferenceService inference) {
        return new Builder(inference);
    }

    /**
     * The decode-state store: persistent (RocksDB), changelogged (compacted topic), cached between commits. Its
     * serde also reads the earlier versions of DecodeState, so a changelog written before an upgrade restores.
     */
    public static StoreBuilder<KeyValueStore<String, DecodeState>> decodeStateStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE_NAME), Serdes.String(),
                        SchemaHistory.singleObject(DecodeState.class))
                .withCachingEnabled()
                .withLoggingEnabled(Map.of());
    }

    /** The inference processor with its store: {@code topology.addProcessor(name, supplier, parent)} adds both. */
    public static ProcessorSupplier<String, AcceptedRequest, String, io.streamformer.schemas.InferenceResult>
            inferenceProcessor(InferenceService inference, RequestParameters parameters, Duration emitInterval,
                               Duration checkpointInterval, Duration intakeMaxBlock) {
        return new ProcessorSupplier<>() {
            @Override
            public InferenceProcessor get() {
                return new InferenceProcessor(inference, parameters, STORE_NAME, emitInterval, checkpointInterval,
                        intakeMaxBlock);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(decodeStateStore());
            }
        };
    }

    public static final class Builder {
        private final InferenceService inference;
        private String inputTopic = "inference-requests";
        private String outputTopic = "inference-results";
        private String deadLetterTopic = "inference-dead-letters";
        private StreamFormerSerdes serdes = StreamFormerSerdes.singleObject();
        private Duration emitInterval = Duration.ofMillis(20);
        private Duration checkpointInterval = Duration.ofSeconds(1);
        private Duration intakeMaxBlock = Duration.ofMillis(100);
        private int maxRequestBytes = 1 << 20;
        private int deadLetterMaxRecordBytes = 1 << 20;
        private DeadLetterFailures deadLetterFailures = new DeadLetterFailures();

        private Builder(InferenceService inference) {
            this.inference = Objects.requireNonNull(inference);
        }

        public Builder inputTopic(String topic) {
            this.inputTopic = topic;
            return this;
        }

        public Builder outputTopic(String topic) {
            this.outputTopic = topic;
            return this;
        }

        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        public Builder serdes(StreamFormerSerdes serdes) {
            this.serdes = serdes;
            return this;
        }

        /** How often finished results are forwarded (wall clock). */
        public Builder emitInterval(Duration d) {
            this.emitInterval = d;
            return this;
        }

        /** How often the tokens generated so far are written to the store. */
        public Builder checkpointInterval(Duration d) {
            this.checkpointInterval = d;
            return this;
        }

        /** The longest a stream thread waits for room in the engine per record. */
        public Builder intakeMaxBlock(Duration d) {
            this.intakeMaxBlock = d;
            return this;
        }

        /** Larger request record values are dead-lettered without being decoded (default 1 MiB). */
        public Builder maxRequestBytes(int bytes) {
            this.maxRequestBytes = bytes;
            return this;
        }

        /**
         * The largest record the dead-letter topic and the producer accept (default 1 MiB, Kafka's default): dead
         * letters keep the original bytes whole up to it, and only their first bytes beyond.
         */
        public Builder deadLetterMaxRecordBytes(int bytes) {
            this.deadLetterMaxRecordBytes = bytes;
            return this;
        }

        /**
         * Where {@link DeadLetterProductionHandler} notes refused dead letters (pass the same object to it under
         * {@link DeadLetterProductionHandler#FAILURES}); the decoder then writes them without the original bytes.
         */
        public Builder deadLetterFailures(DeadLetterFailures failures) {
            this.deadLetterFailures = Objects.requireNonNull(failures);
            return this;
        }

        public Topology build() {
            return addTo(new Topology());
        }

        public Topology addTo(Topology topology) {
            int maxNewTokens = inference.limits().maxDecoderLength() - 1;
            RequestParameters parameters = new RequestParameters(inference.engine().generationConfig(), maxNewTokens,
                    inference.encoderDecoder());
            topology.addSource(SOURCE, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(),
                    inputTopic);
            DeadLetterRecords deadLetters = new DeadLetterRecords(serdes.deadLetters().serializer(), deadLetterTopic,
                    deadLetterMaxRecordBytes);
            topology.addProcessor(DECODER, () -> new RequestDecoder(serdes.requests().deserializer(), inference,
                    parameters, maxRequestBytes, deadLetters, deadLetterFailures, INFERENCE, DEAD_LETTER_SINK), SOURCE);
            topology.addProcessor(INFERENCE, inferenceProcessor(inference, parameters, emitInterval,
                    checkpointInterval, intakeMaxBlock), DECODER);
            topology.addSink(RESULTS_SINK, outputTopic, Serdes.String().serializer(), serdes.results().serializer(),
                    INFERENCE);
            topology.addSink(DEAD_LETTER_SINK, deadLetterTopic, Serdes.ByteArray().serializer(),
                    serdes.deadLetters().serializer(), DECODER);
            return topology;
        }
    }
}

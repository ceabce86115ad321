package io.streamformer.app.client;

import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Talks to a running app through Kafka, as its users do: produces requests (keyed by request_id) and reads
 * results and dead letters with a read_committed consumer, so only what the app committed is seen. Used by
 * the demo, the Kafka bench and the tests.
 */
public final class RequestClient implements AutoCloseable {

    /**
     * What one poll brought; {@code forwardedAtMillis.get(i)} is result i's record timestamp: when the app forwarded
     * it (it became visible at the commit after that).
     */
    public record Received(List<InferenceResult> results, List<DeadLetter> deadLetters, List<Long> forwardedAtMillis) {
        public Received(List<InferenceResult> results, List<DeadLetter> deadLetters) {
            this(results, deadLetters, List.of());
        }
    }

    /** The consumer group of a client's reader is this prefix and a random UUID (an ACL on the prefix lets it in). */
    public static final String GROUP_PREFIX = "streamformer-client-";

    private final String inputTopic;
    private final String outputTopic;
    private final String deadLetterTopic;
    private final StreamFormerSerdes serdes;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    public RequestClient(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
                         StreamFormerSerdes serdes) {
        this(bootstrapServers, inputTopic, outputTopic, deadLetterTopic, serdes, Map.of());
    }

    /**
     * With extra producer and consumer settings, e.g. a secured cluster's ({@code security.protocol},
     * {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}, ...); they win over the
     * client's own defaults.
     */
    public RequestClient(String bootstrapServers, String inputTopic, String outputTopic, String deadLetterTopic,
                         StreamFormerSerdes serdes, Map<String, ?> clientProperties) {
        this.inputTopic = inputTopic;
        this.outputTopic = outputTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.serdes = serdes;
        Map<String, Object> producerProps = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5));
        producerProps.putAll(clientProperties);
        this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> consumerProps = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP_PREFIX + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        consumerProps.putAll(clientProperties);
        KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        this.consumer = consumer;
        consumer.subscribe(List.of(outputTopic, deadLetterTopic));
    }

    /**
     * Sends a request as it is: with {@code input_ids}, or with {@code text} for a model that has a tokenizer
     * ({@code InferenceRequest.newBuilder().setRequestId(id).setText("...")}, any generation parameters).
     */
    public void send(InferenceRequest request) {
        sendRaw(request.getRequestId().getBytes(StandardCharsets.UTF_8),
                serdes.requests().serializer().serialize(inputTopic, request));
    }

    /** Sends {@code text} to be translated with the model's default generation settings; returns the request. */
    public InferenceRequest sendText(String requestId, String text) {
        InferenceRequest request = InferenceRequest.newBuilder().setRequestId(requestId).setText(text).build();
        send(request);
        return request;
    }

    /** Any bytes at all, e.g. to show what happens to a malformed record. */
    public void sendRaw(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(inputTopic, key, value));
    }

    public void flush() {
        producer.flush();
    }

    public Received poll(Duration timeout) {
        List<InferenceResult> results = new ArrayList<>();
        List<DeadLetter> letters = new ArrayList<>();
        List<Long> forwardedAt = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
            if (r.topic().equals(outputTopic)) {
                results.add(serdes.results().deserializer().deserialize(r.topic(), r.headers(), r.value()));
                forwardedAt.add(r.timestamp());
            } else if (r.topic().equals(deadLetterTopic)) {
                letters.add(serdes.deadLetters().deserializer().deserialize(r.topic(), r.headers(), r.value()));
            }
        }
        return new Received(results, letters, forwardedAt);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}

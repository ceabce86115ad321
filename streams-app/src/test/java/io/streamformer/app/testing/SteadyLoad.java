package io.streamformer.app.testing;

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
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady stream of requests and the results read back, for the fault tests: a sender thread produces requests at
 * a fixed rate (an idempotent producer that keeps retrying through a broker outage), a reader thread consumes
 * results with read_committed. Counts what was acknowledged, what came back, and every duplicate: a second record
 * with the same request_id (a record read twice, as a consumer does after rewinding, is the same record).
 */
public final class SteadyLoad implements AutoCloseable {
    private final List<InferenceRequest> requests;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final StreamFormerSerdes serdes = StreamFormerSerdes.singleObject();
    private final String inputTopic;
    private final Map<String, Long> sentAtNanos = new ConcurrentHashMap<>();
    private final Map<String, InferenceRequest> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, List<InferenceResult>> results = new ConcurrentHashMap<>();
    private final Map<String, Long> latencyNanos = new ConcurrentHashMap<>();
    /** Output records already read, "partition@offset": a consumer that rewinds reads them again. */
    private final java.util.Set<String> seenRecords = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failedSends = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean(true);
    private final AtomicBoolean reading = new AtomicBoolean(true);
    private final Thread sender;
    private final Thread reader;
    private volatile int sent;

    private SteadyLoad(String bootstrap, String inputTopic, String outputTopic, List<InferenceRequest> requests,
                       double perSecond) {
        this.requests = requests;
        this.inputTopic = inputTopic;
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "steady-load-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.subscribe(List.of(outputTopic));
        long intervalNanos = (long) (1e9 / perSecond);
        this.sender = new Thread(() -> send(intervalNanos), "steady-load-sender");
        this.reader = new Thread(this::read, "steady-load-reader");
    }

    /** Starts sending {@code requests} at {@code perSecond} (ids must be unique) and reading results. */
    public static SteadyLoad start(String bootstrap, String inputTopic, String outputTopic,
                                   List<InferenceRequest> requests, double perSecond) {
        SteadyLoad load = new SteadyLoad(bootstrap, inputTopic, outputTopic, requests, perSecond);
        load.reader.start();
        load.sender.start();
        return load;
    }

    private void send(long intervalNanos) {
        long start = System.nanoTime();
        for (int i = 0; i < requests.size() && sending.get(); i++) {
            long wait = start + i * intervalNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            InferenceRequest r = requests.get(i);
            sentAtNanos.put(r.getRequestId(), System.nanoTime());
            producer.send(new ProducerRecord<>(inputTopic, r.getRequestId().getBytes(StandardCharsets.UTF_8),
                    serdes.requests().serializer().serialize(inputTopic, r)), (meta, e) -> {
                if (e == null) {
                    acknowledged.put(r.getRequestId(), r);
                } else {
                    failedSends.incrementAndGet();
                }
            });
            sent = i + 1;
        }
        producer.flush();
    }

    private void read() {
        while (reading.get()) {
            for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(100))) {
                if (!seenRecords.add(rec.partition() + "@" + rec.offset())) {
                    continue; // read again after the consumer rewound (a broker restart): the same record
                }
                InferenceResult r = serdes.results().deserializer().deserialize(rec.topic(), rec.headers(),
                        rec.value());
                results.computeIfAbsent(r.getRequestId(), k -> Collections.synchronizedList(new ArrayList<>())).add(r);
                Long sentAt = sentAtNanos.get(r.getRequestId());
                if (sentAt != null) {
                    latencyNanos.putIfAbsent(r.getRequestId(), System.nanoTime() - sentAt);
                }
            }
        }
    }

    /** Requests handed to the producer so far. */
    public int sent() {
        return sent;
    }

    /** Results read so far (duplicates included). */
    public int resultCount() {
        return results.values().stream().mapToInt(List::size).sum();
    }

    /** Stops sending and waits until every send is acknowledged or failed. */
    public void stopSending() throws InterruptedException {
        sending.set(false);
        sender.join();
    }

    /** Waits until every acknowledged request has a result, then {@code quiet} longer for duplicates. */
    public void awaitResults(Duration limit, Duration quiet) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && !results.keySet().containsAll(acknowledged.keySet())) {
            Thread.sleep(100);
        }
        Thread.sleep(quiet.toMillis());
    }

    public List<InferenceRequest> acknowledged() {
        return requests.stream().filter(r -> acknowledged.containsKey(r.getRequestId())).toList();
    }

    public int failedSends() {
        return failedSends.get();
    }

    /** Every result read, duplicates included. */
    public List<InferenceResult> results() {
        List<InferenceResult> all = new ArrayList<>();
        results.values().forEach(all::addAll);
        return all;
    }

    /** How many acknowledged requests have no result yet. */
    public long lost() {
        return acknowledged.keySet().stream().filter(id -> !results.containsKey(id)).count();
    }

    /** Results beyond the first of each request. */
    public int duplicates() {
        return results.values().stream().mapToInt(l -> l.size() - 1).sum();
    }

    /**
     * Request ids that appear more than once in {@code topic} (the input): a producer retry the broker wrote twice
     * would make two requests of one.
     */
    public static Map<String, Integer> repeatedIds(String bootstrap, String topic) {
        Map<String, Integer> count = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "steady-load-input-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            int empty = 0;
            while (empty < 10) {
                var records = c.poll(Duration.ofMillis(300));
                empty = records.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    count.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
        }
        count.values().removeIf(n -> n == 1);
        return count;
    }

    /** Send → result read, per answered request, sorted, in milliseconds. */
    public long[] latenciesMillis() {
        return latencyNanos.values().stream().mapToLong(n -> n / 1_000_000).sorted().toArray();
    }

    /** "p50 X ms, p99 Y ms, max Z ms" of {@link #latenciesMillis}. */
    public String latencySummary() {
        long[] l = latenciesMillis();
        if (l.length == 0) {
            return "no results";
        }
        return "p50 " + l[(l.length - 1) / 2] + " ms, p99 " + l[(int) Math.ceil(0.99 * l.length) - 1] + " ms, max "
                + l[l.length - 1] + " ms";
    }

    @Override
    public void close() throws InterruptedException {
        sending.set(false);
        sender.join();
        reading.set(false);
        reader.join();
        producer.close(Duration.ofSeconds(5));
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}

package io.streamformer.app;

import io.streamformer.accelerator.Engine;
import io.streamformer.app.client.RequestClient;
import io.streamformer.app.config.StreamFormerConfig;
import io.streamformer.app.ops.OpsServer;
import io.streamformer.app.streams.DeadLetterRecords;
import io.streamformer.app.testing.HostileInputs;
import io.streamformer.app.testing.KafkaExtension;
import io.streamformer.app.testing.Results;
import io.streamformer.app.testing.TestApps;
import io.streamformer.app.testing.TinyModel;
import io.streamformer.app.testing.TopicReader;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input through a real broker, exactly-once: records far larger than the app accepts (a 2 MB and a 10 MB
 * input_ids, a 100 MB text, on an input topic that accepts them), seeded random corruption, absurd parameters, odd
 * keys and duplicate request ids, between valid requests. The instance must keep serving, every record must get
 * exactly one outcome, and every dead letter must fit the dead-letter topic (1 MB, Kafka's default).
 */
class HostileInputIT {
    private static final Logger LOG = LoggerFactory.getLogger(HostileInputIT.class);
    private static final int INPUT_TOPIC_MAX_BYTES = 128 << 20;

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();
    private static Engine engine;

    @BeforeAll
    static void loadModel() {
        engine = TinyModel.load();
    }

    @AfterAll
    static void closeModel() {
        engine.close();
    }

    private static KafkaProducer<byte[], byte[]> bigRecordProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, INPUT_TOPIC_MAX_BYTES,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * INPUT_TOPIC_MAX_BYTES,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Properties appConfig(String name) {
        KAFKA.kafka().createTopics(4, Map.of("max.message.bytes", String.valueOf(INPUT_TOPIC_MAX_BYTES)), name + "-in");
        KAFKA.kafka().createTopics(4, name + "-out", name + "-dlq");
        Properties props = TestApps.config(KAFKA.bootstrapServers(), name + "-app", name);
        props.put(StreamFormerConfig.HTTP_PORT, "0");
        return props;
    }

    @Test
    void recordsOfEveryHostileKindAreDeadLetteredAndTheInstanceKeepsServing() throws Exception {
        Properties props = appConfig("hostile");
        List<InferenceRequest> valid = TinyModel.mixedRequests(30, 13, 2, 8);
        List<HostileInputs.Hostile> hostile = new ArrayList<>(HostileInputs.generate(77, 77, TinyModel.VOCAB));
        hostile.addAll(HostileInputs.duplicates("same-id"));
        hostile.add(HostileInputs.hugeIds("ids-2M", 2_000_000));
        hostile.add(HostileInputs.hugeIds("ids-10M", 10_000_000));
        hostile.add(HostileInputs.hugeText("text-100MB", 100_000_000));

        try (StreamFormerApp app = StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "test"));
             RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "hostile-in", "hostile-out",
                     "hostile-dlq", StreamFormerSerdes.singleObject());
             KafkaProducer<byte[], byte[]> producer = bigRecordProducer();
             TopicReader dlq = new TopicReader(KAFKA.bootstrapServers(), "hostile-dlq")) {
            int h = 0;
            for (int i = 0; i < valid.size(); i++) {
                client.send(valid.get(i));
                for (int j = 0; j < 4 && h < hostile.size(); j++, h++) {
                    producer.send(new ProducerRecord<>("hostile-in", hostile.get(h).key(), hostile.get(h).value())).get();
                }
            }
            for (; h < hostile.size(); h++) {
                producer.send(new ProducerRecord<>("hostile-in", hostile.get(h).key(), hostile.get(h).value())).get();
            }
            client.flush();
            long expectLetters = hostile.stream().filter(x -> x.expect() == HostileInputs.Expect.DEAD_LETTER).count();
            long expectResults = valid.size()
                    + hostile.stream().filter(x -> x.expect() == HostileInputs.Expect.RESULT).count();
            long either = hostile.stream().filter(x -> x.expect() == HostileInputs.Expect.EITHER).count();

            RequestClient.Received got = Results.collect(client, (int) expectResults, (int) expectLetters,
                    Duration.ofSeconds(120), Duration.ofSeconds(3));
            List<ConsumerRecord<byte[], byte[]>> letters = dlq.readAtLeast(got.deadLetters().size(),
                    Duration.ofSeconds(30), Duration.ZERO);

            int tried = valid.size() + hostile.size();
            LOG.info("Hostile input: {} records tried ({} valid, {} hostile), {} dead-lettered, {} results, instance {}",
                    tried, valid.size(), hostile.size(), letters.size(), got.results().size(), app.streams().state());
            assertThat(app.streams().state()).as("no crash").isEqualTo(KafkaStreams.State.RUNNING);
            assertThat(app.inference().isAlive()).isTrue();
            assertThat(letters.size() + got.results().size()).as("one outcome per record").isEqualTo(tried);

            // the valid requests are answered as the engine answers them, the duplicate id twice
            List<InferenceResult> answersToValid = got.results().stream()
                    .filter(r -> valid.stream().anyMatch(v -> v.getRequestId().equals(r.getRequestId()))).toList();
            Results.assertExactlyOneEach(valid, answersToValid, engine);
            assertThat(got.results()).filteredOn(r -> r.getRequestId().equals("same-id")).hasSize(2);
            assertThat(got.results().size()).isBetween((int) expectResults, (int) (expectResults + either));

            Map<String, DeadLetter> byKey = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : letters) {
                DeadLetter letter = StreamFormerSerdes.singleObject().deadLetters().deserializer()
                        .deserialize(record.topic(), record.value());
                String key = new String(toArray(letter.getOriginalKey()), StandardCharsets.UTF_8);
                assertThat(byKey.put(key, letter)).as("one dead letter for " + key).isNull();
                assertThat(record.serializedValueSize() + Math.max(0, record.serializedKeySize()))
                        .as("dead letter of " + key + " fits 1 MiB").isLessThan(1 << 20);
                assertThat(new String(record.headers().lastHeader(DeadLetterRecords.HEADER_OFFSET).value()))
                        .isEqualTo(String.valueOf(letter.getSourceOffset()));
                assertThat(new String(record.headers().lastHeader(DeadLetterRecords.HEADER_PARTITION).value()))
                        .isEqualTo(String.valueOf(letter.getSourcePartition()));
                assertThat(new String(record.headers().lastHeader(DeadLetterRecords.HEADER_TOPIC).value()))
                        .isEqualTo("hostile-in");
            }
            for (HostileInputs.Hostile x : hostile) {
                if (x.expect() == HostileInputs.Expect.DEAD_LETTER) {
                    DeadLetter letter = byKey.get(x.keyString());
                    assertThat(letter).as("dead letter of " + x.name()).isNotNull();
                    if (x.kind() != null) {
                        assertThat(letter.getKind()).as(x.name() + ": " + letter.getReason()).isEqualTo(x.kind());
                    }
                    assertThat(letter.getOriginalTruncated()).as(x.name()).isEqualTo(x.huge());
                    assertThat(letter.getOriginalValueSize()).isEqualTo(x.value().length);
                    byte[] kept = toArray(letter.getOriginalValue());
                    assertThat(kept).as("original bytes (or their start) of " + x.name())
                            .isEqualTo(Arrays.copyOf(x.value(), kept.length));
                    if (x.huge()) {
                        assertThat(kept.length).isGreaterThan(500_000);
                    } else {
                        assertThat(kept.length).isEqualTo(x.value().length);
                    }
                }
            }
            String metrics = TestApps.get(app.httpPort(), OpsServer.METRICS_PATH).body();
            assertThat(TestApps.metric(metrics, "streamformer_dead_letters_total")).isEqualTo(letters.size());
            assertThat(TestApps.metric(metrics, "streamformer_dead_letters_truncated_total")).isEqualTo(3);
            assertThat(TestApps.metric(metrics, "streamformer_dead_letters_failed_total")).isZero();
        }
    }

    @Test
    void aDeadLetterTheBrokerRefusesFailsOneTransactionThenGoesOutWithoutTheOriginalBytes() throws Exception {
        Properties props = appConfig("refused");
        List<InferenceRequest> before = TinyModel.mixedRequests(6, 21, 2, 6);
        List<InferenceRequest> after = TinyModel.mixedRequests(6, 22, 2, 6).stream()
                .map(r -> InferenceRequest.newBuilder(r).setRequestId("after-" + r.getRequestId()).build()).toList();
        HostileInputs.Hostile tooLong = HostileInputs.hugeIds("ids-2M", 2_000_000);

        try (StreamFormerApp app = StreamFormerApp.start(StreamFormerConfig.from(props, Map.of(), "test"));
             RequestClient client = new RequestClient(KAFKA.bootstrapServers(), "refused-in", "refused-out",
                     "refused-dlq", StreamFormerSerdes.singleObject());
             KafkaProducer<byte[], byte[]> producer = bigRecordProducer()) {
            before.forEach(client::send);
            client.flush();
            // the app sized dead letters for 1 MiB at start-up; now the topic takes 200 kB: the broker refuses the
            // truncated dead letter, which fails the transaction (exactly-once)
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
                ConfigResource dlqTopic = new ConfigResource(ConfigResource.Type.TOPIC, "refused-dlq");
                admin.incrementalAlterConfigs(Map.of(dlqTopic, List.of(new AlterConfigOp(
                        new ConfigEntry("max.message.bytes", "200000"), AlterConfigOp.OpType.SET)))).all().get();
            }
            producer.send(new ProducerRecord<>("refused-in", 0, tooLong.key(), tooLong.value())).get();
            after.forEach(client::send);
            client.flush();

            List<InferenceRequest> all = new ArrayList<>(before);
            all.addAll(after);
            RequestClient.Received got = Results.collect(client, all.size(), 1, Duration.ofSeconds(90),
                    Duration.ofSeconds(2));

            Results.assertExactlyOneEach(all, got.results(), engine);
            assertThat(got.deadLetters()).hasSize(1);
            DeadLetter letter = got.deadLetters().get(0);
            assertThat(letter.getOriginalTruncated()).isTrue();
            assertThat(letter.getOriginalValue().remaining()).as("no original bytes the second time").isZero();
            assertThat(letter.getOriginalValueSize()).isEqualTo(tooLong.value().length);
            assertThat(letter.getReason()).contains("more than the 1048576 a request may have")
                    .contains("written without the original bytes").contains("RecordTooLargeException");
            assertThat(app.streams().state()).isEqualTo(KafkaStreams.State.RUNNING);
            String metrics = TestApps.get(app.httpPort(), OpsServer.METRICS_PATH).body();
            assertThat(TestApps.metric(metrics, "streamformer_dead_letters_failed_total")).isEqualTo(1);
        }
    }


    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

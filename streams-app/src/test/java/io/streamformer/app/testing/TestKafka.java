package io.streamformer.app.testing;

import io.streamformer.app.embedded.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Kafka broker of the integration tests, one for the whole run: a Testcontainers {@code apache/kafka}
 * container where a Docker engine is available, the in-process KRaft broker otherwise (or always, with
 * {@code -Dstreamformer.test.kafka=embedded}). The tests are the same either way; with
 * {@code -Dstreamformer.require.docker=true} a missing Docker engine is a failure instead.
 */
public final class TestKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TestKafka.class);
    static final String IMAGE = "apache/kafka:4.1.0";

    private final String bootstrapServers;
    private final AutoCloseable broker;

    private TestKafka(String bootstrapServers, AutoCloseable broker) {
        this.bootstrapServers = bootstrapServers;
        this.broker = broker;
    }

    /** The run's broker, started on first use and stopped when the test run ends. */
    public static TestKafka get(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(TestKafka.class, k -> start(), TestKafka.class);
    }

    private static TestKafka start() {
        String choice = System.getProperty("streamformer.test.kafka", "auto");
        boolean docker = dockerAvailable();
        if (!docker && Boolean.getBoolean("streamformer.require.docker")) {
            throw new IllegalStateException("-Dstreamformer.require.docker=true, but no Docker engine is available for"
                    + " the Kafka container");
        }
        if (!choice.equals("embedded") && docker) {
            // one broker: exactly-once needs the transaction log with one replica
            KafkaContainer container = new KafkaContainer(IMAGE)
                    .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                    .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
            container.start();
            LOG.info("Integration tests use a Kafka container ({}) at {}", IMAGE, container.getBootstrapServers());
            return new TestKafka(container.getBootstrapServers(), container::stop);
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        LOG.info("Integration tests use the in-process KRaft broker at {}", broker.bootstrapServers());
        return new TestKafka(broker.bootstrapServers(), broker);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void createTopics(int partitions, String... topics) {
        createTopics(partitions, Map.of(), topics);
    }

    /** Topics with topic-level settings, e.g. max.message.bytes. */
    public void createTopics(int partitions, Map<String, String> configs, String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            admin.createTopics(Stream.of(topics).map(t -> new NewTopic(t, partitions, (short) 1).configs(configs))
                    .toList()).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + List.of(topics), e);
        }
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}

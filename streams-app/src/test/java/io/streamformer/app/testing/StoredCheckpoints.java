package io.streamformer.app.testing;

import io.streamformer.app.streams.StreamFormerTopology;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.serde.SingleObjectSerde;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.fail;

/** Watching the decode-state store's changelog: when has a request stored progress? */
public final class StoredCheckpoints {
    private StoredCheckpoints() {
    }

    /**
     * Waits until the changelog of app {@code applicationId} holds a committed checkpoint at {@code step} tokens or
     * more of a request whose id starts with {@code idPrefix}; fails if {@code app} dies meanwhile.
     */
    public static void await(String bootstrapServers, String applicationId, int step, String idPrefix, ChildApp app) {
        await(bootstrapServers, applicationId, step, idPrefix, () -> app.isAlive() ? null : "the app died:\n" + app.log());
    }

    /** As above for an app in this JVM: {@code death} says why it cannot go on, or null while it runs. */
    public static void await(String bootstrapServers, String applicationId, int step, String idPrefix,
                             java.util.function.Supplier<String> death) {
        await(bootstrapServers, applicationId, s -> s.getStep() >= step
                && s.getRequest().getRequestId().startsWith(idPrefix), death);
    }

    /** Waits until the changelog holds a committed state that {@code wanted} accepts. */
    public static void await(String bootstrapServers, String applicationId,
                             java.util.function.Predicate<DecodeState> wanted,
                             java.util.function.Supplier<String> death) {
        SingleObjectSerde<DecodeState> states = SingleObjectSerde.of(DecodeState.class);
        try (KafkaConsumer<byte[], byte[]> changelog = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "changelog-watch-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            changelog.subscribe(List.of(applicationId + "-" + StreamFormerTopology.STORE_NAME + "-changelog"));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < deadline) {
                String dead = death.get();
                if (dead != null) {
                    fail(dead);
                }
                for (ConsumerRecord<byte[], byte[]> r : changelog.poll(Duration.ofMillis(200))) {
                    DecodeState s = r.value() == null ? null : states.deserialize(r.topic(), r.value());
                    if (s != null && wanted.test(s)) {
                        return;
                    }
                }
            }
            fail("no such checkpoint in the decode-state changelog within 90 s");
        }
    }
}

// Lists the dead-letter topic of a StreamFormer deployment, and optionally replays dead letters: their original
// key and value bytes go back to the topic they were read from (after the cause is fixed: a producer bug, a limit
// such as streamformer.request.max.new.tokens raised, a model with a larger vocabulary).
//
//   java -cp streams-app/target/streamformer.jar deploy/examples/DeadLetters.java --bootstrap-servers localhost:9092
//   java -cp streams-app/target/streamformer.jar deploy/examples/DeadLetters.java --bootstrap-servers localhost:9092 \
//       --replay --kind INVALID_PARAMETERS
//
// Reads the topic from the beginning up to its end as of the start (read_committed, no consumer group), so a
// replayed record that fails again is not replayed again by the same run. Output, one JSON object per dead
// letter: kind, reason, source topic-partition@offset, request_id, failed_at, the original value's size.
// Options: --bootstrap-servers, --dlq-topic (the app's default), --kind KIND (UNDECODABLE, UNKNOWN_SCHEMA,
// INVALID_INPUT, INVALID_PARAMETERS), --replay, --schema-registry-url URL (for streamformer.serde.format=confluent).

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.serde.StreamFormerSerdes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class DeadLetters {
    public static void main(String[] args) {
        Map<String, String> opt = new HashMap<>(Map.of("--bootstrap-servers", "localhost:9092",
                "--dlq-topic", "inference-dead-letters"));
        boolean replay = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--replay")) {
                replay = true;
            } else if (i + 1 < args.length && List.of("--bootstrap-servers", "--dlq-topic", "--kind",
                    "--schema-registry-url").contains(args[i])) {
                opt.put(args[i], args[++i]);
            } else {
                throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        StreamFormerSerdes serdes = opt.containsKey("--schema-registry-url")
                ? StreamFormerSerdes.registry(opt.get("--schema-registry-url")) : StreamFormerSerdes.singleObject();
        String bootstrap = opt.get("--bootstrap-servers");
        String topic = opt.get("--dlq-topic");
        ObjectMapper json = new ObjectMapper();
        int listed = 0;
        int replayed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                     ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue; // arrived after the start
                    }
                    DeadLetter d = serdes.deadLetters().deserializer().deserialize(r.topic(), r.headers(), r.value());
                    if (opt.containsKey("--kind") && !d.getKind().name().equals(opt.get("--kind"))) {
                        continue;
                    }
                    listed++;
                    ObjectNode o = json.createObjectNode();
                    o.put("kind", d.getKind().name());
                    o.put("reason", d.getReason());
                    o.put("source", d.getSourceTopic() + "-" + d.getSourcePartition() + "@" + d.getSourceOffset());
                    o.put("request_id", d.getRequestId());
                    o.put("failed_at", d.getFailedAt().toString());
                    o.put("value_bytes", d.getOriginalValue() == null ? 0 : d.getOriginalValue().remaining());
                    System.out.println(o);
                    if (replay) {
                        producer.send(new ProducerRecord<>(d.getSourceTopic(), bytes(d.getOriginalKey()),
                                bytes(d.getOriginalValue())));
                        replayed++;
                    }
                }
            }
            producer.flush();
        }
        System.err.printf("%d dead letters%s%n", listed, replay ? ", " + replayed + " replayed" : "");
    }

    static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}

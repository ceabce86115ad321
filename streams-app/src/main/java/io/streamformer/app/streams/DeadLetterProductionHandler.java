package io.streamformer.app.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.streamformer.app.ops.RequestCounters;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The app's production exception handler, the last resort behind {@link DeadLetterRecords} (which sizes dead
 * letters to fit): a dead letter that the producer or the broker refuses is logged, counted
 * ({@code streamformer_dead_letters_failed_total}) and noted in {@link DeadLetterFailures}. At-least-once, the
 * record is then skipped. Exactly-once, the refusal has already failed the transaction: the stream thread is
 * replaced, reads the record again and, finding it noted, writes a dead letter without the original bytes. Either
 * way no bad input record can stop the instance. Any other record (a result, a changelog entry) that cannot be
 * written fails the stream thread as Kafka Streams' default handler does: those must not be lost.
 *
 * <p>Configured through the Kafka Streams properties: {@link #DLQ_TOPIC} (the dead-letter topic), and the objects
 * {@link #FAILURES} (the shared {@link DeadLetterFailures}) and {@link #REGISTRY} (a {@link MeterRegistry}).
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    /** Kafka Streams property naming the dead-letter topic. */
    public static final String DLQ_TOPIC = "streamformer.production.handler.dlq.topic";
    /** Kafka Streams property holding the app's MeterRegistry (an object, not a string). */
    public static final String REGISTRY = "streamformer.production.handler.registry";
    /** Kafka Streams property holding the topology's DeadLetterFailures (an object, not a string). */
    public static final String FAILURES = "streamformer.production.handler.failures";

    private String deadLetterTopic;
    private Counter failed;
    private DeadLetterFailures failures;

    @Override
    public void configure(Map<String, ?> configs) {
        Object topic = configs.get(DLQ_TOPIC);
        deadLetterTopic = topic == null ? null : topic.toString();
        if (configs.get(REGISTRY) instanceof MeterRegistry registry) {
            failed = RequestCounters.deadLettersFailed(registry);
        }
        if (configs.get(FAILURES) instanceof DeadLetterFailures f) {
            failures = f;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception e) {
        if (isDeadLetter(record.topic())) {
            skip(context, record, e);
            return Response.resume();
        }
        return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception e,
                                             SerializationExceptionOrigin origin) {
        if (isDeadLetter(record.topic())) {
            skip(context, record, e);
            return Response.resume();
        }
        return Response.fail();
    }

    @SuppressWarnings("rawtypes")
    private static String header(ProducerRecord record, String name) {
        var h = record.headers() == null ? null : record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private boolean isDeadLetter(String topic) {
        return deadLetterTopic != null && deadLetterTopic.equals(topic);
    }

    /**
     * Notes the refusal under the input record's position, read from the dead letter's own KIP-1034 headers: a
     * refusal by the broker arrives after the record was processed, when the context no longer names it.
     */
    @SuppressWarnings("rawtypes")
    private void skip(ErrorHandlerContext context, ProducerRecord record, Exception e) {
        String topic = header(record, DeadLetterRecords.HEADER_TOPIC);
        String partition = header(record, DeadLetterRecords.HEADER_PARTITION);
        String offset = header(record, DeadLetterRecords.HEADER_OFFSET);
        if (topic == null || partition == null || offset == null) {
            topic = context.topic();
            partition = String.valueOf(context.partition());
            offset = String.valueOf(context.offset());
        }
        if (failed != null) {
            failed.increment();
        }
        if (failures != null) {
            failures.record(topic, Integer.parseInt(partition), Long.parseLong(offset), e.toString());
        }
        LOG.error("Could not write the dead letter of {}-{}@{} to {}: {}{}; it will be written without the original"
                        + " bytes, the instance carries on", topic, partition, offset, record.topic(), e,
                e instanceof RecordTooLargeException ? " (raise the topic's max.message.bytes and the producer's"
                        + " max.request.size, or lower streamformer.dlq.max.record.bytes)" : "");
    }
}

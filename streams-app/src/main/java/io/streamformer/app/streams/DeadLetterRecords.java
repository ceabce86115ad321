package io.streamformer.app.streams;

import io.streamformer.schemas.DeadLetter;
import io.streamformer.schemas.DeadLetterKind;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Builds the dead-letter record of a rejected input record so that it always fits the dead-letter topic: the
 * original key and value are kept whole when they fit {@code maxRecordBytes}, otherwise only their first bytes
 * (the record says so in {@code original_truncated} and keeps the original size). Without this a 2 MB request
 * would become a 2 MB dead letter that the producer refuses, the stream thread would die, and the instance would
 * meet the same record again after every restart.
 *
 * <p>The record also carries the headers that Kafka Streams' own dead-letter queue writes (KIP-1034), so tools
 * written for it read ours: {@code __streams.errors.exception}, {@code .message}, {@code .topic},
 * {@code .partition}, {@code .offset} (and {@code .stacktrace} when an exception caused the rejection).
 */
public final class DeadLetterRecords {
    public static final String HEADER_EXCEPTION = "__streams.errors.exception";
    public static final String HEADER_MESSAGE = "__streams.errors.message";
    public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
    public static final String HEADER_TOPIC = "__streams.errors.topic";
    public static final String HEADER_PARTITION = "__streams.errors.partition";
    public static final String HEADER_OFFSET = "__streams.errors.offset";

    /** The exception name a rejection without an exception carries (a validation failure). */
    public static final String REJECTED = "io.streamformer.app.streams.RejectedRequest";

    /** Room left for the record batch and record framing, and the key and header lengths' varints. */
    static final int FRAMING_BYTES = 256;
    private static final int MAX_REASON_CHARS = 4096;
    private static final int MAX_STACKTRACE_CHARS = 8192;

    private final Serializer<DeadLetter> serializer;
    private final String topic;
    private final int maxRecordBytes;

    /**
     * @param serializer     the dead-letter topic's value serializer (its size is what counts)
     * @param topic          the dead-letter topic, for the serializer
     * @param maxRecordBytes the largest record the topic and the producer accept
     */
    public DeadLetterRecords(Serializer<DeadLetter> serializer, String topic, int maxRecordBytes) {
        if (maxRecordBytes < 2 * FRAMING_BYTES + MAX_REASON_CHARS * 4) {
            throw new IllegalArgumentException("a dead-letter record limit of " + maxRecordBytes
                    + " bytes leaves no room for the reason");
        }
        this.serializer = serializer;
        this.topic = topic;
        this.maxRecordBytes = maxRecordBytes;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /**
     * What a dead letter needs to say about the record it replaces; {@code earlierFailure} is why an earlier dead
     * letter of the same record could not be written (then this one carries no original bytes), or null.
     */
    public record Rejection(DeadLetterKind kind, String reason, String requestId, Throwable cause,
                            String earlierFailure) {
        public Rejection(DeadLetterKind kind, String reason, String requestId, Throwable cause) {
            this(kind, reason, requestId, cause, null);
        }
    }

    /**
     * The dead-letter record for {@code original} read at {@code source}: key = the original key (or its first
     * bytes), value = the DeadLetter, headers = the original headers when they fit, then the KIP-1034 ones.
     */
    public Record<byte[], DeadLetter> build(Record<byte[], byte[]> original, RecordMetadata source,
                                            Rejection rejection, String modelId, Instant now) {
        String reason = clip(rejection.earlierFailure() == null ? rejection.reason() : rejection.reason()
                + " (written without the original bytes: the full dead letter was refused: "
                + rejection.earlierFailure() + ")", MAX_REASON_CHARS);
        Headers errorHeaders = errorHeaders(rejection, reason, source);
        byte[] key = original.key();
        byte[] value = original.value();
        long valueSize = value == null ? -1 : value.length;

        // Everything but the original bytes, at its real size; what is left may hold the originals.
        DeadLetter.Builder letter = DeadLetter.newBuilder()
                .setKind(rejection.kind())
                .setReason(reason)
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setRequestId(rejection.requestId() == null ? null : clip(rejection.requestId(), 256))
                .setModelId(modelId)
                .setFailedAt(now)
                .setOriginalValueSize(valueSize)
                .setOriginalTruncated(true);
        int fixed = serialized(letter.setOriginalKey(null).setOriginalValue(null).build()) + headerBytes(errorHeaders)
                + FRAMING_BYTES;
        int room = maxRecordBytes - fixed;
        Headers originalHeaders = original.headers();
        int originalHeaderBytes = headerBytes(originalHeaders);

        int keyLength = key == null ? 0 : key.length;
        int valueLength = value == null ? 0 : value.length;
        // the key appears twice: as the record's key and in original_key
        boolean fits = 2L * keyLength + valueLength + originalHeaderBytes + 16 <= room
                && rejection.earlierFailure() == null;
        if (fits) {
            letter.setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
                    .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                    .setOriginalTruncated(false);
            return new Record<>(key, letter.build(), original.timestamp(), merge(originalHeaders, errorHeaders));
        }
        // Too large: drop the original headers, keep at most a quarter of the room for the key, the rest for the value;
        // after a refusal, no original bytes at all but the key's first 256.
        boolean none = rejection.earlierFailure() != null;
        int keyKept = Math.min(keyLength, none ? 256 : room / 8);
        byte[] keptKey = key == null ? null : Arrays.copyOf(key, keyKept);
        int valueKept = none ? 0 : Math.max(0, Math.min(valueLength, room - 2 * keyKept - 16));
        letter.setOriginalKey(keptKey == null ? null : ByteBuffer.wrap(keptKey))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value, 0, valueKept).slice());
        return new Record<>(keptKey, letter.build(), original.timestamp(), errorHeaders);
    }

    private Headers errorHeaders(Rejection rejection, String reason, RecordMetadata source) {
        Headers h = new RecordHeaders();
        Throwable cause = rejection.cause();
        h.add(HEADER_EXCEPTION, utf8(cause != null ? cause.getClass().getName() : REJECTED));
        h.add(HEADER_MESSAGE, utf8(reason));
        if (cause != null) {
            java.io.StringWriter trace = new java.io.StringWriter();
            cause.printStackTrace(new java.io.PrintWriter(trace));
            h.add(HEADER_STACKTRACE, utf8(clip(trace.toString(), MAX_STACKTRACE_CHARS)));
        }
        h.add(HEADER_TOPIC, utf8(source.topic()));
        h.add(HEADER_PARTITION, utf8(String.valueOf(source.partition())));
        h.add(HEADER_OFFSET, utf8(String.valueOf(source.offset())));
        return h;
    }

    private int serialized(DeadLetter letter) {
        return serializer.serialize(topic, letter).length;
    }

    private static Headers merge(Headers first, Headers then) {
        Headers out = new RecordHeaders();
        for (Header h : first) {
            out.add(h);
        }
        for (Header h : then) {
            out.add(h);
        }
        return out;
    }

    static int headerBytes(Headers headers) {
        int n = 0;
        for (Header h : headers) {
            n += h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length) + 10;
        }
        return n;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String clip(String s, int chars) {
        return s.length() <= chars ? s : s.substring(0, chars - 20) + "... (" + s.length() + " chars)";
    }
}

package io.streamformer.app.streams;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The input records whose dead letter the producer refused, shared by the production exception handler (which
 * notes them) and the request decoder (which, meeting such a record again, writes a dead letter without the
 * original bytes). Under exactly-once a refused send fails the whole transaction: the stream thread is replaced,
 * the record is read again from the last commit, and only a smaller dead letter lets it through. Bounded; per JVM.
 */
public final class DeadLetterFailures {
    private static final int CAPACITY = 10_000;

    private final Map<String, String> failed = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CAPACITY;
        }
    };

    private static String key(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /** Notes that the dead letter of this input record could not be written, and why. */
    public synchronized void record(String topic, int partition, long offset, String why) {
        failed.put(key(topic, partition, offset), why);
    }

    /** Why an earlier dead letter of this record could not be written, or null. */
    public synchronized String failure(String topic, int partition, long offset) {
        return failed.get(key(topic, partition, offset));
    }
}

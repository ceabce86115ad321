package io.streamformer.app.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.streamformer.schemas.DeadLetterKind;
import io.streamformer.schemas.FinishReason;

import java.time.Duration;
import java.util.Locale;

/**
 * The per-request counters of the Kafka side: accepted requests, completed ones by finish reason, dead letters
 * by kind ({@code streamformer.requests.resumed} is the inference thread's). {@link #register} creates every one
 * of them, each tag value included, when the app starts, so that a fresh instance's {@code /metrics} shows them
 * at 0 (rates and alerts work before the first event). The other methods return the same counters.
 */
public final class RequestCounters {
    public static final String ACCEPTED = "streamformer.requests.accepted";
    public static final String COMPLETED = "streamformer.requests.completed";
    public static final String DEAD_LETTERS = "streamformer.dead.letters";
    public static final String DEAD_LETTERS_TRUNCATED = "streamformer.dead.letters.truncated";
    public static final String DEAD_LETTERS_FAILED = "streamformer.dead.letters.failed";
    public static final String LATENCY = "streamformer.request.latency";
    public static final String QUEUE_WAIT = "streamformer.request.queue.wait";

    private RequestCounters() {
    }

    /** Registers all of them (idempotent: a registry returns the counter it already has). */
    public static void register(MeterRegistry registry) {
        accepted(registry);
        for (FinishReason reason : FinishReason.values()) {
            completed(registry, reason);
        }
        for (DeadLetterKind kind : DeadLetterKind.values()) {
            deadLetters(registry, kind);
        }
        deadLettersTruncated(registry);
        deadLettersFailed(registry);
        latency(registry);
        queueWait(registry);
    }

    /** Accepted → result forwarded: the app's share of the end-to-end latency (the commit that publishes it aside). */
    public static Timer latency(MeterRegistry registry) {
        return Timer.builder(LATENCY).description("Time from a request's acceptance to its result being forwarded"
                        + " (visible to read_committed consumers at the next commit)")
                .publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    /** Accepted → handed to the engine: how long requests wait for room in the running batch. */
    public static Timer queueWait(MeterRegistry registry) {
        return Timer.builder(QUEUE_WAIT).description("Time from a request's acceptance to its hand-over to the engine")
                .publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    public static Counter accepted(MeterRegistry registry) {
        return Counter.builder(ACCEPTED).description("Requests decoded, validated and stored in the decode-state store")
                .register(registry);
    }

    public static Counter completed(MeterRegistry registry, FinishReason reason) {
        return Counter.builder(COMPLETED).description("Results emitted, by finish reason")
                .tag("finish_reason", reason.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    public static Counter deadLetters(MeterRegistry registry, DeadLetterKind kind) {
        return Counter.builder(DEAD_LETTERS).description("Input records sent to the dead-letter topic, by kind")
                .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry);
    }

    public static Counter deadLettersTruncated(MeterRegistry registry) {
        return Counter.builder(DEAD_LETTERS_TRUNCATED).description("Dead letters whose original key or value was cut"
                + " to fit the dead-letter topic's record size limit").register(registry);
    }

    public static Counter deadLettersFailed(MeterRegistry registry) {
        return Counter.builder(DEAD_LETTERS_FAILED).description("Dead letters the producer could not write (logged"
                + " and skipped, so that one bad record cannot stop the instance)").register(registry);
    }
}

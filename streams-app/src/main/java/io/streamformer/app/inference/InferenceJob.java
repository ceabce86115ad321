package io.streamformer.app.inference;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.SearchSnapshot;
import io.streamformer.accelerator.scheduler.StopCondition;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One request handed from a stream task to the inference thread. {@code key} is the task's own name for it
 * (its decode-state store key); {@code resumeFrom} is the stored snapshot to continue from, or null; {@code stop}
 * ends it at a stop string (null: none).
 */
public final class InferenceJob {
    private static final AtomicLong NEXT_ID = new AtomicLong();

    /** Unique in this JVM: keys of different tasks may coincide, the scheduler's ids may not. */
    final String schedulerId = "job-" + NEXT_ID.incrementAndGet();
    final TaskMailbox mailbox;
    final String key;
    final int[] inputIds;
    final GenerationParams params;
    final SearchSnapshot resumeFrom;
    final StopCondition stop;
    /** Written and read by the inference thread only. */
    long firstTokenAtMillis;

    public InferenceJob(TaskMailbox mailbox, String key, int[] inputIds, GenerationParams params,
                        SearchSnapshot resumeFrom, StopCondition stop) {
        this.mailbox = mailbox;
        this.key = key;
        this.inputIds = inputIds;
        this.params = params;
        this.resumeFrom = resumeFrom;
        this.stop = stop;
    }

    public String key() {
        return key;
    }

    @Override
    public String toString() {
        return schedulerId + "(" + key + ")";
    }
}

package io.streamformer.app.inference;

import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.SearchSnapshot;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Where the inference thread leaves news for one stream task: finished requests, and the latest decoding
 * snapshot of each running one. The task's punctuator collects them on its own thread, so everything it
 * forwards or writes to its store happens inside the task (and, under exactly-once, in its transaction).
 */
public final class TaskMailbox {

    /** A finished request: a result, or the reason the engine could not run it. */
    public record Outcome(String key, GenerationResult result, String error, long firstTokenAtMillis,
                          long finishedAtMillis) {
        public boolean failed() {
            return result == null;
        }
    }

    /** The state of a running request after its latest step. */
    public record Progress(SearchSnapshot snapshot, long firstTokenAtMillis) {
    }

    private final String owner;
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    /** Only the latest snapshot per request matters: older ones are overwritten, so this stays small. */
    private final Map<String, Progress> progress = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public TaskMailbox(String owner) {
        this.owner = owner;
    }

    public String owner() {
        return owner;
    }

    void postProgress(String key, Progress p) {
        if (!closed) {
            progress.put(key, p);
        }
    }

    void postOutcome(Outcome outcome) {
        if (!closed) {
            outcomes.add(outcome);
        }
    }

    /** Takes the finished requests posted so far. */
    public List<Outcome> takeOutcomes() {
        List<Outcome> out = new ArrayList<>();
        for (Outcome o = outcomes.poll(); o != null; o = outcomes.poll()) {
            out.add(o);
        }
        return out;
    }

    /** Takes the latest snapshot of every request that advanced since the last call. */
    public Map<String, Progress> takeProgress() {
        Map<String, Progress> out = new HashMap<>();
        for (String key : List.copyOf(progress.keySet())) {
            Progress p = progress.remove(key);
            if (p != null) {
                out.put(key, p);
            }
        }
        return out;
    }

    public boolean isClosed() {
        return closed;
    }

    void close() {
        closed = true;
        outcomes.clear();
        progress.clear();
    }

    @Override
    public String toString() {
        return "mailbox of " + owner;
    }
}

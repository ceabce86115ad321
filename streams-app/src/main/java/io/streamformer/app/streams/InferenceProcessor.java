package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.SearchSnapshot;
import io.streamformer.accelerator.scheduler.StopCondition;
import io.streamformer.app.inference.InferenceJob;
import io.streamformer.app.inference.InferenceService;
import io.streamformer.app.inference.TaskMailbox;
import io.streamformer.app.ops.RequestCounters;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.DecodeStatus;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.SourcePosition;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every accepted request of its task in the decode-state store until its result is emitted, and lets
 * the shared {@link InferenceService} do the decoding.
 *
 * <ul>
 *   <li>{@link #process}: stores the request, then hands it to the engine if there is room; otherwise it
 *       stays in the store as QUEUED (waiting at most {@code intakeMaxBlock} for room, which slows this stream
 *       thread down to the engine's pace: back-pressure).</li>
 *   <li>A wall-clock punctuator (every {@code emitInterval}) forwards finished results and deletes their
 *       entries (under exactly-once both land in the same transaction), writes the tokens generated so far
 *       into the store every {@code checkpointInterval}, and hands QUEUED requests over as room frees.</li>
 *   <li>{@link #init} (after the store is restored): every entry left in the store is handed over again,
 *       resuming from its stored tokens. {@link #close} (revocation, shutdown): the task's requests are
 *       cancelled in the engine; the store keeps them for whoever owns the partition next.</li>
 * </ul>
 * No call here runs inference or waits longer than {@code intakeMaxBlock}, so the stream thread keeps polling.
 */
public final class InferenceProcessor implements Processor<String, AcceptedRequest, String, InferenceResult> {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceProcessor.class);

    private final InferenceService inference;
    private final RequestParameters parameters;
    private final String storeName;
    private final Duration emitInterval;
    private final long checkpointIntervalMs;
    private final long intakeMaxBlockMs;

    private ProcessorContext<String, InferenceResult> context;
    private KeyValueStore<String, DecodeState> store;
    private TaskMailbox mailbox;
    /** The requests of this task that the engine has now, by store key (bounded by the engine's room). */
    private final Map<String, DecodeState> inEngine = new HashMap<>();
    /** The smallest store key that may still wait for the engine; null when none does. */
    private String backlogFrom;
    private long lastCheckpointMs;

    public InferenceProcessor(InferenceService inference, RequestParameters parameters, String storeName,
                              Duration emitInterval, Duration checkpointInterval, Duration intakeMaxBlock) {
        this.inference = inference;
        this.parameters = parameters;
        this.storeName = storeName;
        this.emitInterval = emitInterval;
        this.checkpointIntervalMs = checkpointInterval.toMillis();
        this.intakeMaxBlockMs = intakeMaxBlock.toMillis();
    }

    /**
     * The store key of a request: its input partition and offset, zero-padded so that the store's byte order
     * is arrival order (parked requests are handed over first come, first served).
     */
    public static String storeKey(int partition, long offset) {
        return String.format(Locale.ROOT, "%05d-%019d", partition, offset);
    }

    @Override
    public void init(ProcessorContext<String, InferenceResult> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.mailbox = new TaskMailbox("task " + context.taskId());
        int unfinished = 0;
        int started = 0;
        int maxStep = 0;
        try (KeyValueIterator<String, DecodeState> it = store.all()) {
            if (it.hasNext()) {
                backlogFrom = it.peekNextKey();
            }
            while (it.hasNext()) {
                int step = it.next().value.getStep();
                unfinished++;
                started += step > 0 ? 1 : 0;
                maxStep = Math.max(maxStep, step);
            }
        }
        if (unfinished > 0) {
            LOG.info("Task {}: {} unfinished requests in the {} store ({} resume from their stored tokens, up to"
                    + " step {}); handing them to the engine again", context.taskId(), unfinished, storeName, started,
                    maxStep);
        }
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, ignored -> punctuate());
    }

    @Override
    public void process(Record<String, AcceptedRequest> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow(() -> new IllegalStateException(
                "InferenceProcessor must be fed from a source topic: it keys its state by partition and offset"));
        String key = storeKey(source.partition(), source.offset());
        AcceptedRequest accepted = record.value();
        boolean handOver = backlogFrom == null && inference.tryReserve();
        DecodeState state = DecodeStates.accepted(accepted.request(),
                new SourcePosition(source.topic(), source.partition(), source.offset()), accepted.params().seed(),
                inference.modelId(), handOver ? DecodeStatus.RUNNING : DecodeStatus.QUEUED, Instant.now());
        store.put(key, state);
        RequestCounters.accepted(inference.registry()).increment();
        if (handOver) {
            submit(key, state, accepted.params());
        } else {
            if (backlogFrom == null || key.compareTo(backlogFrom) < 0) {
                backlogFrom = key;
            }
            handOverBacklog(intakeMaxBlockMs);
        }
    }

    private void punctuate() {
        long now = System.currentTimeMillis();
        if (now - lastCheckpointMs >= checkpointIntervalMs) {
            checkpoint(Instant.ofEpochMilli(now));
            lastCheckpointMs = now;
        }
        for (TaskMailbox.Outcome outcome : mailbox.takeOutcomes()) {
            emit(outcome, now);
        }
        handOverBacklog(0);
    }

    /** Writes the latest tokens of every request that advanced since the last checkpoint. */
    private void checkpoint(Instant now) {
        for (Map.Entry<String, TaskMailbox.Progress> e : mailbox.takeProgress().entrySet()) {
            DecodeState state = inEngine.get(e.getKey());
            if (state != null) { // null: it finished meanwhile
                DecodeStates.recordProgress(state, e.getValue(), inference.encoderDecoder(), now);
                store.put(e.getKey(), state);
            }
        }
    }

    private void emit(TaskMailbox.Outcome outcome, long now) {
        DecodeState state = inEngine.remove(outcome.key());
        if (state == null) {
            return;
        }
        InferenceResult result = DecodeStates.result(state, outcome, inference.modelId(), inference.text(),
                inference.encoderDecoder());
        if (outcome.failed()) {
            LOG.warn("Request {} failed in the engine: {}", result.getRequestId(), outcome.error());
        }
        context.forward(new Record<>(result.getRequestId(), result, now));
        store.delete(outcome.key());
        RequestCounters.completed(inference.registry(), result.getFinishReason()).increment();
        RequestCounters.latency(inference.registry()).record(Math.max(0, now - state.getEnqueuedAt().toEpochMilli()),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Hands stored requests that wait for the engine over, oldest first, as long as there is room. Waits up to
     * {@code waitMs} for the first unit of room.
     */
    private void handOverBacklog(long waitMs) {
        if (backlogFrom == null) {
            return;
        }
        boolean haveRoom = inference.tryReserve() || (waitMs > 0 && inference.awaitRoom(waitMs));
        if (!haveRoom) {
            return;
        }
        List<KeyValue<String, DecodeState>> picked = new ArrayList<>();
        String stillWaiting = null;
        // collect first, write after: no store updates while iterating it
        try (KeyValueIterator<String, DecodeState> it = store.range(backlogFrom, null)) {
            while (it.hasNext()) {
                KeyValue<String, DecodeState> kv = it.next();
                if (inEngine.containsKey(kv.key)) {
                    continue;
                }
                if (!haveRoom && !(haveRoom = inference.tryReserve())) {
                    stillWaiting = kv.key;
                    break;
                }
                picked.add(kv);
                haveRoom = false;
            }
        }
        if (haveRoom) {
            inference.unreserve();
        }
        backlogFrom = stillWaiting;
        for (KeyValue<String, DecodeState> kv : picked) {
            DecodeState state = kv.value;
            state.setStatus(DecodeStatus.RUNNING);
            store.put(kv.key, state);
            submit(kv.key, state, parameters.resolve(state.getRequest(), state.getSeed()));
        }
    }

    /** Gives a stored request (holding one unit of room) to the engine, resuming from its tokens if it has any. */
    private void submit(String key, DecodeState state, GenerationParams params) {
        int[] inputIds = DecodeStates.toArray(state.getRequest().getInputIds());
        SearchSnapshot resumeFrom = null;
        if (state.getStep() > 0) {
            if (state.getModelId().equals(inference.modelId())) {
                resumeFrom = DecodeStates.snapshot(state, inference.encoderDecoder());
                state.setResumedFromStep(state.getStep());
                LOG.debug("Request {} resumes from step {}", state.getRequest().getRequestId(), state.getStep());
            } else {
                LOG.warn("Request {} was started with model {}, this is {}: starting it afresh",
                        state.getRequest().getRequestId(), state.getModelId(), inference.modelId());
            }
        }
        inEngine.put(key, state);
        RequestCounters.queueWait(inference.registry()).record(
                Math.max(0, System.currentTimeMillis() - state.getEnqueuedAt().toEpochMilli()), TimeUnit.MILLISECONDS);
        String problem = inference.validate(inputIds, params);
        if (problem != null) { // only after a restart with another model or other limits
            inference.unreserve();
            emit(new TaskMailbox.Outcome(key, null, problem, 0, System.currentTimeMillis()), System.currentTimeMillis());
            return;
        }
        List<String> stop = state.getRequest().getStop();
        StopCondition stopCondition = stop.isEmpty() || inference.text() == null ? null
                : inference.text().stopStrings(stop);
        inference.submit(new InferenceJob(mailbox, key, inputIds, params, resumeFrom, stopCondition));
    }

    @Override
    public void close() {
        if (mailbox != null) {
            inference.cancelAll(mailbox);
        }
        inEngine.clear();
    }
}

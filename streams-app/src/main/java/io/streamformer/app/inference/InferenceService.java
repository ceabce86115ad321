package io.streamformer.app.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.streamformer.accelerator.Engine;
import io.streamformer.accelerator.ModelText;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.scheduler.DecodingScheduler;
import io.streamformer.accelerator.scheduler.GenerationRequest;
import io.streamformer.accelerator.scheduler.RequestRejectedException;
import io.streamformer.accelerator.scheduler.SchedulerLimits;
import io.streamformer.accelerator.scheduler.StepReport;
import io.streamformer.app.ops.RequestCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine of this JVM, shared by every stream thread and task: one inference thread owns the
 * {@link DecodingScheduler} and steps it, so requests from all the partitions this instance owns are decoded
 * in one running batch (continuous batching).
 *
 * <p>Stream threads never run inference. They reserve room ({@link #tryReserve}, {@link #awaitRoom}), hand a
 * request over ({@link #submit}) and later collect what the inference thread left in their
 * {@link TaskMailbox}. Room is bounded (the scheduler's running batch plus its queue), so the requests held in
 * memory are bounded too: when it is used up, stream threads stop handing requests over (back-pressure).
 *
 * <p>When the model directory has a tokenizer (Marian's source.spm, target.spm and vocab.json, or a language model's
 * tokenizer.json), it is loaded here, once, next to the engine: requests may then come as text (and, with a chat
 * template, as messages), and results carry their output as text.
 */
public final class InferenceService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceService.class);

    private sealed interface Command permits Submit, CancelAll, Stop {
    }

    private record Submit(InferenceJob job) implements Command {
    }

    private record CancelAll(TaskMailbox mailbox) implements Command {
    }

    private record Stop() implements Command {
    }

    private final Engine engine;
    private final ModelText text;
    private final String modelId;
    private final DecodingScheduler scheduler;
    private final int capacity;
    private final Semaphore room;
    private final long stepDelayMillis;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    // owned by the inference thread
    private final Deque<InferenceJob> waiting = new ArrayDeque<>();
    private final Map<String, InferenceJob> jobs = new HashMap<>();

    // metrics
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger activeSequences = new AtomicInteger();
    private final Counter submitted;
    private final Counter resumed;
    private final Counter tokens;
    private final Counter steps;
    private final DistributionSummary batchSize;
    private final Timer stepLatency;
    private final MeterRegistry registry;

    private InferenceService(Engine engine, ModelText text, String modelId, SchedulerLimits limits,
                             long stepDelayMillis, MeterRegistry registry) {
        this.engine = engine;
        this.text = text;
        this.modelId = modelId;
        this.scheduler = engine.newScheduler(limits);
        // the running batch plus the scheduler's queue: enough to start the next step at full size
        this.capacity = limits.maxActiveRequests() + limits.maxPendingRequests();
        this.room = new Semaphore(capacity);
        this.stepDelayMillis = stepDelayMillis;
        this.registry = registry;
        RequestCounters.register(registry);
        this.submitted = Counter.builder("streamformer.requests.submitted")
                .description("Requests handed to the engine (resumed ones included)").register(registry);
        this.resumed = Counter.builder("streamformer.requests.resumed")
                .description("Requests resumed from a stored snapshot after a restart or rebalance").register(registry);
        this.tokens = Counter.builder("streamformer.tokens.generated")
                .description("Tokens generated (one per running request per step)").register(registry);
        this.steps = Counter.builder("streamformer.steps").description("Decoding steps").register(registry);
        this.batchSize = DistributionSummary.builder("streamformer.batch.sequences")
                .description("Sequences decoded together in one step").register(registry);
        this.stepLatency = Timer.builder("streamformer.step.latency").description("Time of one decoding step")
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("streamformer.queue.requests", queued, AtomicInteger::get)
                .description("Requests handed over and waiting to join the running batch").register(registry);
        Gauge.builder("streamformer.active.requests", activeRequests, AtomicInteger::get)
                .description("Requests in the running batch").register(registry);
        Gauge.builder("streamformer.active.sequences", activeSequences, AtomicInteger::get)
                .description("Sequences (hypotheses) in the running batch").register(registry);
        Gauge.builder("streamformer.engine.room", room, Semaphore::availablePermits)
                .description("Requests the engine can still take before intake pauses").register(registry);
        this.thread = new Thread(this::loop, "streamformer-inference");
        this.thread.setDaemon(true);
    }

    /**
     * Loads the tokenizer of the engine's model directory if it has one, creates the scheduler (its KV cache is
     * allocated now) and starts the inference thread.
     *
     * @throws io.streamformer.accelerator.format.ModelFormatException if the tokenizer files are unreadable or
     *         do not fit the model (ids beyond its vocabulary, other EOS or padding ids)
     */
    public static InferenceService start(Engine engine, String modelId, SchedulerLimits limits, long stepDelayMillis,
                                         MeterRegistry registry) {
        ModelText text = ModelText.load(engine);
        InferenceService service = new InferenceService(engine, text, modelId, limits, stepDelayMillis, registry);
        service.thread.start();
        LOG.info("Inference thread started: up to {} requests / {} sequences per step, {} more queued, KV cache {} MiB;"
                        + " {}", limits.maxActiveRequests(), limits.maxActiveSequences(), limits.maxPendingRequests(),
                service.scheduler.cacheBytes() >> 20, text == null ? "requests as token ids (the model has no tokenizer)"
                        : text.hasChatTemplate() ? "requests as messages, text or token ids (the model has a tokenizer"
                        + " and a chat template)" : "requests as text or token ids (the model has a tokenizer)");
        return service;
    }

    public Engine engine() {
        return engine;
    }

    /** The model's tokenizer (and template), or null when its directory has none: requests must carry input_ids. */
    public ModelText text() {
        return text;
    }

    /** Whether the model is an encoder-decoder (translation) rather than a decoder-only language model. */
    public boolean encoderDecoder() {
        return engine.encoderDecoder();
    }

    public ModelInfo modelInfo() {
        return engine.info();
    }

    public String modelId() {
        return modelId;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The scheduler's limits after clamping to the model (e.g. max_position_embeddings). */
    public SchedulerLimits limits() {
        return scheduler.limits();
    }

    /**
     * Why the engine would refuse this request, or null. Safe on any thread: {@code DecodingScheduler.validate}
     * reads only the scheduler's immutable limits and model info.
     */
    public String validate(int[] inputIds, GenerationParams params) {
        return scheduler.validate(inputIds, params);
    }

    /** Takes one unit of room without waiting; false when the engine is full. */
    public boolean tryReserve() {
        return room.tryAcquire();
    }

    /** Waits up to {@code millis} for one unit of room; false if none freed up in time. */
    public boolean awaitRoom(long millis) {
        try {
            return room.tryAcquire(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Gives back room taken by {@link #tryReserve} or {@link #awaitRoom} that was not used. */
    public void unreserve() {
        room.release();
    }

    /** Hands a request to the inference thread; the caller must hold one unit of room for it. */
    public void submit(InferenceJob job) {
        commands.add(new Submit(job));
    }

    /** Drops every request of a task (its partition was revoked or the task closed); no more news arrives. */
    public void cancelAll(TaskMailbox mailbox) {
        mailbox.close();
        commands.add(new CancelAll(mailbox));
    }

    public boolean isAlive() {
        return thread.isAlive() && running;
    }

    /** Requests handed over and not finished. */
    public int inFlight() {
        return capacity - room.availablePermits();
    }

    private void loop() {
        try {
            while (running) {
                boolean idle = scheduler.isIdle() && waiting.isEmpty();
                Command c = idle ? commands.poll(100, TimeUnit.MILLISECONDS) : commands.poll();
                while (c != null) {
                    apply(c);
                    c = commands.poll();
                }
                feedScheduler();
                if (!scheduler.isIdle()) {
                    step();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("The inference thread stopped", t);
            running = false;
        }
    }

    private void apply(Command c) {
        switch (c) {
            case Submit s -> {
                if (s.job().mailbox.isClosed()) {
                    room.release(); // its task was closed while the request was on its way
                } else {
                    waiting.add(s.job());
                }
            }
            case CancelAll ca -> cancelAll0(ca.mailbox());
            case Stop ignored -> running = false;
        }
        queued.set(waiting.size() + scheduler.pendingRequests());
    }

    private void cancelAll0(TaskMailbox mailbox) {
        int cancelled = 0;
        for (var it = waiting.iterator(); it.hasNext(); ) {
            if (it.next().mailbox == mailbox) {
                it.remove();
                room.release();
                cancelled++;
            }
        }
        for (var it = jobs.values().iterator(); it.hasNext(); ) {
            InferenceJob job = it.next();
            if (job.mailbox == mailbox) {
                scheduler.cancel(job.schedulerId);
                it.remove();
                room.release();
                cancelled++;
            }
        }
        if (cancelled > 0) {
            LOG.info("Cancelled {} unfinished requests of {}", cancelled, mailbox.owner());
        }
    }

    private void feedScheduler() {
        while (!waiting.isEmpty() && scheduler.canAccept()) {
            InferenceJob job = waiting.poll();
            try {
                scheduler.submit(new GenerationRequest(job.schedulerId, job.inputIds, job.params, job.resumeFrom, job,
                        job.stop));
                jobs.put(job.schedulerId, job);
                submitted.increment();
                if (job.resumeFrom != null) {
                    resumed.increment();
                }
            } catch (RequestRejectedException e) {
                finish(job, null, e.getMessage());
            }
        }
        queued.set(waiting.size() + scheduler.pendingRequests());
    }

    private void step() {
        StepReport report;
        try {
            report = scheduler.step();
        } catch (RuntimeException e) {
            // a failing step would fail the same way again: end every running request with the error
            LOG.error("A decoding step failed; failing the {} running requests", jobs.size(), e);
            for (InferenceJob job : new ArrayList<>(jobs.values())) {
                scheduler.cancel(job.schedulerId);
                finish(job, null, "the engine failed: " + e);
            }
            return;
        }
        long now = System.currentTimeMillis();
        for (StepReport.Progress p : report.progress()) {
            InferenceJob job = (InferenceJob) p.request().attachment();
            if (job.firstTokenAtMillis == 0) {
                job.firstTokenAtMillis = now;
            }
            job.mailbox.postProgress(job.key, new TaskMailbox.Progress(p.snapshot(), job.firstTokenAtMillis));
        }
        for (StepReport.Completion c : report.completed()) {
            InferenceJob job = (InferenceJob) c.request().attachment();
            if (job.firstTokenAtMillis == 0) {
                job.firstTokenAtMillis = now;
            }
            finish(job, c.result(), null);
        }
        for (StepReport.Failure f : report.failed()) {
            finish((InferenceJob) f.request().attachment(), null, f.reason());
        }
        if (report.sequences() > 0) {
            steps.increment();
            tokens.increment(report.progress().size() + report.completed().size());
            batchSize.record(report.sequences());
            stepLatency.record(report.nanos(), TimeUnit.NANOSECONDS);
        }
        activeRequests.set(scheduler.activeRequests());
        activeSequences.set(scheduler.activeSequences());
        queued.set(waiting.size() + scheduler.pendingRequests());
        if (stepDelayMillis > 0) {
            try {
                Thread.sleep(stepDelayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void finish(InferenceJob job, GenerationResult result, String error) {
        jobs.remove(job.schedulerId);
        room.release();
        job.mailbox.postOutcome(new TaskMailbox.Outcome(job.key, result, error, job.firstTokenAtMillis,
                System.currentTimeMillis()));
    }

    /** Stops the inference thread (unfinished requests stay in their stores) and frees the KV cache. */
    @Override
    public void close() {
        commands.add(new Stop());
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("The inference thread did not stop within 10 s");
            return;
        }
        scheduler.close();
    }
}

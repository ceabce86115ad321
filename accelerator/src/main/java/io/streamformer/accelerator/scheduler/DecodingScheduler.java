package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.decoding.ArgmaxStep;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.Hypothesis;
import io.streamformer.accelerator.decoding.Search;
import io.streamformer.accelerator.models.DecoderInput;
import io.streamformer.accelerator.models.EncoderInput;
import io.streamformer.accelerator.models.KvCache;
import io.streamformer.accelerator.models.ModelInfo;
import io.streamformer.accelerator.models.Seq2SeqModel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Continuous (iteration-level) batching: every {@link #step()} admits waiting requests into the running
 * batch, advances every live hypothesis of every active request by one token with a single decoder pass,
 * and retires the requests that finished, so new requests join at the next step and finished ones leave
 * at once. The KV cache is allocated once from the {@link SchedulerLimits}; requests wait in the queue
 * while the bounds are reached.
 *
 * <p>Not thread-safe: one thread submits and steps (the engine's inference loop).
 */
public final class DecodingScheduler implements AutoCloseable {

    private final Seq2SeqModel model;
    private final ModelInfo info;
    private final SchedulerLimits limits;
    private final KvCache cache;
    private final Deque<GenerationRequest> pending = new ArrayDeque<>();
    private final Map<String, Active> active = new LinkedHashMap<>();
    private final Deque<Integer> freeRequestSlots = new ArrayDeque<>();
    private final Deque<Integer> freeSequenceSlots = new ArrayDeque<>();
    private long tokensInFlight;
    private float[] logits = new float[0];
    private float[] choices = new float[0];

    /** A request in the running batch: its search, its slots and whether its cache is filled yet. */
    private static final class Active {
        final GenerationRequest request;
        final Search search;
        final int requestSlot;
        final List<Integer> ownedSlots;
        int[] liveSlots;
        final long reservedTokens;
        boolean prefilled;

        Active(GenerationRequest request, Search search, int requestSlot, List<Integer> ownedSlots, long reserved) {
            this.request = request;
            this.search = search;
            this.requestSlot = requestSlot;
            this.ownedSlots = ownedSlots;
            this.reservedTokens = reserved;
            int live = search.live().size();
            this.liveSlots = new int[live];
            for (int i = 0; i < live; i++) {
                liveSlots[i] = ownedSlots.get(i);
            }
        }
    }

    public DecodingScheduler(Seq2SeqModel model, SchedulerLimits limits) {
        this.model = model;
        this.info = model.info();
        int maxSource = Math.min(limits.maxSourceLength(), info.maxPositions());
        int maxDecoder = Math.min(limits.maxDecoderLength(), info.maxPositions());
        this.limits = new SchedulerLimits(limits.maxActiveRequests(), limits.maxActiveSequences(), maxSource,
                maxDecoder, limits.maxTokensInFlight(), limits.maxPendingRequests());
        this.cache = model.newCache(limits.maxActiveRequests(), limits.maxActiveSequences(), maxSource, maxDecoder);
        for (int i = 0; i < limits.maxActiveRequests(); i++) {
            freeRequestSlots.add(i);
        }
        for (int i = 0; i < limits.maxActiveSequences(); i++) {
            freeSequenceSlots.add(i);
        }
    }

    public SchedulerLimits limits() {
        return limits;
    }

    public ModelInfo modelInfo() {
        return info;
    }

    public long cacheBytes() {
        return cache.bytes();
    }

    /** Why the request cannot run, or null if it can. Checked again by {@link #submit}. */
    public String validate(int[] inputIds, GenerationParams params) {
        String problem = tokenIdsProblem("input_ids", inputIds, info.sourceVocabSize());
        if (problem != null) {
            return problem;
        }
        if (inputIds.length > limits.maxSourceLength()) {
            return "input_ids has " + inputIds.length + " tokens, more than the limit of " + limits.maxSourceLength();
        }
        problem = params.problem();
        if (problem != null) {
            return problem;
        }
        if (params.maxLength() > limits.maxDecoderLength()) {
            return "max_new_tokens " + params.maxNewTokens() + " exceeds the limit of "
                    + (limits.maxDecoderLength() - 1);
        }
        if (params.numBeams() > limits.maxActiveSequences()) {
            return "num_beams " + params.numBeams() + " exceeds the limit of " + limits.maxActiveSequences();
        }
        if (reservation(inputIds.length, params) > limits.maxTokensInFlight()) {
            return "the request needs " + reservation(inputIds.length, params)
                    + " tokens of cache, more than the limit of " + limits.maxTokensInFlight();
        }
        return null;
    }

    /** Why {@code ids} cannot be fed to a model with this vocabulary, or null: empty, or an id out of range. */
    public static String tokenIdsProblem(String field, int[] ids, int vocabSize) {
        if (ids == null || ids.length == 0) {
            return field + " is empty";
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                return field + "[" + i + "] = " + ids[i] + " lies outside the model's vocabulary [0, " + vocabSize + ")";
            }
        }
        return null;
    }

    private static long reservation(int sourceLength, GenerationParams params) {
        return sourceLength + (long) params.numBeams() * params.maxLength();
    }

    /** Queues a request; it joins the running batch at a following step. */
    public void submit(GenerationRequest request) {
        String problem = validate(request.inputIds(), request.params());
        if (problem != null) {
            throw new RequestRejectedException(problem);
        }
        if (active.containsKey(request.id()) || pending.stream().anyMatch(r -> r.id().equals(request.id()))) {
            throw new RequestRejectedException("request " + request.id() + " is already in progress");
        }
        pending.add(request);
    }

    /** False while the queue is full: stop feeding until steps drain it. */
    public boolean canAccept() {
        return pending.size() < limits.maxPendingRequests();
    }

    public boolean isIdle() {
        return active.isEmpty() && pending.isEmpty();
    }

    public int activeRequests() {
        return active.size();
    }

    public int pendingRequests() {
        return pending.size();
    }

    public int activeSequences() {
        int n = 0;
        for (Active a : active.values()) {
            n += a.search.live().size();
        }
        return n;
    }

    public boolean contains(String requestId) {
        return active.containsKey(requestId) || pending.stream().anyMatch(r -> r.id().equals(requestId));
    }

    /** Drops a request wherever it is (e.g. its partition moved to another instance). */
    public boolean cancel(String requestId) {
        Active a = active.remove(requestId);
        if (a != null) {
            release(a);
            return true;
        }
        return pending.removeIf(r -> r.id().equals(requestId));
    }

    /** Admits what fits, runs one decoder pass over all live hypotheses, and reports what changed. */
    public StepReport step() {
        long start = System.nanoTime();
        List<StepReport.Failure> failed = new ArrayList<>();
        List<Active> admitted = admit(failed);

        if (active.isEmpty()) {
            return new StepReport(List.of(), List.of(), failed, admitted.size(), 0, 0, System.nanoTime() - start);
        }
        List<DecoderInput> inputs = new ArrayList<>();
        List<Active> order = new ArrayList<>(active.values());
        int tokens = 0;
        for (Active a : order) {
            List<Hypothesis> live = a.search.live();
            for (int i = 0; i < live.size(); i++) {
                Hypothesis h = live.get(i);
                DecoderInput in = a.prefilled
                        ? new DecoderInput(a.liveSlots[i], a.requestSlot, h.length() - 1, new int[]{h.last()})
                        // a new or resumed request: one pass over its whole prefix fills the cache
                        : new DecoderInput(a.liveSlots[i], a.requestSlot, 0, h.tokens());
                inputs.add(in);
                tokens += in.tokens().length;
            }
        }
        int vocab = info.targetVocabSize();
        boolean argmax = argmaxOnly(order);
        if (argmax) {
            // Every live sequence is greedy: the backend picks the tokens; no logits rows come back.
            int[][] banned = new int[order.size()][];
            int[] forced = new int[order.size()];
            for (int i = 0; i < order.size(); i++) {
                ArgmaxStep s = order.get(i).search.argmaxStep();
                banned[i] = s.bannedTokens();
                forced[i] = s.forcedToken();
            }
            if (choices.length < 3 * order.size()) {
                choices = new float[3 * order.size()];
            }
            model.decodeArgmax(cache, inputs, banned, forced, choices);
        } else {
            if (logits.length < inputs.size() * vocab) {
                logits = new float[inputs.size() * vocab];
            }
            model.decode(cache, inputs, false, logits);
        }

        List<StepReport.Progress> progress = new ArrayList<>();
        List<StepReport.Completion> completed = new ArrayList<>();
        int row = 0;
        for (Active a : order) {
            int liveBefore = a.search.live().size();
            int[] lengths = new int[liveBefore];
            for (int i = 0; i < liveBefore; i++) {
                lengths[i] = a.search.live().get(i).length();
            }
            int[] parents = argmax
                    ? a.search.argmaxStep().advance((int) choices[3 * row], choices[3 * row + 1], choices[3 * row + 2])
                    : a.search.advance(logits, row * vocab, vocab);
            row += liveBefore;
            a.prefilled = true;
            if (a.search.isDone()) {
                active.remove(a.request.id());
                release(a);
                completed.add(new StepReport.Completion(a.request, a.search.result()));
            } else {
                reassignSlots(a, parents, lengths);
                progress.add(new StepReport.Progress(a.request, a.search.snapshot()));
            }
        }
        return new StepReport(progress, completed, failed, admitted.size(), inputs.size(), tokens,
                System.nanoTime() - start);
    }

    /** True when the model can pick tokens itself and every active request decodes greedily. */
    private boolean argmaxOnly(List<Active> order) {
        if (!model.supportsDecodeArgmax()) {
            return false;
        }
        for (Active a : order) {
            if (a.search.argmaxStep() == null || a.search.live().size() != 1) {
                return false;
            }
        }
        return true;
    }

    private List<Active> admit(List<StepReport.Failure> failed) {
        List<Active> admitted = new ArrayList<>();
        for (Iterator<GenerationRequest> it = pending.iterator(); it.hasNext(); ) {
            GenerationRequest r = it.next();
            int beams = r.params().numBeams();
            long reserve = reservation(r.inputIds().length, r.params());
            if (freeRequestSlots.isEmpty() || freeSequenceSlots.size() < beams
                    || tokensInFlight + reserve > limits.maxTokensInFlight()) {
                break; // first come, first served: later requests wait behind this one
            }
            it.remove();
            Search search;
            try {
                search = Search.resume(r.params(), r.resumeFrom());
            } catch (IllegalArgumentException e) {
                failed.add(new StepReport.Failure(r, e.getMessage()));
                continue;
            }
            List<Integer> slots = new ArrayList<>(beams);
            for (int i = 0; i < beams; i++) {
                slots.add(freeSequenceSlots.poll());
            }
            Active a = new Active(r, search, freeRequestSlots.poll(), slots, reserve);
            tokensInFlight += reserve;
            active.put(r.id(), a);
            admitted.add(a);
        }
        if (!admitted.isEmpty()) {
            List<EncoderInput> sources = new ArrayList<>(admitted.size());
            for (Active a : admitted) {
                sources.add(new EncoderInput(a.requestSlot, a.request.inputIds()));
            }
            model.encode(cache, sources);
        }
        return admitted;
    }

    /**
     * After a step, new hypothesis i continues old hypothesis parents[i]. The first child of a parent takes
     * over the parent's slot; further children get slots of parents that died and copy the parent's cache.
     * Copies read only slots that are kept and write only slots that were freed, so no order matters.
     */
    private void reassignSlots(Active a, int[] parents, int[] parentLengths) {
        int[] old = a.liveSlots;
        boolean[] kept = new boolean[old.length];
        int[] next = new int[parents.length];
        boolean[] needsCopy = new boolean[parents.length];
        for (int i = 0; i < parents.length; i++) {
            if (!kept[parents[i]]) {
                kept[parents[i]] = true;
                next[i] = old[parents[i]];
            } else {
                needsCopy[i] = true;
            }
        }
        Deque<Integer> spare = new ArrayDeque<>(a.ownedSlots);
        for (int i = 0; i < parents.length; i++) {
            if (!needsCopy[i]) {
                spare.remove((Integer) next[i]);
            }
        }
        for (int i = 0; i < parents.length; i++) {
            if (needsCopy[i]) {
                next[i] = spare.poll();
                model.copySequence(cache, old[parents[i]], next[i], parentLengths[parents[i]]);
            }
        }
        a.liveSlots = next;
    }

    private void release(Active a) {
        freeRequestSlots.add(a.requestSlot);
        freeSequenceSlots.addAll(a.ownedSlots);
        tokensInFlight -= a.reservedTokens;
    }

    @Override
    public void close() {
        cache.close();
    }
}

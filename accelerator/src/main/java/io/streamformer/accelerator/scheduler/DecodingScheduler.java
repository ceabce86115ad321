package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.decoding.ArgmaxStep;
import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.Hypothesis;
import io.streamformer.accelerator.decoding.Search;
import io.streamformer.accelerator.layers.KvCache;
import io.streamformer.accelerator.models.DecoderInput;
import io.streamformer.accelerator.models.EncoderInput;
import io.streamformer.accelerator.models.Model;
import io.streamformer.accelerator.models.ModelInfo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>Both kinds of model run here. An encoder-decoder's request is encoded when admitted and its decoder starts
 * from decoder_start_token_id; a language model's request has no encoder step, its prompt is the start of the
 * decoder sequence. A sequence's uncached prefix (a prompt, or the tokens of a resumed request) is prefilled in
 * chunks of at most {@link SchedulerLimits#maxPrefillTokens} tokens per step, shared by all requests in FIFO
 * order, so that a long prompt does not stall the sequences already decoding.
 *
 * <p>Not thread-safe: one thread submits and steps (the engine's inference loop).
 */
public final class DecodingScheduler implements AutoCloseable {

    private final Model model;
    private final ModelInfo info;
    private final boolean encoderDecoder;
    private final SchedulerLimits limits;
    private final KvCache cache;
    private final Deque<GenerationRequest> pending = new ArrayDeque<>();
    private final Map<String, Active> active = new LinkedHashMap<>();
    private final Deque<Integer> freeRequestSlots = new ArrayDeque<>();
    private final Deque<Integer> freeSequenceSlots = new ArrayDeque<>();
    private long tokensInFlight;
    private float[] logits = new float[0];
    private float[] choices = new float[0];

    /** A request in the running batch: its search, its slots and how much of each live sequence is cached. */
    private static final class Active {
        final GenerationRequest request;
        final Search search;
        final int requestSlot;
        final List<Integer> ownedSlots;
        int[] liveSlots;
        /** Positions of each live hypothesis already in its slot's cache. */
        int[] cached;
        final long reservedTokens;

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
            this.cached = new int[live];
        }
    }

    public DecodingScheduler(Model model, SchedulerLimits limits) {
        this.model = model;
        this.info = model.info();
        this.encoderDecoder = info.encoderDecoder();
        int maxSource = Math.min(limits.maxSourceLength(), info.maxPositions());
        int maxDecoder = Math.min(limits.maxDecoderLength(), info.maxPositions());
        this.limits = new SchedulerLimits(limits.maxActiveRequests(), limits.maxActiveSequences(), maxSource,
                maxDecoder, limits.maxTokensInFlight(), limits.maxPendingRequests(), limits.maxPrefillTokens());
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
        int promptLength = promptLength(inputIds);
        if (params.maxLength(promptLength) > limits.maxDecoderLength()) {
            return encoderDecoder
                    ? "max_new_tokens " + params.maxNewTokens() + " exceeds the limit of "
                    + (limits.maxDecoderLength() - 1)
                    : "the prompt's " + promptLength + " tokens and max_new_tokens " + params.maxNewTokens()
                    + " exceed the context limit of " + limits.maxDecoderLength() + " tokens";
        }
        if (params.numBeams() > limits.maxActiveSequences()) {
            return "num_beams " + params.numBeams() + " exceeds the limit of " + limits.maxActiveSequences();
        }
        if (reservation(inputIds, params) > limits.maxTokensInFlight()) {
            return "the request needs " + reservation(inputIds, params)
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

    /** Cache positions a request may take: its source (encoder-decoder) and every beam's longest sequence. */
    private long reservation(int[] inputIds, GenerationParams params) {
        int promptLength = promptLength(inputIds);
        long source = encoderDecoder ? inputIds.length : 0;
        return source + (long) params.numBeams() * params.maxLength(promptLength);
    }

    /** The decoder sequence's first ids: decoder_start_token_id, or a language model's prompt itself. */
    private int[] decoderPrompt(GenerationRequest r) {
        return encoderDecoder ? new int[]{r.params().decoderStartTokenId()} : r.inputIds();
    }

    private int promptLength(int[] inputIds) {
        return encoderDecoder ? 1 : inputIds.length;
    }

    /** Queues a request; it joins the running batch at a following step. */
    public void submit(GenerationRequest request) {
        String problem = validate(request.inputIds(), request.params());
        if (problem == null && request.stop() != null && request.params().numBeams() > 1) {
            problem = "stop strings need num_beams = 1 (beam search cannot stop early)";
        }
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
        // Each live hypothesis feeds its uncached tokens: one when decoding, a chunk of its prefix when prefilling.
        List<DecoderInput> inputs = new ArrayList<>();
        List<Active> stepping = new ArrayList<>();
        List<int[]> takes = new ArrayList<>();
        int prefillBudget = limits.maxPrefillTokens();
        int tokens = 0;
        for (Active a : active.values()) {
            List<Hypothesis> live = a.search.live();
            int[] take = new int[live.size()];
            boolean any = false;
            for (int i = 0; i < live.size(); i++) {
                Hypothesis h = live.get(i);
                int pending = h.length() - a.cached[i];
                take[i] = pending == 1 ? 1 : Math.min(pending, prefillBudget);
                if (pending > 1) {
                    prefillBudget -= take[i];
                }
                if (take[i] > 0) {
                    int from = a.cached[i];
                    inputs.add(new DecoderInput(a.liveSlots[i], a.requestSlot, from,
                            Arrays.copyOfRange(h.tokens(), from, from + take[i])));
                    tokens += take[i];
                    any = true;
                }
            }
            if (any) {
                stepping.add(a);
                takes.add(take);
            }
        }
        int vocab = info.targetVocabSize();
        boolean argmax = argmaxOnly(stepping);
        if (argmax) {
            // Every live sequence is greedy: the backend picks the tokens; no logits rows come back.
            int[][] banned = new int[inputs.size()][];
            int[] forced = new int[inputs.size()];
            int row = 0;
            for (int k = 0; k < stepping.size(); k++) {
                ArgmaxStep s = stepping.get(k).search.argmaxStep();
                for (int t : takes.get(k)) {
                    if (t > 0) {
                        banned[row] = s.bannedTokens();
                        forced[row] = s.forcedToken();
                        row++;
                    }
                }
            }
            if (choices.length < 3 * inputs.size()) {
                choices = new float[3 * inputs.size()];
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
        for (int k = 0; k < stepping.size(); k++) {
            Active a = stepping.get(k);
            int[] take = takes.get(k);
            List<Hypothesis> live = a.search.live();
            boolean ready = true;
            int rows = 0;
            for (int i = 0; i < take.length; i++) {
                a.cached[i] += take[i];
                ready &= a.cached[i] == live.get(i).length();
                rows += take[i] > 0 ? 1 : 0;
            }
            if (!ready) {
                row += rows; // still prefilling: this step's rows only filled the cache
                continue;
            }
            int[] lengths = new int[live.size()];
            for (int i = 0; i < live.size(); i++) {
                lengths[i] = live.get(i).length();
            }
            int[] parents = argmax
                    ? a.search.argmaxStep().advance((int) choices[3 * row], choices[3 * row + 1], choices[3 * row + 2])
                    : a.search.advance(logits, row * vocab, vocab);
            row += rows;
            if (!a.search.isDone() && a.request.stop() != null) {
                Hypothesis h = a.search.live().get(0);
                if (a.request.stop().shouldStop(h.tokens(), a.search.promptLength())) {
                    a.search.stop();
                }
            }
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
            long reserve = reservation(r.inputIds(), r.params());
            if (freeRequestSlots.isEmpty() || freeSequenceSlots.size() < beams
                    || tokensInFlight + reserve > limits.maxTokensInFlight()) {
                break; // first come, first served: later requests wait behind this one
            }
            it.remove();
            Search search;
            try {
                search = Search.resume(r.params(), decoderPrompt(r), r.resumeFrom());
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
        if (encoderDecoder && !admitted.isEmpty()) {
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
        // every new hypothesis has its prefix cached but for the token just chosen
        a.cached = new int[next.length];
        List<Hypothesis> live = a.search.live();
        for (int i = 0; i < next.length; i++) {
            a.cached[i] = live.get(i).length() - 1;
        }
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

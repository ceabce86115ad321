package io.streamformer.accelerator.scheduler;

/**
 * Bounds on the work in flight; they size the KV cache once. {@code maxActiveSequences} counts
 * hypotheses (a beam-search request holds num_beams of them), {@code maxTokensInFlight} bounds the sum
 * over active requests of source length + num_beams × max decoder length. {@code maxPendingRequests}
 * bounds the admission queue: at that bound callers must stop feeding (back-pressure).
 * {@code maxPrefillTokens} bounds the prompt tokens one step computes, so that a long prompt is filled in chunks
 * over several steps while the running batch keeps decoding.
 */
public record SchedulerLimits(int maxActiveRequests, int maxActiveSequences, int maxSourceLength,
                              int maxDecoderLength, long maxTokensInFlight, int maxPendingRequests,
                              int maxPrefillTokens) {

    public static final int DEFAULT_PREFILL_TOKENS = 512;

    public SchedulerLimits {
        if (maxActiveRequests < 1 || maxActiveSequences < 1 || maxSourceLength < 1 || maxDecoderLength < 2
                || maxTokensInFlight < 1 || maxPendingRequests < 1 || maxPrefillTokens < 1) {
            throw new IllegalArgumentException("scheduler limits must be positive (max decoder length at least 2): "
                    + this);
        }
    }

    public SchedulerLimits(int maxActiveRequests, int maxActiveSequences, int maxSourceLength, int maxDecoderLength,
                           long maxTokensInFlight, int maxPendingRequests) {
        this(maxActiveRequests, maxActiveSequences, maxSourceLength, maxDecoderLength, maxTokensInFlight,
                maxPendingRequests, DEFAULT_PREFILL_TOKENS);
    }

    /** Limits for an offline batch of {@code batchSize} requests with {@code numBeams} beams each. */
    public static SchedulerLimits forBatch(int batchSize, int numBeams, int maxSourceLength, int maxDecoderLength) {
        return new SchedulerLimits(batchSize, batchSize * numBeams, maxSourceLength, maxDecoderLength,
                Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    public SchedulerLimits withMaxPrefillTokens(int tokens) {
        return new SchedulerLimits(maxActiveRequests, maxActiveSequences, maxSourceLength, maxDecoderLength,
                maxTokensInFlight, maxPendingRequests, tokens);
    }
}

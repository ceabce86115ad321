package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.SearchSnapshot;

/**
 * One request for the scheduler: the source ids of an encoder-decoder, or the prompt ids of a language model.
 * {@code resumeFrom} continues an interrupted generation from its stored state (null starts afresh);
 * {@code attachment} is the caller's own data, handed back with the results; {@code stop} (may be null) ends the
 * request early (stop strings; greedy and sampling only).
 */
public record GenerationRequest(String id, int[] inputIds, GenerationParams params, SearchSnapshot resumeFrom,
                                Object attachment, StopCondition stop) {

    public GenerationRequest(String id, int[] inputIds, GenerationParams params, SearchSnapshot resumeFrom,
                             Object attachment) {
        this(id, inputIds, params, resumeFrom, attachment, null);
    }

    public GenerationRequest(String id, int[] inputIds, GenerationParams params) {
        this(id, inputIds, params, null, null, null);
    }
}

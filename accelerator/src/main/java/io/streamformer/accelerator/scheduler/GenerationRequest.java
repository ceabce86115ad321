package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.decoding.GenerationParams;
import io.streamformer.accelerator.decoding.SearchSnapshot;

/**
 * One request for the scheduler. {@code resumeFrom} continues an interrupted generation from its stored
 * state (null starts afresh); {@code attachment} is the caller's own data, handed back with the results.
 */
public record GenerationRequest(String id, int[] inputIds, GenerationParams params, SearchSnapshot resumeFrom,
                                Object attachment) {

    public GenerationRequest(String id, int[] inputIds, GenerationParams params) {
        this(id, inputIds, params, null, null);
    }
}

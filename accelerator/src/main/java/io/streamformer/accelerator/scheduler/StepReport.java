package io.streamformer.accelerator.scheduler;

import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.SearchSnapshot;

import java.util.List;

/** What one scheduler step did: requests that advanced, requests that finished, and its size and time. */
public record StepReport(List<Progress> progress, List<Completion> completed, List<Failure> failed,
                         int admitted, int sequences, int tokensComputed, long nanos) {

    /** A request still running, with the state to store so that it can resume after a crash. */
    public record Progress(GenerationRequest request, SearchSnapshot snapshot) {
    }

    public record Completion(GenerationRequest request, GenerationResult result) {
    }

    /** A request the engine could not run; the reason is meant for people. */
    public record Failure(GenerationRequest request, String reason) {
    }

    public boolean isEmpty() {
        return progress.isEmpty() && completed.isEmpty() && failed.isEmpty();
    }
}

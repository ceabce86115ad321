package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.Hypothesis;
import io.streamformer.accelerator.decoding.SearchSnapshot;
import io.streamformer.accelerator.tokenizer.MarianTokenizer;
import io.streamformer.app.inference.TaskMailbox;
import io.streamformer.schemas.DecodeState;
import io.streamformer.schemas.DecodeStatus;
import io.streamformer.schemas.FinishReason;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.InferenceResult;
import io.streamformer.schemas.SourcePosition;
import io.streamformer.schemas.StoredHypothesis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Conversions between the stored decode state (Avro) and the engine's types. */
public final class DecodeStates {
    private DecodeStates() {
    }

    /** The state of a request just read from the input topic. */
    public static DecodeState accepted(InferenceRequest request, SourcePosition source, long seed, String modelId,
                                       DecodeStatus status, Instant now) {
        return DecodeState.newBuilder()
                .setRequest(request)
                .setSource(source)
                .setSeed(seed)
                .setModelId(modelId)
                .setStatus(status)
                .setEnqueuedAt(now)
                .setUpdatedAt(now)
                .build();
    }

    /** The snapshot to resume from, or null when the request has not generated anything yet. */
    public static SearchSnapshot snapshot(DecodeState state) {
        if (state.getStep() == 0 || state.getLive().isEmpty()) {
            return null;
        }
        return new SearchSnapshot(state.getStep(), hypotheses(state.getLive()), hypotheses(state.getFinished()));
    }

    /** Records a checkpoint: the tokens generated so far replace the previous ones. */
    public static void recordProgress(DecodeState state, TaskMailbox.Progress progress, Instant now) {
        SearchSnapshot s = progress.snapshot();
        state.setStatus(DecodeStatus.RUNNING);
        state.setStep(s.step());
        state.setLive(stored(s.live()));
        state.setFinished(stored(s.finished()));
        if (state.getFirstTokenAt() == null && progress.firstTokenAtMillis() > 0) {
            state.setFirstTokenAt(Instant.ofEpochMilli(progress.firstTokenAtMillis()));
        }
        state.setUpdatedAt(now);
    }

    /**
     * The result of a finished (or failed) request; with a tokenizer (may be null) its text is the generated
     * sequence decoded, whether the request came as text or as ids, and after a resumption as well.
     */
    public static InferenceResult result(DecodeState state, TaskMailbox.Outcome outcome, String modelId,
                                         MarianTokenizer tokenizer) {
        InferenceRequest request = state.getRequest();
        InferenceResult.Builder b = InferenceResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setInputIds(request.getInputIds())
                .setModelId(modelId)
                .setMetadata(request.getMetadata())
                .setEnqueuedAt(state.getEnqueuedAt())
                .setFinishedAt(Instant.ofEpochMilli(outcome.finishedAtMillis()))
                .setResumedFromStep(state.getResumedFromStep());
        // a resumed request keeps the first-token time of its first run
        Instant firstToken = state.getFirstTokenAt() != null ? state.getFirstTokenAt()
                : outcome.firstTokenAtMillis() > 0 ? Instant.ofEpochMilli(outcome.firstTokenAtMillis()) : null;
        b.setFirstTokenAt(firstToken);
        if (outcome.failed()) {
            return b.setSequence(List.of()).setFinishReason(FinishReason.ERROR).setScore(0.0).setGeneratedTokens(0)
                    .setError(outcome.error()).build();
        }
        GenerationResult r = outcome.result();
        return b.setSequence(ints(r.sequence()))
                .setText(tokenizer != null ? tokenizer.decode(r.sequence()) : null)
                .setFinishReason(r.finishReason() == io.streamformer.accelerator.decoding.FinishReason.EOS
                        ? FinishReason.EOS : FinishReason.LENGTH)
                .setScore(r.score())
                .setGeneratedTokens(r.generatedTokens())
                .build();
    }

    public static int[] toArray(List<Integer> ids) {
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.get(i);
        }
        return out;
    }

    public static List<Integer> ints(int[] ids) {
        List<Integer> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    private static List<Hypothesis> hypotheses(List<StoredHypothesis> stored) {
        List<Hypothesis> out = new ArrayList<>(stored.size());
        for (StoredHypothesis h : stored) {
            out.add(new Hypothesis(toArray(h.getTokens()), h.getScore()));
        }
        return out;
    }

    private static List<StoredHypothesis> stored(List<Hypothesis> hypotheses) {
        List<StoredHypothesis> out = new ArrayList<>(hypotheses.size());
        for (Hypothesis h : hypotheses) {
            out.add(new StoredHypothesis(ints(h.tokens()), h.score()));
        }
        return out;
    }
}

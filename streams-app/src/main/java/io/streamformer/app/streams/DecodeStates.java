package io.streamformer.app.streams;

import io.streamformer.accelerator.decoding.GenerationResult;
import io.streamformer.accelerator.decoding.Hypothesis;
import io.streamformer.accelerator.decoding.SearchSnapshot;
import io.streamformer.accelerator.ModelText;
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
import java.util.Arrays;
import java.util.List;

/**
 * Conversions between the stored decode state (Avro) and the engine's types. A translation model's hypotheses are
 * stored whole (decoder_start_token_id first); a language model's without its prompt, which is the request's
 * input_ids already: {@code promptLength} says how many leading ids to leave out (0 for a translation model).
 */
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

    /** How many leading ids of the engine's sequences the store leaves out: the prompt of a language model. */
    public static int storedPromptLength(DecodeState state, boolean encoderDecoder) {
        return encoderDecoder ? 0 : state.getRequest().getInputIds().size();
    }

    /** The snapshot to resume from, or null when the request has not generated anything yet. */
    public static SearchSnapshot snapshot(DecodeState state, boolean encoderDecoder) {
        if (state.getStep() == 0 || state.getLive().isEmpty()) {
            return null;
        }
        int[] prompt = encoderDecoder ? new int[0] : toArray(state.getRequest().getInputIds());
        return new SearchSnapshot(state.getStep(), hypotheses(state.getLive(), prompt),
                hypotheses(state.getFinished(), prompt));
    }

    /** Records a checkpoint: the tokens generated so far replace the previous ones. */
    public static void recordProgress(DecodeState state, TaskMailbox.Progress progress, boolean encoderDecoder,
                                      Instant now) {
        SearchSnapshot s = progress.snapshot();
        int promptLength = storedPromptLength(state, encoderDecoder);
        state.setStatus(DecodeStatus.RUNNING);
        state.setStep(s.step());
        state.setLive(stored(s.live(), promptLength));
        state.setFinished(stored(s.finished(), promptLength));
        if (state.getFirstTokenAt() == null && progress.firstTokenAtMillis() > 0) {
            state.setFirstTokenAt(Instant.ofEpochMilli(progress.firstTokenAtMillis()));
        }
        state.setUpdatedAt(now);
    }

    /**
     * The result of a finished (or failed) request. Its sequence is a translation model's decoder ids or a language
     * model's new tokens; with the model's text side ({@code text}, may be null) its text is that sequence decoded,
     * whether the request came as text or as ids, and after a resumption as well, cut before a stop string when
     * one ended it.
     */
    public static InferenceResult result(DecodeState state, TaskMailbox.Outcome outcome, String modelId,
                                         ModelText text, boolean encoderDecoder) {
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
        int promptLength = storedPromptLength(state, encoderDecoder);
        int[] sequence = Arrays.copyOfRange(r.sequence(), promptLength, r.sequence().length);
        String decoded = null;
        if (text != null) {
            decoded = text.decodeGenerated(sequence, 0);
            if (r.finishReason() == io.streamformer.accelerator.decoding.FinishReason.STOP) {
                decoded = text.stopStrings(state.getRequest().getStop()).trim(decoded);
            }
        }
        return b.setSequence(ints(sequence))
                .setText(decoded)
                .setFinishReason(switch (r.finishReason()) {
                    case EOS -> FinishReason.EOS;
                    case LENGTH -> FinishReason.LENGTH;
                    case STOP -> FinishReason.STOP;
                })
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

    /** Stored hypotheses as the engine's, the prompt put back in front. */
    private static List<Hypothesis> hypotheses(List<StoredHypothesis> stored, int[] prompt) {
        List<Hypothesis> out = new ArrayList<>(stored.size());
        for (StoredHypothesis h : stored) {
            int[] tokens = Arrays.copyOf(prompt, prompt.length + h.getTokens().size());
            for (int i = 0; i < h.getTokens().size(); i++) {
                tokens[prompt.length + i] = h.getTokens().get(i);
            }
            out.add(new Hypothesis(tokens, h.getScore()));
        }
        return out;
    }

    private static List<StoredHypothesis> stored(List<Hypothesis> hypotheses, int promptLength) {
        List<StoredHypothesis> out = new ArrayList<>(hypotheses.size());
        for (Hypothesis h : hypotheses) {
            out.add(new StoredHypothesis(ints(Arrays.copyOfRange(h.tokens(), promptLength, h.length())), h.score()));
        }
        return out;
    }
}

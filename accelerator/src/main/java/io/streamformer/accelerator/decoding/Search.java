package io.streamformer.accelerator.decoding;

import java.util.Arrays;
import java.util.List;

/**
 * One request's decoding strategy over the model's next-token logits. The scheduler feeds it one logits
 * row per live hypothesis per step; the search chooses the next tokens and says, for each new live
 * hypothesis, which old one it continues (so that the KV cache can follow).
 *
 * <p>Every hypothesis starts with the decoder prompt: an encoder-decoder's decoder_start_token_id, or a language
 * model's prompt. Lengths that transformers counts after the prompt (generated length, min_new_tokens, the
 * length penalty) count after it here too.
 */
public abstract sealed class Search permits SingleSequenceSearch, BeamSearch {
    protected final GenerationParams params;
    protected final int[] prompt;

    protected Search(GenerationParams params, int[] prompt) {
        this.params = params;
        this.prompt = prompt.clone();
    }

    public static Search start(GenerationParams params, int[] prompt) {
        return resume(params, prompt, null);
    }

    /**
     * Continues from a snapshot, or starts afresh when it is null.
     *
     * @throws IllegalArgumentException when the settings are invalid or the snapshot does not continue the prompt
     */
    public static Search resume(GenerationParams params, int[] prompt, SearchSnapshot snapshot) {
        String problem = params.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the decoder prompt is empty");
        }
        if (snapshot != null) {
            for (Hypothesis h : snapshot.live()) {
                if (h.length() < prompt.length || !Arrays.equals(h.tokens(), 0, prompt.length, prompt, 0,
                        prompt.length)) {
                    throw new IllegalArgumentException("the stored decoding state does not continue this prompt");
                }
            }
        }
        if (params.numBeams() > 1) {
            return new BeamSearch(params, prompt, snapshot);
        }
        return params.doSample() ? new SamplingSearch(params, prompt, snapshot)
                : new GreedySearch(params, prompt, snapshot);
    }

    public GenerationParams params() {
        return params;
    }

    public int promptLength() {
        return prompt.length;
    }

    /** The longest sequence this search may reach, prompt included. */
    public int maxLength() {
        return params.maxLength(prompt.length);
    }

    /** The hypotheses whose next-token logits the next step needs, in row order. */
    public abstract List<Hypothesis> live();

    /**
     * Consumes rows [offset, offset + live().size()) of {@code logits} (width {@code vocab}); may modify them.
     * Returns, for each hypothesis of the new {@link #live()}, the index of the old live hypothesis it extends.
     */
    public abstract int[] advance(float[] logits, int offset, int vocab);

    public abstract boolean isDone();

    /** This search as an {@link ArgmaxStep} when its next step needs only the argmax, else null. */
    public ArgmaxStep argmaxStep() {
        return null;
    }

    /**
     * Ends the search now with finish reason STOP (a stop string appeared in the text so far). Only searches that
     * follow one sequence can stop early.
     */
    public void stop() {
        throw new UnsupportedOperationException("beam search cannot stop at a stop string");
    }

    /** The final sequence and score; only once {@link #isDone()}. */
    public abstract GenerationResult result();

    public abstract SearchSnapshot snapshot();

    /** Tokens generated so far. */
    public abstract int step();

    protected Hypothesis startHypothesis() {
        return new Hypothesis(prompt, 0.0);
    }

    protected final double normalise(double sumLogprobs, int generatedLength) {
        return sumLogprobs / Math.pow(generatedLength, params.lengthPenalty());
    }

    protected final FinishReason reasonFor(int[] sequence) {
        boolean endsWithEos = sequence.length > prompt.length && params.isEos(sequence[sequence.length - 1]);
        boolean forced = params.forcedEosTokenId() != null && sequence.length == maxLength();
        return endsWithEos && !forced ? FinishReason.EOS : FinishReason.LENGTH;
    }
}

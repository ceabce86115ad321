package io.streamformer.accelerator.decoding;

import java.util.List;

/**
 * One request's decoding strategy over the model's next-token logits. The scheduler feeds it one logits
 * row per live hypothesis per step; the search chooses the next tokens and says, for each new live
 * hypothesis, which old one it continues (so that the KV cache can follow).
 */
public abstract sealed class Search permits SingleSequenceSearch, BeamSearch {
    protected final GenerationParams params;

    protected Search(GenerationParams params) {
        this.params = params;
    }

    public static Search start(GenerationParams params) {
        return resume(params, null);
    }

    /** Continues from a snapshot, or starts afresh when it is null. */
    public static Search resume(GenerationParams params, SearchSnapshot snapshot) {
        String problem = params.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (params.numBeams() > 1) {
            return new BeamSearch(params, snapshot);
        }
        return params.doSample() ? new SamplingSearch(params, snapshot) : new GreedySearch(params, snapshot);
    }

    public GenerationParams params() {
        return params;
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

    /** The final sequence and score; only once {@link #isDone()}. */
    public abstract GenerationResult result();

    public abstract SearchSnapshot snapshot();

    /** Tokens generated so far. */
    public abstract int step();

    protected static Hypothesis startHypothesis(GenerationParams p) {
        return new Hypothesis(new int[]{p.decoderStartTokenId()}, 0.0);
    }

    protected final double normalise(double sumLogprobs, int generatedLength) {
        return sumLogprobs / Math.pow(generatedLength, params.lengthPenalty());
    }

    protected final FinishReason reasonFor(int[] sequence) {
        boolean endsWithEos = sequence[sequence.length - 1] == params.eosTokenId() && sequence.length > 1;
        boolean forced = params.forcedEosTokenId() != null && sequence.length == params.maxLength();
        return endsWithEos && !forced ? FinishReason.EOS : FinishReason.LENGTH;
    }
}

package io.streamformer.accelerator.decoding;

import java.util.List;

/**
 * A search that follows one sequence (greedy and sampling): subclasses choose the next token, this class
 * keeps the sequence, its score and the stopping rule.
 */
abstract sealed class SingleSequenceSearch extends Search permits GreedySearch, SamplingSearch {
    protected Hypothesis current;
    private int step;
    private boolean done;
    private boolean stopped;

    SingleSequenceSearch(GenerationParams params, int[] prompt, SearchSnapshot snapshot) {
        super(params, prompt);
        if (snapshot == null) {
            current = startHypothesis();
        } else {
            current = snapshot.live().get(0);
            step = snapshot.step();
        }
    }

    /**
     * Appends the chosen token. The score follows beam search's convention: the token's log-softmax over the
     * raw logits ({@code tokenLogit - logSumExp}), or 0 when the processors forced it.
     */
    protected final int[] append(int token, float logSumExp, float tokenLogit) {
        boolean forced = LogitsProcessors.forcesEos(params, current.length(), promptLength());
        float logprob = forced ? 0f : tokenLogit - logSumExp;
        current = current.extend(token, (float) (current.score() + logprob));
        step++;
        done = params.isEos(token) || current.length() >= maxLength();
        return new int[]{0};
    }

    @Override
    public void stop() {
        done = true;
        stopped = true;
    }

    @Override
    public List<Hypothesis> live() {
        return done ? List.of() : List.of(current);
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public GenerationResult result() {
        int[] seq = current.tokens();
        return new GenerationResult(seq, normalise(current.score(), seq.length - promptLength()),
                stopped ? FinishReason.STOP : reasonFor(seq), step);
    }

    @Override
    public SearchSnapshot snapshot() {
        return new SearchSnapshot(step, List.of(current), List.of());
    }

    @Override
    public int step() {
        return step;
    }
}

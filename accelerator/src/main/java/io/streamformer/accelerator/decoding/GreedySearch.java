package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.kernels.Softmax;

import java.util.List;

/** Greedy decoding: the most likely next token at every step (generate(num_beams=1, do_sample=False)). */
final class GreedySearch extends Search implements ArgmaxStep {
    private Hypothesis current;
    private int step;
    private boolean done;

    GreedySearch(GenerationParams params, SearchSnapshot snapshot) {
        super(params);
        if (snapshot == null) {
            current = startHypothesis(params);
        } else {
            current = snapshot.live().get(0);
            step = snapshot.step();
        }
    }

    @Override
    public List<Hypothesis> live() {
        return done ? List.of() : List.of(current);
    }

    @Override
    public int[] advance(float[] logits, int offset, int vocab) {
        // The score follows beam search's convention: log-softmax of the raw logits, then the processors.
        float logSumExp = Softmax.logSumExp(logits, offset, vocab);
        LogitsProcessors.apply(params, current.tokens(), logits, offset, vocab);
        int token = Softmax.argmax(logits, offset, vocab);
        return advance(token, logSumExp, logits[offset + token]);
    }

    @Override
    public ArgmaxStep argmaxStep() {
        return done ? null : this;
    }

    @Override
    public int[] bannedTokens() {
        return LogitsProcessors.banned(params, current.tokens());
    }

    @Override
    public int forcedToken() {
        return LogitsProcessors.forcesEos(params, current.length()) ? params.forcedEosTokenId() : -1;
    }

    @Override
    public int[] advance(int token, float logSumExp, float tokenLogit) {
        boolean forced = LogitsProcessors.forcesEos(params, current.length());
        float logprob = forced ? 0f : tokenLogit - logSumExp;
        current = current.extend(token, (float) (current.score() + logprob));
        step++;
        done = token == params.eosTokenId() || current.length() >= params.maxLength();
        return new int[]{0};
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public GenerationResult result() {
        int[] seq = current.tokens();
        return new GenerationResult(seq, normalise(current.score(), seq.length - 1), reasonFor(seq), step);
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

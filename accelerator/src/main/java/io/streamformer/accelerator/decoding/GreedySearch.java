package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.kernels.Softmax;

/** Greedy decoding: the most likely next token at every step (generate(num_beams=1, do_sample=False)). */
final class GreedySearch extends SingleSequenceSearch implements ArgmaxStep {

    GreedySearch(GenerationParams params, SearchSnapshot snapshot) {
        super(params, snapshot);
    }

    @Override
    public int[] advance(float[] logits, int offset, int vocab) {
        float logSumExp = Softmax.logSumExp(logits, offset, vocab);
        LogitsProcessors.apply(params, current.tokens(), logits, offset, vocab);
        int token = Softmax.argmax(logits, offset, vocab);
        return advance(token, logSumExp, logits[offset + token]);
    }

    @Override
    public ArgmaxStep argmaxStep() {
        return isDone() ? null : this;
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
        return append(token, logSumExp, tokenLogit);
    }
}

package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.kernels.Softmax;

/** Greedy decoding: the most likely next token at every step (generate(num_beams=1, do_sample=False)). */
final class GreedySearch extends SingleSequenceSearch implements ArgmaxStep {

    GreedySearch(GenerationParams params, int[] prompt, SearchSnapshot snapshot) {
        super(params, prompt, snapshot);
    }

    @Override
    public int[] advance(float[] logits, int offset, int vocab) {
        float logSumExp = Softmax.logSumExp(logits, offset, vocab);
        float[] raw = params.repetitionPenalty() != 1.0 ? java.util.Arrays.copyOfRange(logits, offset, offset + vocab)
                : null;
        LogitsProcessors.apply(params, current.tokens(), promptLength(), logits, offset, vocab);
        int token = Softmax.argmax(logits, offset, vocab);
        float tokenLogit = logits[offset + token];
        if (raw != null && tokenLogit != Float.NEGATIVE_INFINITY) {
            tokenLogit = raw[token]; // the score is the raw log-softmax, as without a penalty
        }
        return advance(token, logSumExp, tokenLogit);
    }

    /** Only without a repetition penalty: the backend's argmax sees bans, not rescaled logits. */
    @Override
    public ArgmaxStep argmaxStep() {
        return isDone() || params.repetitionPenalty() != 1.0 ? null : this;
    }

    @Override
    public int[] bannedTokens() {
        return LogitsProcessors.banned(params, current.tokens(), promptLength());
    }

    @Override
    public int forcedToken() {
        return LogitsProcessors.forcesEos(params, current.length(), promptLength()) ? params.forcedEosTokenId() : -1;
    }

    @Override
    public int[] advance(int token, float logSumExp, float tokenLogit) {
        return append(token, logSumExp, tokenLogit);
    }
}

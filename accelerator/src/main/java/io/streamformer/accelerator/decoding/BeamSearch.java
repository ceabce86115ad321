package io.streamformer.accelerator.decoding;

import io.streamformer.accelerator.kernels.Softmax;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search with the hypothesis bookkeeping of transformers 4.37 (BeamSearchScorer / BeamHypotheses):
 * each step takes the 2·num_beams best continuations over all beams; an EOS among the first num_beams
 * finishes a hypothesis scored sum_logprobs / generated_len^length_penalty; the others become the next
 * beams. Running scores are accumulated in fp32, as torch does.
 *
 * <p>The first step expands the start token alone: transformers runs num_beams identical copies of it
 * whose scores (-1e9 for all but the first) keep them out of the selection, which gives the same result.
 */
final class BeamSearch extends Search {
    private final int numBeams;
    private List<Hypothesis> live;
    /** Finished hypotheses (EOS included in their tokens), each scored already. */
    private final List<Hypothesis> finished = new ArrayList<>();
    private int step;
    private boolean hypothesesDone;
    private boolean done;

    BeamSearch(GenerationParams params, int[] prompt, SearchSnapshot snapshot) {
        super(params, prompt);
        this.numBeams = params.numBeams();
        if (snapshot == null) {
            live = List.of(startHypothesis());
        } else {
            live = snapshot.live();
            finished.addAll(snapshot.finished());
            step = snapshot.step();
        }
    }

    @Override
    public List<Hypothesis> live() {
        return done ? List.of() : live;
    }

    @Override
    public int[] advance(float[] logits, int offset, int vocab) {
        int curLen = live.get(0).length();
        Candidates top = new Candidates(2 * numBeams);
        for (int b = 0; b < live.size(); b++) {
            int row = offset + b * vocab;
            Softmax.logSoftmaxInPlace(logits, row, vocab);
            Hypothesis beam = live.get(b);
            LogitsProcessors.apply(params, beam.tokens(), promptLength(), logits, row, vocab);
            float base = (float) beam.score();
            for (int t = 0; t < vocab; t++) {
                top.offer(logits[row + t] + base, b, t);
            }
        }
        List<Candidate> ranked = top.sorted();
        List<Hypothesis> next = new ArrayList<>(numBeams);
        int[] parents = new int[numBeams];
        for (int rank = 0; rank < ranked.size() && next.size() < numBeams; rank++) {
            Candidate c = ranked.get(rank);
            if (params.isEos(c.token)) {
                if (rank >= numBeams) {
                    continue; // an EOS outside the top num_beams does not count
                }
                // transformers: generated_len = cur_len + 1 - decoder_prompt_len, the EOS counted; its output
                // ends with the first EOS id whichever of them was chosen (BeamSearchScorer.finalize)
                addFinished(live.get(c.beam).extend(params.eosTokenId(), c.score), curLen + 1 - promptLength());
            } else {
                parents[next.size()] = c.beam;
                next.add(live.get(c.beam).extend(c.token, c.score));
            }
        }
        step++;
        hypothesesDone = hypothesesDone || isDone(ranked.get(0).score, curLen + 1);
        live = List.copyOf(next);
        if (hypothesesDone || curLen + 1 >= maxLength() || live.isEmpty()) {
            finish();
        }
        return java.util.Arrays.copyOf(parents, next.size());
    }

    /** BeamHypotheses.add: keeps the num_beams best finished hypotheses. */
    private void addFinished(Hypothesis withSumLogprobs, int generatedLength) {
        double score = normalise(withSumLogprobs.score(), generatedLength);
        if (finished.size() < numBeams || score > worstScore()) {
            finished.add(new Hypothesis(withSumLogprobs.tokens(), score));
            if (finished.size() > numBeams) {
                int worst = 0;
                for (int i = 1; i < finished.size(); i++) {
                    if (finished.get(i).score() < finished.get(worst).score()) {
                        worst = i;
                    }
                }
                finished.remove(worst);
            }
        }
    }

    private double worstScore() {
        double worst = 1e9;
        for (Hypothesis h : finished) {
            worst = Math.min(worst, h.score());
        }
        return worst;
    }

    /** BeamHypotheses.is_done, lengths counted after the decoder prompt. */
    private boolean isDone(double bestSumLogprobs, int curLen) {
        if (finished.size() < numBeams) {
            return false;
        }
        double lp = params.lengthPenalty();
        int p = promptLength();
        return switch (params.earlyStopping()) {
            case TRUE -> true;
            case FALSE -> worstScore() >= bestSumLogprobs / Math.pow(curLen - p, lp);
            case NEVER -> worstScore() >= bestSumLogprobs / Math.pow(lp > 0 ? maxLength() - p : curLen - p, lp);
        };
    }

    /** BeamSearchScorer.finalize: open beams compete with the finished ones unless the search was done. */
    private void finish() {
        if (!hypothesesDone) {
            for (Hypothesis h : live) {
                addFinished(h, h.length() - promptLength());
            }
        }
        done = true;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public GenerationResult result() {
        Hypothesis best = null;
        for (Hypothesis h : finished) {
            if (best == null || h.score() >= best.score()) {
                best = h; // on ties the later one, as Python's sorted(...).pop()
            }
        }
        if (best == null) {
            throw new IllegalStateException("beam search finished without hypotheses");
        }
        return new GenerationResult(best.tokens(), best.score(), reasonFor(best.tokens()), step);
    }

    @Override
    public SearchSnapshot snapshot() {
        return new SearchSnapshot(step, live, finished);
    }

    @Override
    public int step() {
        return step;
    }

    private record Candidate(float score, int beam, int token) {
    }

    /** The best {@code capacity} (score, beam, token) triples; ties keep the earlier (lower beam, token). */
    private static final class Candidates {
        private final float[] scores;
        private final int[] beams;
        private final int[] tokens;
        private int size;
        private int minIndex;

        Candidates(int capacity) {
            scores = new float[capacity];
            beams = new int[capacity];
            tokens = new int[capacity];
        }

        void offer(float score, int beam, int token) {
            if (size < scores.length) {
                scores[size] = score;
                beams[size] = beam;
                tokens[size] = token;
                size++;
                if (size == scores.length) {
                    updateMin();
                }
                return;
            }
            if (score > scores[minIndex]) {
                scores[minIndex] = score;
                beams[minIndex] = beam;
                tokens[minIndex] = token;
                updateMin();
            }
        }

        private void updateMin() {
            int m = 0;
            for (int i = 1; i < size; i++) {
                if (scores[i] < scores[m] || (scores[i] == scores[m] && later(i, m))) {
                    m = i;
                }
            }
            minIndex = m;
        }

        private boolean later(int i, int j) {
            return beams[i] != beams[j] ? beams[i] > beams[j] : tokens[i] > tokens[j];
        }

        List<Candidate> sorted() {
            List<Candidate> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(new Candidate(scores[i], beams[i], tokens[i]));
            }
            out.sort(Comparator.comparingDouble((Candidate c) -> -c.score)
                    .thenComparingInt(Candidate::beam).thenComparingInt(Candidate::token));
            return out;
        }
    }
}

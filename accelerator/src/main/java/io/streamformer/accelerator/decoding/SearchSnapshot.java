package io.streamformer.accelerator.decoding;

import java.util.List;

/**
 * Everything a search needs to continue where it stopped: the number of tokens generated, the live
 * hypotheses (one for greedy and sampling, up to num_beams for beam search) and the finished beam
 * hypotheses. This, not the KV cache, is the durable decoding state: the cache is rebuilt from the
 * live prefixes in one prefill pass.
 */
public record SearchSnapshot(int step, List<Hypothesis> live, List<Hypothesis> finished) {
    public SearchSnapshot {
        live = List.copyOf(live);
        finished = List.copyOf(finished);
    }
}

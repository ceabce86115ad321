package io.streamformer.accelerator.layers;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.kernels.Activation;

/**
 * The position-wise feed-forward sub-layer: plain, fc2(act(fc1(x))) (the paper, Marian, GPT-2), or gated,
 * down(act(gate(x)) · up(x)) (Llama's SiLU-gated MLP). The result goes to {@code ws.proj}.
 *
 * @param up   fc1, or Llama's up_proj
 * @param gate Llama's gate_proj, or null for a plain feed-forward
 * @param down fc2, or Llama's down_proj
 */
public record FeedForward(Dense up, Dense gate, Dense down, Activation activation) {

    void apply(Backend b, Workspace ws, FloatTensor input, int rows) {
        FloatTensor inner = ws.ffn;
        if (gate == null) {
            up.apply(b, input, rows, activation, inner);
        } else {
            Dense.applyAll(b, input, rows, new Dense[]{gate, up}, new FloatTensor[]{ws.gate, ws.ffn});
            inner = ws.gate;
            b.gatedActivation(ws.gate, ws.ffn, rows, up.outputs(), activation, inner);
        }
        down.apply(b, inner, rows, Activation.IDENTITY, ws.proj);
    }

    java.util.List<Dense> denses() {
        return gate == null ? java.util.List.of(up, down) : java.util.List.of(gate, up, down);
    }
}

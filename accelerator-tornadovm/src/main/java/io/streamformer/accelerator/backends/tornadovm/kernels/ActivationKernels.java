package io.streamformer.accelerator.backends.tornadovm.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** The gated feed-forward's product (Llama's MLP): out = act(gate) · up, element-wise. */
public final class ActivationKernels {

    private ActivationKernels() {
    }

    /** params: rows, gateOff, upOff, outOff; rows of {@code width}; out may alias gate or up. */
    public static void gated(KernelContext ctx, FloatArray gate, FloatArray up, FloatArray out, IntArray params, int p,
                             int width, int act) {
        int rows = params.get(p);
        int gateOff = params.get(p + 1);
        int upOff = params.get(p + 2);
        int outOff = params.get(p + 3);
        int total = rows * width;
        for (int e = ctx.globalIdx; e < total; e += ctx.globalGroupSizeX) {
            out.set(outOff + e, KernelMath.activate(gate.get(gateOff + e), act) * up.get(upOff + e));
        }
    }
}

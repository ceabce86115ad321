package io.streamformer.accelerator.kernels.matmul;

import io.streamformer.accelerator.weights.WeightType;
import io.streamformer.accelerator.weights.Weights;
import jdk.incubator.vector.FloatVector;

/**
 * IEEE half-precision panels (finite values: the loader refuses others). {@link Float#float16ToFloat} widens a half
 * exactly, and the JIT compiles a loop of it into the hardware's conversion instruction (F16C / AVX-512
 * {@code vcvtph2ps}); so the kernels widen {@link #CHUNK_K} input features of a panel at a time into fp32 scratch
 * with such a loop and multiply from there, in the order of every kernel here: the sums are bit for bit those of
 * the widened F32 matrix. (Widening in the vector lanes by bit shifts took three vector operations per 16 weights
 * and ran batch 1 at 1.14× the f32 speed; this, at 1.3-1.4×.)
 */
public final class F16Panels extends PackedWeights {
    final short[] panels;

    F16Panels(Weights.F16 w) {
        super(w.rows(), w.cols());
        panels = new short[panelCount() * PANEL_WIDTH * cols];
        short[] src = w.data();
        for (int r = 0; r < rows; r++) {
            int base = index(r, 0, cols);
            int from = r * cols;
            for (int c = 0; c < cols; c++) {
                panels[base + c * PANEL_WIDTH] = src[from + c];
            }
        }
    }

    @Override
    public WeightType type() {
        return WeightType.F16;
    }

    @Override
    public long bytes() {
        return 2L * panels.length;
    }

    @Override
    public float get(int row, int col) {
        return Float.float16ToFloat(panels[index(row, col, cols)]);
    }

    /** {@code n} halves from {@code panels[from..]} widened into {@code dst[to..]}: a loop the JIT vectorizes. */
    private void widen(int from, float[] dst, int to, int n) {
        final short[] p = panels;
        for (int j = 0; j < n; j++) {
            dst[to + j] = Float.float16ToFloat(p[from + j]);
        }
    }

    @Override
    void gemv(float[] x, int xOffset, int panel, float[] out, int outOffset, float[] chunk) {
        final int k = cols;
        FloatVector e0 = FloatVector.zero(S), e1 = FloatVector.zero(S);
        FloatVector o0 = FloatVector.zero(S), o1 = FloatVector.zero(S);
        int wi = panel * PANEL_WIDTH * k;
        for (int from = 0; from < k; from += CHUNK_K) {
            int n = Math.min(CHUNK_K, k - from);
            widen(wi, chunk, 0, n * PANEL_WIDTH);
            wi += n * PANEL_WIDTH;
            final int nEven = n & ~1;
            final int xi = xOffset + from;
            int i = 0;
            int ci = 0;
            for (; i < nEven; i += 2, ci += 2 * PANEL_WIDTH) {
                FloatVector a = FloatVector.broadcast(S, x[xi + i]);
                e0 = FloatVector.fromArray(S, chunk, ci).fma(a, e0);
                e1 = FloatVector.fromArray(S, chunk, ci + L).fma(a, e1);
                FloatVector b = FloatVector.broadcast(S, x[xi + i + 1]);
                o0 = FloatVector.fromArray(S, chunk, ci + PANEL_WIDTH).fma(b, o0);
                o1 = FloatVector.fromArray(S, chunk, ci + PANEL_WIDTH + L).fma(b, o1);
            }
            if (i < n) { // only in the last chunk of an odd k (CHUNK_K is even): an even feature
                FloatVector a = FloatVector.broadcast(S, x[xi + i]);
                e0 = FloatVector.fromArray(S, chunk, ci).fma(a, e0);
                e1 = FloatVector.fromArray(S, chunk, ci + L).fma(a, e1);
            }
        }
        e0.add(o0).intoArray(out, outOffset);
        e1.add(o1).intoArray(out, outOffset + L);
    }

    @Override
    void decodePanel(int panel, float[] dst) {
        widen(panel * PANEL_WIDTH * cols, dst, 0, PANEL_WIDTH * cols);
    }
}

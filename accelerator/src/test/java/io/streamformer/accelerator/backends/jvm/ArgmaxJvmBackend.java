package io.streamformer.accelerator.backends.jvm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.kernels.Activation;
import io.streamformer.accelerator.kernels.Softmax;

/**
 * The JVM backend plus the optional {@link Backend#argmaxRows} op, computed on the host: lets the default build
 * test the engine's device-argmax path (greedy decoding without logits rows) that accelerator backends take.
 */
public final class ArgmaxJvmBackend implements Backend {
    private final JvmBackend jvm;

    public ArgmaxJvmBackend(int threads) {
        this.jvm = new JvmBackend(threads);
    }

    @Override
    public boolean supportsArgmax() {
        return true;
    }

    @Override
    public void argmaxRows(FloatTensor logits, int rows, int vocab, IntTensor banStart, IntTensor banCount,
                           IntTensor bans, IntTensor forced, FloatTensor out) {
        float[] l = ((JvmBackend.Floats) logits).data();
        int[] start = ((JvmBackend.Ints) banStart).data();
        int[] count = ((JvmBackend.Ints) banCount).data();
        int[] banned = ((JvmBackend.Ints) bans).data();
        int[] force = ((JvmBackend.Ints) forced).data();
        float[] o = ((JvmBackend.Floats) out).data();
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            float lse = Softmax.logSumExp(l, off, vocab);
            int token = force[r];
            float value;
            if (token >= 0) {
                value = l[off + token];
            } else {
                value = Float.NEGATIVE_INFINITY;
                token = -1;
                for (int i = 0; i < vocab; i++) {
                    float v = isBanned(banned, start[r], count[r], i) ? Float.NEGATIVE_INFINITY : l[off + i];
                    if (token < 0 || v > value) {
                        value = v;
                        token = i;
                    }
                }
            }
            o[3 * r] = token;
            o[3 * r + 1] = lse;
            o[3 * r + 2] = value;
        }
    }

    private static boolean isBanned(int[] bans, int start, int count, int id) {
        for (int i = start; i < start + count; i++) {
            if (bans[i] == id) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String name() {
        return "jvm+argmax";
    }

    @Override
    public String device() {
        return jvm.device();
    }

    @Override
    public FloatTensor upload(float[] data) {
        return jvm.upload(data);
    }

    @Override
    public Matrix uploadMatrix(float[] rowMajor, int rows, int cols, float scale) {
        return jvm.uploadMatrix(rowMajor, rows, cols, scale);
    }

    @Override
    public FloatTensor allocate(int size) {
        return jvm.allocate(size);
    }

    @Override
    public IntTensor allocateInts(int size) {
        return jvm.allocateInts(size);
    }

    @Override
    public void write(IntTensor dst, int[] src, int count) {
        jvm.write(dst, src, count);
    }

    @Override
    public void read(FloatTensor src, int srcOffset, float[] dst, int dstOffset, int count) {
        jvm.read(src, srcOffset, dst, dstOffset, count);
    }

    @Override
    public void embed(IntTensor ids, IntTensor positions, int rows, Matrix table, float scale, FloatTensor positionTable,
                      FloatTensor out) {
        jvm.embed(ids, positions, rows, table, scale, positionTable, out);
    }

    @Override
    public void linear(FloatTensor x, int rows, Matrix w, FloatTensor bias, Activation act, FloatTensor out) {
        jvm.linear(x, rows, w, bias, act, out);
    }

    @Override
    public void addLayerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                             float eps, FloatTensor out) {
        jvm.addLayerNorm(x, residual, rows, gamma, beta, eps, out);
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int headDim, FloatTensor out) {
        jvm.attention(q, rows, keys, values, keyStart, keyCount, heads, headDim, out);
    }

    @Override
    public void scatterRows(FloatTensor src, int rows, int width, IntTensor dstRows, FloatTensor dst) {
        jvm.scatterRows(src, rows, width, dstRows, dst);
    }

    @Override
    public void gatherRows(FloatTensor src, IntTensor srcRows, int rows, int width, FloatTensor dst) {
        jvm.gatherRows(src, srcRows, rows, width, dst);
    }

    @Override
    public void copyRows(FloatTensor buffer, int from, int to, int count, int width) {
        jvm.copyRows(buffer, from, to, count, width);
    }

    @Override
    public void close() {
        jvm.close();
    }
}

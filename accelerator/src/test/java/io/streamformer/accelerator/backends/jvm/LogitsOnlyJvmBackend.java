package io.streamformer.accelerator.backends.jvm;

import io.streamformer.accelerator.backends.Backend;
import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;
import io.streamformer.accelerator.weights.Weights;
import io.streamformer.accelerator.kernels.Activation;

/**
 * The JVM backend without the optional {@link Backend#argmaxRows} op: greedy decoding then reads logits rows back and
 * chooses on the host, the path beam search and sampling take. Lets the tests compare the two paths.
 */
public final class LogitsOnlyJvmBackend implements Backend {
    private final JvmBackend jvm;

    public LogitsOnlyJvmBackend(int threads) {
        this.jvm = new JvmBackend(threads);
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
    public Matrix uploadMatrix(Weights weights, float outputScale) {
        return jvm.uploadMatrix(weights, outputScale);
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
    public void layerNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, FloatTensor beta,
                          float eps, FloatTensor sum, FloatTensor out) {
        jvm.layerNorm(x, residual, rows, gamma, beta, eps, sum, out);
    }

    @Override
    public void rmsNorm(FloatTensor x, FloatTensor residual, int rows, FloatTensor gamma, float eps, FloatTensor sum,
                        FloatTensor out) {
        jvm.rmsNorm(x, residual, rows, gamma, eps, sum, out);
    }

    @Override
    public void rotary(FloatTensor x, int rows, int heads, int headDim, IntTensor positions, FloatTensor cos,
                       FloatTensor sin) {
        jvm.rotary(x, rows, heads, headDim, positions, cos, sin);
    }

    @Override
    public void gatedActivation(FloatTensor gate, FloatTensor up, int rows, int width, Activation act,
                                FloatTensor out) {
        jvm.gatedActivation(gate, up, rows, width, act, out);
    }

    @Override
    public void attention(FloatTensor q, int rows, FloatTensor keys, FloatTensor values, IntTensor keyStart,
                          IntTensor keyCount, int heads, int kvHeads, int headDim, float scale, FloatTensor out) {
        jvm.attention(q, rows, keys, values, keyStart, keyCount, heads, kvHeads, headDim, scale, out);
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

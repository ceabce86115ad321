package io.streamformer.accelerator.backends.tornadovm;

import io.streamformer.accelerator.backends.FloatTensor;
import io.streamformer.accelerator.backends.IntTensor;
import io.streamformer.accelerator.backends.Matrix;

/**
 * Argument checks and casts of the ops: a kernel on the device reads out of bounds silently, so every range is
 * checked on the host before a call is recorded.
 */
final class Checks {
    private Checks() {
    }

    static WeightMatrix matrix(Matrix m) {
        if (m instanceof WeightMatrix w) {
            return w;
        }
        throw new IllegalArgumentException("not a matrix of the TornadoVM backend: " + m);
    }

    static IntRange ints(IntTensor t) {
        if (t instanceof IntRange i) {
            return i;
        }
        throw new IllegalArgumentException("not an int tensor of the TornadoVM backend: " + t);
    }

    static ArenaTensor arena(FloatTensor t) {
        if (t instanceof ArenaTensor a) {
            return a;
        }
        throw new IllegalArgumentException("only allocated tensors can be written or copied here, not " + t);
    }

    /** {@code rows} rows of {@code width} fit in {@code t}. */
    static void floats(FloatTensor t, int rows, int width, String what) {
        if (t == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        if (rows < 0 || (long) rows * width > t.size()) {
            throw new IllegalArgumentException(what + ": " + rows + " rows of " + width + " exceed a tensor of "
                    + t.size());
        }
    }

    /** As {@link #floats}, for a tensor a kernel writes: it must be an allocated one (weights stay as uploaded). */
    static void output(FloatTensor t, int rows, int width, String what) {
        floats(t, rows, width, what);
        arena(t);
    }

    /** {@code t} holds at least {@code size} floats. */
    static void size(FloatTensor t, int size, String what) {
        if (t.size() < size) {
            throw new IllegalArgumentException(what + " holds " + t.size() + " values, needs " + size);
        }
    }

    /** One int per row fits in each tensor. */
    static void rows(int rows, IntRange... tensors) {
        for (IntRange t : tensors) {
            if (rows < 0 || rows > t.size) {
                throw new IllegalArgumentException(rows + " rows exceed an int tensor of " + t.size);
            }
        }
    }

    /** The first {@code rows} values of {@code idx} lie in [0, limit). */
    static void indices(DeviceMemory memory, IntRange idx, int rows, int limit, String what) {
        for (int r = 0; r < rows; r++) {
            int v = memory.hostInt(idx, r);
            if (v < 0 || v >= limit) {
                throw new IllegalArgumentException(what + " " + v + " of row " + r + " outside [0, " + limit + ")");
            }
        }
    }
}

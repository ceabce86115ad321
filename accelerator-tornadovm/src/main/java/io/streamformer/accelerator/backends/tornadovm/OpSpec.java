package io.streamformer.accelerator.backends.tornadovm;

import java.util.Arrays;

/**
 * The static part of one recorded kernel call: which kernel ({@link KernelOp}) and the values fixed for a task graph
 * (array slots of the operands, widths, heads, activation, epsilon as its bits, flags for optional operands, the
 * number of fused parts). Two steps whose calls have equal specs replay the same task graph; what differs between
 * them (row counts, offsets) travels in the params array.
 */
final class OpSpec {
    final KernelOp op;
    final int[] shape;
    private final int hash;

    OpSpec(KernelOp op, int... shape) {
        this.op = op;
        this.shape = shape;
        this.hash = 31 * op.hashCode() + Arrays.hashCode(shape);
    }

    /** Ints the call reads from params at its base offset. */
    int paramCount() {
        return op.paramCount(shape);
    }

    /** This spec with the count at {@code partsIndex} of the shape one higher (a fused call). */
    OpSpec withOneMorePart(int partsIndex) {
        int[] s = shape.clone();
        s[partsIndex]++;
        return new OpSpec(op, s);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpSpec other && other.op == op && Arrays.equals(other.shape, shape);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return op + Arrays.toString(shape);
    }
}

package io.streamformer.accelerator.backends.tornadovm;

/**
 * Weights that become a range of one of the device's weight arrays ("chunks"): staged on the heap when uploaded,
 * packed into a chunk of their element type before the first kernel that may read them is recorded, then
 * addressed by the chunk's slot and the offset in it.
 */
abstract class WeightRange {

    /** How the values are held on the device. */
    enum Elements {
        /** fp32, in a FloatArray chunk. */
        FLOATS(Float.BYTES),
        /** IEEE fp16 bit patterns, in a ShortArray chunk. */
        SHORTS(Short.BYTES),
        /** int8, in a ByteArray chunk. */
        BYTES(Byte.BYTES);

        final int bytes;

        Elements(int bytes) {
            this.bytes = bytes;
        }
    }

    final Elements elements;
    final int length;
    /** float[], short[] or byte[] until packed, then null. */
    Object staged;
    /** Index of the chunk in the arrays of a task graph (0 is the activation arena), -1 until packed. */
    int slot = -1;
    int offset;

    WeightRange(Elements elements, Object staged, int length) {
        this.elements = elements;
        this.staged = staged;
        this.length = length;
    }

    boolean packed() {
        return slot >= 0;
    }
}

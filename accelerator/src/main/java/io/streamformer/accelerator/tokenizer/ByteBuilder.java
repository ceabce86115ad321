package io.streamformer.accelerator.tokenizer;

import java.util.Arrays;

/** A growable byte array: the output buffer of normalization and decoding. */
final class ByteBuilder {
    private byte[] bytes;
    private int size;

    ByteBuilder(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void append(byte b) {
        ensure(1);
        bytes[size++] = b;
    }

    void append(byte[] source) {
        append(source, 0, source.length);
    }

    void append(byte[] source, int from, int to) {
        int n = to - from;
        ensure(n);
        System.arraycopy(source, from, bytes, size, n);
        size += n;
    }

    boolean endsWith(byte[] suffix) {
        return size >= suffix.length && Utf8.startsWith(bytes, size - suffix.length, size, suffix);
    }

    void truncate(int newSize) {
        size = newSize;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    String toUtf8String() {
        return Utf8.decode(bytes, 0, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}

package io.streamformer.accelerator.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the protobuf wire format, just enough for a SentencePiece model file: varints, 32-bit floats and
 * length-delimited fields (strings, bytes, nested messages). Unknown fields are skipped, as protobuf does.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** The bytes are not a well-formed protobuf message. */
    static final class MalformedException extends RuntimeException {
        MalformedException(String message) {
            super(message);
        }
    }

    private final byte[] buf;
    private int pos;
    private final int end;
    private int lastTag;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int from, int to) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Reads the next field's tag; {@link #fieldNumber()} and {@link #wireType()} describe it. */
    void nextField() {
        long tag = readVarint();
        if (tag >>> 3 == 0 || tag > Integer.MAX_VALUE) {
            throw new MalformedException("invalid field tag " + tag + " at byte " + pos);
        }
        lastTag = (int) tag;
    }

    int fieldNumber() {
        return lastTag >>> 3;
    }

    int wireType() {
        return lastTag & 7;
    }

    long readVarint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new MalformedException("truncated varint at byte " + pos);
            }
            byte b = buf[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new MalformedException("varint longer than 10 bytes at byte " + pos);
    }

    int readInt32() {
        expect(VARINT);
        return (int) readVarint();
    }

    boolean readBool() {
        expect(VARINT);
        return readVarint() != 0;
    }

    float readFloat() {
        expect(FIXED32);
        require(4);
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16
                | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    byte[] readBytes() {
        int length = readLength();
        byte[] out = Arrays.copyOfRange(buf, pos, pos + length);
        pos += length;
        return out;
    }

    String readString() {
        int length = readLength();
        String out = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return out;
    }

    /** A reader over the nested message in the current field. */
    ProtoReader readMessage() {
        int length = readLength();
        ProtoReader nested = new ProtoReader(buf, pos, pos + length);
        pos += length;
        return nested;
    }

    void skipField() {
        switch (wireType()) {
            case VARINT -> readVarint();
            case FIXED64 -> skip(8);
            case LENGTH_DELIMITED -> skip(readLength());
            case FIXED32 -> skip(4);
            default -> throw new MalformedException("unsupported wire type " + wireType() + " for field "
                    + fieldNumber());
        }
    }

    private int readLength() {
        expect(LENGTH_DELIMITED);
        long length = readVarint();
        if (length < 0 || length > end - pos) {
            throw new MalformedException("field " + fieldNumber() + " claims " + length + " bytes, "
                    + (end - pos) + " are left");
        }
        return (int) length;
    }

    private void expect(int wireType) {
        if (wireType() != wireType) {
            throw new MalformedException("field " + fieldNumber() + " has wire type " + wireType()
                    + ", expected " + wireType);
        }
    }

    private void require(int n) {
        if (end - pos < n) {
            throw new MalformedException("truncated field " + fieldNumber() + " at byte " + pos);
        }
    }

    private void skip(int n) {
        require(n);
        pos += n;
    }
}

package io.streamformer.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes that could not be read as the expected Avro record; {@link #kind()} tells why, so that the app can
 * route the record to the dead-letter topic with a precise reason.
 */
public final class AvroDecodingException extends SerializationException {

    public enum Kind {
        /** Not in the expected framing (no single-object marker, no registry magic byte, truncated, ...). */
        UNDECODABLE,
        /** Correctly framed, but written with a schema this reader does not know. */
        UNKNOWN_SCHEMA
    }

    private final Kind kind;

    public AvroDecodingException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

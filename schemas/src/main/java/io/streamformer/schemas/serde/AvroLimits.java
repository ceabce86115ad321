package io.streamformer.schemas.serde;

/**
 * Bounds on what one Avro record may claim, so that a hostile record cannot make the decoder allocate gigabytes:
 * Avro sizes an array, string or bytes value by the length its encoding claims before it reads the elements, and
 * allows up to 2^31 by default. These are Avro's own limits (system properties read once, when Avro first decodes);
 * a value set on the command line wins.
 */
final class AvroLimits {
    static final String COLLECTION_ITEMS = "org.apache.avro.limits.collectionItems.maxLength";
    static final String STRING_BYTES = "org.apache.avro.limits.string.maxLength";
    static final String BYTES = "org.apache.avro.limits.bytes.maxLength";

    /** Far above any request (input_ids of a few thousand tokens, texts of a few MB), far below a heap. */
    static final long MAX_COLLECTION_ITEMS = 4L << 20;
    static final long MAX_STRING_BYTES = 64L << 20;
    static final long MAX_BYTES = 64L << 20;

    private AvroLimits() {
    }

    static void apply() {
        setIfAbsent(COLLECTION_ITEMS, MAX_COLLECTION_ITEMS);
        setIfAbsent(STRING_BYTES, MAX_STRING_BYTES);
        setIfAbsent(BYTES, MAX_BYTES);
    }

    private static void setIfAbsent(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }
}

package io.streamformer.app.testing;

import io.streamformer.schemas.DeadLetterKind;
import io.streamformer.schemas.InferenceRequest;
import io.streamformer.schemas.serde.SingleObjectSerde;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of hostile input records for the request path: random bytes, corrupt and truncated Avro,
 * bodies that claim huge arrays, absurd parameters, odd keys, odd text, out-of-vocabulary ids. Each record says what
 * the app must do with it: dead-letter it (of a kind, when the kind is certain), answer it, or either (a flipped bit
 * may still leave a valid request). The same seed gives the same records.
 */
public final class HostileInputs {
    private static final SingleObjectSerde<InferenceRequest> REQUESTS = SingleObjectSerde.of(InferenceRequest.class);

    public enum Expect { DEAD_LETTER, RESULT, EITHER }

    /**
     * @param kind    the dead letter's kind when {@code expect} is DEAD_LETTER and the kind is certain, else null
     * @param huge    the value is larger than the app accepts: its dead letter keeps only a prefix
     */
    public record Hostile(String name, byte[] key, byte[] value, Expect expect, DeadLetterKind kind, String requestId,
                          boolean huge) {
        public String keyString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    private HostileInputs() {
    }

    /** {@code count} records over every category in turn, for a model of this vocabulary; ids stay below 96. */
    public static List<Hostile> generate(long seed, int count, int vocab) {
        Random rnd = new Random(seed);
        List<Hostile> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = String.format("hostile-%04d", i);
            out.add(switch (i % 11) {
                case 0 -> deadLetter(name, randomBytes(rnd, rnd.nextInt(200)), DeadLetterKind.UNDECODABLE);
                case 1 -> deadLetter(name, concat(SingleObjectSerde.MARKER, randomBytes(rnd, 8 + rnd.nextInt(100))),
                        DeadLetterKind.UNKNOWN_SCHEMA);
                case 2 -> new Hostile(name, key(name), concat(header(), randomBytes(rnd, rnd.nextInt(300))),
                        Expect.EITHER, null, null, false);
                case 3 -> {
                    byte[] good = bytes(valid(rnd, name).build());
                    yield deadLetter(name, java.util.Arrays.copyOf(good, 10 + rnd.nextInt(good.length - 10)),
                            DeadLetterKind.UNDECODABLE);
                }
                case 4 -> {
                    byte[] flipped = bytes(valid(rnd, name).build());
                    int bit = 8 * 10 + rnd.nextInt(8 * (flipped.length - 10));
                    flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                    yield new Hostile(name, key(name), flipped, Expect.EITHER, null, null, false);
                }
                case 5 -> deadLetter(name, hugeArrayClaim(name, rnd), DeadLetterKind.UNDECODABLE);
                case 6 -> deadLetter(name, bytes(absurdParameters(rnd, valid(rnd, name))),
                        DeadLetterKind.INVALID_PARAMETERS);
                case 7 -> {
                    InferenceRequest r = valid(rnd, name).build();
                    yield new Hostile(name, null, bytes(r), Expect.RESULT, null, name, false);
                }
                case 8 -> {
                    InferenceRequest r = valid(rnd, name).build();
                    yield new Hostile(name, new byte[0], bytes(r), Expect.RESULT, null, name, false);
                }
                case 9 -> new Hostile(name, key(name), bytes(TinyModel.request(name).setText(oddText(rnd))
                        .setNumBeams(1).setMaxNewTokens(4).build()), Expect.EITHER, null, name, false);
                default -> deadLetter(name, bytes(TinyModel.request(name, 5, outOfVocabulary(rnd, vocab), 0)
                        .setMaxNewTokens(4).build()), DeadLetterKind.INVALID_INPUT);
            });
        }
        return out;
    }

    /** A request far larger than the app accepts: {@code ids} input ids. */
    public static Hostile hugeIds(String name, int ids) {
        int[] many = new int[ids];
        java.util.Arrays.fill(many, 5);
        return new Hostile(name, key(name), bytes(TinyModel.request(name, many).build()), Expect.DEAD_LETTER,
                DeadLetterKind.INVALID_INPUT, name, true);
    }

    /** A request far larger than the app accepts: a text of {@code bytes} bytes. */
    public static Hostile hugeText(String name, int bytes) {
        return new Hostile(name, key(name), bytes(TinyModel.request(name).setText("a".repeat(bytes)).build()),
                Expect.DEAD_LETTER, DeadLetterKind.INVALID_INPUT, name, true);
    }

    /** Two valid records with the same request_id: each is a request of its own and gets its own result. */
    public static List<Hostile> duplicates(String requestId) {
        InferenceRequest r = TinyModel.request(requestId, 7, 8, 9, 0).setNumBeams(1).setMaxNewTokens(5).build();
        return List.of(new Hostile(requestId + "#1", key(requestId), bytes(r), Expect.RESULT, null, requestId, false),
                new Hostile(requestId + "#2", key(requestId), bytes(r), Expect.RESULT, null, requestId, false));
    }

    private static Hostile deadLetter(String name, byte[] value, DeadLetterKind kind) {
        return new Hostile(name, key(name), value, Expect.DEAD_LETTER, kind, null, false);
    }

    private static InferenceRequest.Builder valid(Random rnd, String id) {
        int len = 2 + rnd.nextInt(6);
        int[] ids = new int[len];
        for (int j = 0; j < len - 1; j++) {
            ids[j] = 1 + rnd.nextInt(TinyModel.VOCAB - 2);
        }
        return TinyModel.request(id, ids).setNumBeams(1).setMaxNewTokens(1 + rnd.nextInt(6));
    }

    private static InferenceRequest absurdParameters(Random rnd, InferenceRequest.Builder b) {
        return switch (rnd.nextInt(10)) {
            case 0 -> b.setNumBeams(-1 - rnd.nextInt(1000)).build();
            case 1 -> b.setNumBeams(1_000_000).build();
            case 2 -> b.setMaxNewTokens(-rnd.nextInt(1000)).build();
            case 3 -> b.setMaxNewTokens(Integer.MAX_VALUE).build();
            case 4 -> b.setTopK(-1 - rnd.nextInt(50)).build();
            case 5 -> b.setTopP(Double.NaN).build();
            case 6 -> b.setTopP(rnd.nextBoolean() ? 0.0 : 1.0 + rnd.nextDouble() * 100).build();
            case 7 -> b.setDoSample(true).setTemperature(Double.NaN).build();
            case 8 -> b.setDoSample(true).setTemperature(-rnd.nextDouble()).build();
            default -> b.setDoSample(true).setTemperature(Double.POSITIVE_INFINITY).build();
        };
    }

    private static int outOfVocabulary(Random rnd, int vocab) {
        return switch (rnd.nextInt(4)) {
            case 0 -> -1 - rnd.nextInt(1000);
            case 1 -> Integer.MIN_VALUE;
            case 2 -> Integer.MAX_VALUE;
            default -> vocab + rnd.nextInt(1000);
        };
    }

    private static final String[] ODD = {"\u0000", "\u200b", "\u202e", "\ud83d\ude00", "\u00e9", "e\u0301", "\t",
            "\n", "   ", "\ufeff", "\u4e2d\u6587", "\u0645\u0631\u062d\u0628\u0627", "%s%n", "\\u0000", "<s>", "</s>",
            "\ud800", "\uffff", "1234567890", "Hello"};

    private static String oddText(Random rnd) {
        StringBuilder s = new StringBuilder();
        int parts = rnd.nextInt(12);
        for (int i = 0; i < parts; i++) {
            s.append(ODD[rnd.nextInt(ODD.length)]);
        }
        return s.toString();
    }

    /** A correct header and request_id, then an input_ids block that claims 2^31 - 1 entries and holds three. */
    private static byte[] hugeArrayClaim(String id, Random rnd) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        writeLong(body, idBytes.length);
        body.writeBytes(idBytes);
        writeLong(body, rnd.nextBoolean() ? Integer.MAX_VALUE : Integer.MAX_VALUE / 3);
        for (int i = 0; i < 3; i++) {
            writeLong(body, 5);
        }
        return concat(header(), body.toByteArray());
    }

    /** Avro's zig-zag varint. */
    private static void writeLong(ByteArrayOutputStream out, long v) {
        long n = (v << 1) ^ (v >> 63);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
    }

    private static byte[] header() {
        byte[] h = new byte[SingleObjectSerde.HEADER_LENGTH];
        h[0] = SingleObjectSerde.MARKER[0];
        h[1] = SingleObjectSerde.MARKER[1];
        ByteBuffer.wrap(h, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(REQUESTS.fingerprint());
        return h;
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        if (n >= 2 && b[0] == SingleObjectSerde.MARKER[0] && b[1] == SingleObjectSerde.MARKER[1]) {
            b[0] = 0; // random bytes, not by chance a single-object header
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] key(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] bytes(InferenceRequest r) {
        return REQUESTS.serialize("in", r);
    }
}

package io.streamformer.accelerator.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 the way SentencePiece reads it. SentencePiece works on UTF-8 bytes, not on Java chars, so the
 * tokenizer does too: every offset in this package is a byte offset.
 */
final class Utf8 {
    /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible stand-in for a space. */
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
    static final String SPACE_SYMBOL_STRING = "\u2581";
    /** U+FFFD, which SentencePiece puts where it finds a malformed byte. */
    static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private Utf8() {
    }

    /** SentencePiece's OneCharLen: the length a lead byte announces (1 for a stray continuation byte). */
    static int charLength(byte lead) {
        int high = (lead & 0xFF) >>> 4;
        return high < 0xC ? 1 : high < 0xE ? 2 : high == 0xE ? 3 : 4;
    }

    /**
     * SentencePiece's IsValidDecodeUTF8: the length of the well-formed character at {@code pos}, or 0 when
     * the bytes there are malformed (bad continuation, overlong form, surrogate, or beyond U+10FFFF).
     */
    static int validCharLength(byte[] s, int pos, int end) {
        int b0 = s[pos] & 0xFF;
        int available = end - pos;
        if (b0 < 0x80) {
            return 1;
        }
        if (available >= 2 && (b0 & 0xE0) == 0xC0) {
            int cp = ((b0 & 0x1F) << 6) | (s[pos + 1] & 0x3F);
            return isTrail(s[pos + 1]) && cp >= 0x80 ? 2 : 0;
        }
        if (available >= 3 && (b0 & 0xF0) == 0xE0) {
            int cp = ((b0 & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
            return isTrail(s[pos + 1]) && isTrail(s[pos + 2]) && cp >= 0x800 && isValidCodePoint(cp) ? 3 : 0;
        }
        if (available >= 4 && (b0 & 0xF8) == 0xF0) {
            int cp = ((b0 & 0x07) << 18) | ((s[pos + 1] & 0x3F) << 12) | ((s[pos + 2] & 0x3F) << 6)
                    | (s[pos + 3] & 0x3F);
            return isTrail(s[pos + 1]) && isTrail(s[pos + 2]) && isTrail(s[pos + 3]) && cp >= 0x10000
                    && isValidCodePoint(cp) ? 4 : 0;
        }
        return 0;
    }

    private static boolean isTrail(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean isValidCodePoint(int cp) {
        return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
    }

    /**
     * The UTF-8 bytes of {@code text}. An unpaired surrogate (which UTF-8 cannot carry) becomes U+FFFD, the
     * character SentencePiece substitutes for bytes it cannot read.
     */
    static byte[] encode(String text) {
        boolean wellFormed = true;
        for (int i = 0; i < text.length() && wellFormed; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                wellFormed = false;
            }
        }
        if (wellFormed) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        StringBuilder fixed = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                fixed.append(c).append(text.charAt(++i));
            } else {
                fixed.append(Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return fixed.toString().getBytes(StandardCharsets.UTF_8);
    }

    static String decode(byte[] bytes, int from, int to) {
        return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    static boolean startsWith(byte[] s, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (s[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}

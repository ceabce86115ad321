package io.streamformer.accelerator.tokenizer.bpe;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as the Rust tokenizers library reads and writes it: {@code String::from_utf8_lossy} puts one U+FFFD
 * for each maximal ill-formed subsequence (the Unicode recommendation, which Python's "replace" also follows).
 */
final class LossyUtf8 {
    private LossyUtf8() {
    }

    /** UTF-8 of {@code text}; an unpaired surrogate, which UTF-8 cannot carry, becomes U+FFFD. */
    static byte[] encode(String text) {
        return withoutLoneSurrogates(text).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code text} with each unpaired surrogate replaced by U+FFFD (Java would write '?' for it). */
    static String withoutLoneSurrogates(String text) {
        StringBuilder fixed = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair) {
                if (fixed != null) {
                    fixed.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (Character.isSurrogate(c)) {
                if (fixed == null) {
                    fixed = new StringBuilder(text.length()).append(text, 0, i);
                }
                fixed.append('\uFFFD');
            } else if (fixed != null) {
                fixed.append(c);
            }
        }
        return fixed == null ? text : fixed.toString();
    }

    static String decode(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int length;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                length = 2;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                length = 3;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                length = 4;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0xFF >>> (length + 1));
            int valid = 1;
            for (; valid < length && i + valid < to; valid++) {
                int c = b[i + valid] & 0xFF;
                if (c < lo || c > hi) {
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
                lo = 0x80;
                hi = 0xBF;
            }
            if (valid == length) {
                out.appendCodePoint(cp);
            } else {
                out.append('\uFFFD');
            }
            i += valid;
        }
        return out.toString();
    }

    static String decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    /** True when {@code b} is well-formed UTF-8 (Rust's {@code String::from_utf8} succeeds). */
    static boolean isValid(byte[] b, int from, int to) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b, from, to - from));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

/**
 * GPT-2's bytes_to_unicode: every byte gets a printable character, so that byte-level BPE can work on text.
 * Printable Latin-1 bytes stand for themselves; the other 68 bytes take the characters from U+0100 on, in
 * byte order.
 */
final class ByteLevelAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Byte of each character up to U+0143, or -1. */
    private static final int[] BYTE_OF_CHAR = new int[0x144];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The text's UTF-8 bytes, each written as its stand-in character. */
    static String encode(String text) {
        byte[] bytes = LossyUtf8.encode(text);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte a stand-in character means, or -1 for a character that is none. */
    static int byteOf(int c) {
        return c >= 0 && c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }
}

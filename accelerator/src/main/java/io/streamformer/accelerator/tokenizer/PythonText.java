package io.streamformer.accelerator.tokenizer;

/** The bits of Python string behaviour that transformers' decoding relies on. */
final class PythonText {
    private PythonText() {
    }

    /** Python's {@code str.isspace()} for one code point (Java's isWhitespace differs, e.g. on U+00A0). */
    static boolean isPythonWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** Python's {@code str.strip()}. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isPythonWhitespace(s.charAt(start))) {
            start++;
        }
        while (end > start && isPythonWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** transformers' {@code clean_up_tokenization}: removes the spaces English tokenizers put before punctuation. */
    static String cleanUpTokenization(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }
}

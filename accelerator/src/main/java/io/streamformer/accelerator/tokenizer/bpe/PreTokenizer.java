package io.streamformer.accelerator.tokenizer.bpe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * tokenizer.json's {@code pre_tokenizer}: cuts normalized text into the words that BPE encodes one by one.
 * Each step maps the list of words so far to a finer list, as the tokenizers library's
 * {@code PreTokenizedString::split} does; empty words are dropped.
 */
sealed interface PreTokenizer {

    List<String> split(List<String> words);

    /** No pre-tokenizer: the whole text is one word (Llama 2). */
    record None() implements PreTokenizer {
        @Override
        public List<String> split(List<String> words) {
            return words;
        }
    }

    /**
     * {@code Split} with a regex, behaviour Isolated (matches and the text between them are words) or
     * Removed (matches are dropped); {@code invert} swaps the roles of the matches and the text between.
     */
    record Split(Pattern pattern, boolean removeDelimiters, boolean invert) implements PreTokenizer {
        @Override
        public List<String> split(List<String> words) {
            List<String> out = new ArrayList<>();
            for (String word : words) {
                Matcher m = pattern.matcher(word);
                int last = 0;
                while (m.find()) {
                    if (m.end() == m.start()) {
                        continue;
                    }
                    addUnlessRemoved(out, word.substring(last, m.start()), invert);
                    addUnlessRemoved(out, word.substring(m.start(), m.end()), !invert);
                    last = m.end();
                }
                addUnlessRemoved(out, word.substring(last), invert);
            }
            return out;
        }

        private void addUnlessRemoved(List<String> out, String piece, boolean isDelimiter) {
            if (!piece.isEmpty() && !(removeDelimiters && isDelimiter)) {
                out.add(piece);
            }
        }
    }

    /**
     * {@code ByteLevel}: optionally a space before each word that lacks one, optionally GPT-2's regex split,
     * then every word's UTF-8 bytes written in the byte-level alphabet.
     */
    record ByteLevel(boolean addPrefixSpace, Pattern gpt2Pattern) implements PreTokenizer {
        @Override
        public List<String> split(List<String> words) {
            List<String> prefixed = words;
            if (addPrefixSpace) {
                prefixed = new ArrayList<>(words.size());
                for (String word : words) {
                    prefixed.add(word.startsWith(" ") ? word : " " + word);
                }
            }
            List<String> pieces = gpt2Pattern == null ? prefixed
                    : new Split(gpt2Pattern, false, false).split(prefixed);
            List<String> out = new ArrayList<>(pieces.size());
            for (String piece : pieces) {
                out.add(ByteLevelAlphabet.encode(piece));
            }
            return out;
        }
    }

    /**
     * {@code Digits}: numeric characters (Unicode Nd, Nl, No, as Rust's char::is_numeric) become words of
     * their own, one per digit or one per run.
     */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public List<String> split(List<String> words) {
            List<String> out = new ArrayList<>();
            for (String word : words) {
                int start = 0;
                int i = 0;
                while (i < word.length()) {
                    int cp = word.codePointAt(i);
                    int next = i + Character.charCount(cp);
                    if (isNumeric(cp)) {
                        if (start < i) {
                            out.add(word.substring(start, i));
                        }
                        int end = next;
                        if (!individualDigits) {
                            while (end < word.length() && isNumeric(word.codePointAt(end))) {
                                end += Character.charCount(word.codePointAt(end));
                            }
                        }
                        out.add(word.substring(i, end));
                        start = end;
                        next = end;
                    }
                    i = next;
                }
                if (start < word.length()) {
                    out.add(word.substring(start));
                }
            }
            return out;
        }

        private static boolean isNumeric(int cp) {
            int type = Character.getType(cp);
            return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                    || type == Character.OTHER_NUMBER;
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public List<String> split(List<String> words) {
            for (PreTokenizer step : steps) {
                words = step.split(words);
            }
            return words;
        }
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * tokenizer.json's {@code decoder}: turns the token strings of the ids to decode back into text. Like the
 * tokenizers library's decode_chain, each step maps a list of strings to a list of strings; the results are
 * joined at the end.
 */
sealed interface TokenDecoder {

    List<String> decode(List<String> tokens);

    /** Bytes written in the byte-level alphabet back to UTF-8 text (a token with other characters as is). */
    record ByteLevel() implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String token : tokens) {
                byte[] mapped = new byte[token.length()];
                boolean allMapped = true;
                for (int i = 0; i < token.length() && allMapped; i++) {
                    int b = ByteLevelAlphabet.byteOf(token.charAt(i));
                    allMapped = b >= 0;
                    mapped[i] = (byte) b;
                }
                byte[] part = allMapped ? mapped : LossyUtf8.encode(token);
                bytes.write(part, 0, part.length);
            }
            return List.of(LossyUtf8.decode(bytes.toByteArray()));
        }
    }

    /** Replaces a literal string in every token (Llama 2's "▁" back to a space). */
    record Replace(String pattern, String content) implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                out.add(pattern.isEmpty() ? token : token.replace(pattern, content));
            }
            return out;
        }
    }

    /**
     * Runs of {@code <0xNN>} tokens become the text their bytes spell; a run that is not valid UTF-8 becomes
     * one U+FFFD per byte.
     */
    record ByteFallback() implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            for (String token : tokens) {
                int b = byteOf(token);
                if (b >= 0) {
                    run.write(b);
                    continue;
                }
                flush(run, out);
                out.add(token);
            }
            flush(run, out);
            return out;
        }

        private static void flush(ByteArrayOutputStream run, List<String> out) {
            if (run.size() == 0) {
                return;
            }
            byte[] bytes = run.toByteArray();
            if (LossyUtf8.isValid(bytes, 0, bytes.length)) {
                out.add(LossyUtf8.decode(bytes));
            } else {
                for (int i = 0; i < bytes.length; i++) {
                    out.add("\uFFFD");
                }
            }
            run.reset();
        }

        /** The byte of a token spelled {@code <0xNN>} (six bytes, hex digits of either case), or -1. */
        private static int byteOf(String token) {
            if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(token.charAt(3), 16);
            int lo = Character.digit(token.charAt(4), 16);
            boolean ascii = token.charAt(3) < 128 && token.charAt(4) < 128;
            return hi < 0 || lo < 0 || !ascii ? -1 : hi * 16 + lo;
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(int content, int start, int stop) implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String token : tokens) {
                int[] cps = token.codePoints().toArray();
                int startCut = 0;
                while (startCut < start && startCut < cps.length && cps[startCut] == content) {
                    startCut++;
                }
                int stopCut = 0;
                while (stopCut < stop && stopCut < cps.length && cps[cps.length - 1 - stopCut] == content) {
                    stopCut++;
                }
                // The library takes (byte length - cuts) characters, which can keep stripped trailing ones.
                int byteLength = LossyUtf8.encode(token).length;
                int take = Math.max(0, Math.min(cps.length - startCut, byteLength - startCut - stopCut));
                out.add(new String(cps, startCut, take));
            }
            return out;
        }
    }

    record Sequence(List<TokenDecoder> steps) implements TokenDecoder {
        @Override
        public List<String> decode(List<String> tokens) {
            for (TokenDecoder step : steps) {
                tokens = step.decode(tokens);
            }
            return tokens;
        }
    }
}

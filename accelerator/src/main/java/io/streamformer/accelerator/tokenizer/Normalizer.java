package io.streamformer.accelerator.tokenizer;

/**
 * SentencePiece's text normalization (normalizer.cc), on UTF-8 bytes:
 * <ol>
 *   <li>the input is rewritten prefix by prefix: a user-defined symbol stays as it is; otherwise the
 *       longest rule of the precompiled charsmap applies (NFKC and friends); otherwise the character is
 *       kept, and a malformed byte becomes U+FFFD;</li>
 *   <li>with remove_extra_whitespaces, leading and trailing spaces go and inner runs shrink to one;</li>
 *   <li>with escape_whitespaces, each space becomes U+2581 (▁);</li>
 *   <li>with add_dummy_prefix, one ▁ goes in front (or at the end, when whitespace is a suffix), so that
 *       "world" and "hello world" share the piece "▁world".</li>
 * </ol>
 */
final class Normalizer {
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] SPACE = {' '};

    private final ModelProto.NormalizerSpec spec;
    private final PrecompiledCharsMap charsMap;
    private final PieceTrie userDefinedSymbols;
    private final boolean whitespaceAsSuffix;

    /**
     * @param userDefinedSymbols symbols copied through unnormalized, or null
     * @param whitespaceAsSuffix trainer_spec.treat_whitespace_as_suffix: the dummy ▁ goes at the end
     */
    Normalizer(ModelProto.NormalizerSpec spec, PieceTrie userDefinedSymbols, boolean whitespaceAsSuffix) {
        this.spec = spec;
        this.charsMap = spec.precompiledCharsmap().length > 0
                ? PrecompiledCharsMap.parse(spec.precompiledCharsmap()) : null;
        this.userDefinedSymbols = userDefinedSymbols;
        this.whitespaceAsSuffix = whitespaceAsSuffix;
    }

    /** What one step of normalization replaces: {@code consumed} input bytes by {@code source[from, to)}. */
    private static final class Rewrite {
        byte[] source;
        int from;
        int to;
        int consumed;

        void set(byte[] source, int from, int to, int consumed) {
            this.source = source;
            this.from = from;
            this.to = to;
            this.consumed = consumed;
        }

        boolean isSingleSpace() {
            return to - from == 1 && source[from] == ' ';
        }
    }

    byte[] normalize(byte[] input) {
        int pos = 0;
        int end = input.length;
        Rewrite rewrite = new Rewrite();
        if (spec.removeExtraWhitespaces()) {
            while (pos < end) {
                rewritePrefix(input, pos, end, rewrite);
                if (!rewrite.isSingleSpace()) {
                    break;
                }
                pos += rewrite.consumed;
            }
        }
        if (pos == end) {
            return EMPTY;
        }
        ByteBuilder out = new ByteBuilder(3 * (end - pos) + 3);
        if (!whitespaceAsSuffix && spec.addDummyPrefix()) {
            appendSpace(out);
        }
        boolean previousEndsWithSpace = spec.removeExtraWhitespaces();
        while (pos < end) {
            rewritePrefix(input, pos, end, rewrite);
            int from = rewrite.from;
            // a run of spaces collapses: drop the spaces that follow a space
            while (previousEndsWithSpace && from < rewrite.to && rewrite.source[from] == ' ') {
                from++;
            }
            if (from < rewrite.to) {
                for (int i = from; i < rewrite.to; i++) {
                    byte b = rewrite.source[i];
                    if (b == ' ' && spec.escapeWhitespaces()) {
                        out.append(Utf8.SPACE_SYMBOL);
                    } else {
                        out.append(b);
                    }
                }
                previousEndsWithSpace = rewrite.source[rewrite.to - 1] == ' ';
            }
            pos += rewrite.consumed;
            if (!spec.removeExtraWhitespaces()) {
                previousEndsWithSpace = false;
            }
        }
        if (spec.removeExtraWhitespaces()) {
            byte[] space = spec.escapeWhitespaces() ? Utf8.SPACE_SYMBOL : SPACE;
            while (out.endsWith(space)) {
                out.truncate(out.size() - space.length);
            }
        }
        if (whitespaceAsSuffix && spec.addDummyPrefix()) {
            appendSpace(out);
        }
        return out.toByteArray();
    }

    private void appendSpace(ByteBuilder out) {
        out.append(spec.escapeWhitespaces() ? Utf8.SPACE_SYMBOL : SPACE);
    }

    /** SentencePiece's NormalizePrefix: how the text at {@code pos} is rewritten, and how much it consumes. */
    private void rewritePrefix(byte[] input, int pos, int end, Rewrite rewrite) {
        if (userDefinedSymbols != null) {
            int length = userDefinedSymbols.longestMatch(input, pos, end);
            if (length > 0) {
                rewrite.set(input, pos, pos + length, length);
                return;
            }
        }
        if (charsMap != null) {
            long match = charsMap.longestMatch(input, pos, end);
            if (match >= 0) {
                byte[] replacements = charsMap.replacements();
                int offset = Math.min((int) (match >>> 32), replacements.length);
                rewrite.set(replacements, offset, charsMap.replacementEnd(offset), (int) (match & 0xFFFFFFFFL));
                return;
            }
        }
        int length = Utf8.validCharLength(input, pos, end);
        if (length == 0) {
            rewrite.set(Utf8.REPLACEMENT_CHARACTER, 0, Utf8.REPLACEMENT_CHARACTER.length, 1);
        } else {
            rewrite.set(input, pos, pos + length, length);
        }
    }
}

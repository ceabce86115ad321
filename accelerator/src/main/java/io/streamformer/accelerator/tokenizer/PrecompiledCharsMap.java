package io.streamformer.accelerator.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SentencePiece's compiled normalization rules (NormalizerSpec.precompiled_charsmap, e.g. nmt_nfkc):
 * {@code <trie size: uint32 LE><double-array trie over UTF-8 sources><NUL-terminated replacements>}.
 * The trie maps a source byte sequence to the offset of its replacement.
 */
final class PrecompiledCharsMap {
    private final DoubleArrayTrie trie;
    private final byte[] replacements;

    private PrecompiledCharsMap(DoubleArrayTrie trie, byte[] replacements) {
        this.trie = trie;
        this.replacements = replacements;
    }

    static PrecompiledCharsMap parse(byte[] blob) {
        if (blob.length <= 4) {
            throw new ProtoReader.MalformedException("normalization rules are broken (" + blob.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = Integer.toUnsignedLong(in.getInt());
        if (trieSize >= blob.length - 4 || trieSize % 4 != 0) {
            throw new ProtoReader.MalformedException("normalization rules are broken (trie of " + trieSize
                    + " bytes in a blob of " + blob.length + ")");
        }
        int[] units = new int[(int) (trieSize / 4)];
        in.asIntBuffer().get(units);
        byte[] replacements = new byte[blob.length - 4 - (int) trieSize];
        System.arraycopy(blob, 4 + (int) trieSize, replacements, 0, replacements.length);
        return new PrecompiledCharsMap(new DoubleArrayTrie(units), replacements);
    }

    /**
     * The longest rule whose source starts {@code input[from, to)}: {@code (replacementOffset << 32) |
     * sourceLength}, or -1 when no rule applies.
     */
    long longestMatch(byte[] input, int from, int to) {
        return trie.longestPrefix(input, from, to);
    }

    byte[] replacements() {
        return replacements;
    }

    /** End of the NUL-terminated replacement that starts at {@code offset}. */
    int replacementEnd(int offset) {
        int end = offset;
        while (end < replacements.length && replacements[end] != 0) {
            end++;
        }
        return end;
    }
}

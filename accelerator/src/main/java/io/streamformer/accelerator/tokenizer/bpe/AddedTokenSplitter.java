package io.streamformer.accelerator.tokenizer.bpe;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text as the tokenizers library's AddedVocabulary does: non-overlapping matches from
 * left to right, the longest token where several start at the same place; tokens flagged {@code normalized}
 * are looked for in the normalized text, the others in the raw text. In plain mode special tokens are
 * matched but left as text, as the library does with {@code encode_special_tokens}.
 */
final class AddedTokenSplitter {
    /** A piece of the input: an added token's id, or text (id -1) still to be encoded. */
    record Piece(int tokenId, String text) {
        boolean isToken() {
            return tokenId >= 0;
        }
    }

    private final Trie rawTokens;
    private final Trie normalizedTokens;

    AddedTokenSplitter(List<AddedToken> tokens, TextNormalizer normalizer) {
        rawTokens = new Trie();
        normalizedTokens = new Trie();
        for (AddedToken token : tokens) {
            if (token.content().isEmpty()) {
                continue;
            }
            if (token.normalized()) {
                normalizedTokens.add(normalizer.normalize(token.content()), token);
            } else {
                rawTokens.add(token.content(), token);
            }
        }
    }

    /**
     * The text cut at added tokens, each text piece normalized. With {@code literal} set, a special token
     * overlapping one of its positions stays text (and special tokens matched in normalized text do too).
     */
    List<Piece> split(String text, boolean recognizeSpecial, BitSet literal, TextNormalizer normalizer) {
        List<Piece> out = new ArrayList<>();
        for (Piece piece : find(text, rawTokens, recognizeSpecial, literal)) {
            if (piece.isToken()) {
                out.add(piece);
            } else {
                boolean special = recognizeSpecial && literal == null;
                out.addAll(find(normalizer.normalize(piece.text()), normalizedTokens, special, null));
            }
        }
        return out;
    }

    private static List<Piece> find(String s, Trie trie, boolean recognizeSpecial, BitSet literal) {
        List<Piece> out = new ArrayList<>();
        if (trie.isEmpty()) {
            out.add(new Piece(-1, s));
            return out;
        }
        int emitted = 0;
        int i = 0;
        while (i < s.length()) {
            Trie.Match match = trie.longestAt(s, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = match.end();
            i = stop;
            AddedToken token = match.token();
            if (token.special() && (!recognizeSpecial || literal != null && overlaps(literal, start, stop))) {
                continue;
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > 0 && isRustWhitespace(s.charAt(newStart - 1))) {
                    newStart--;
                }
                start = Math.max(newStart, emitted);
            }
            if (token.rstrip()) {
                while (stop < s.length() && isRustWhitespace(s.charAt(stop))) {
                    stop++;
                }
            }
            if (emitted < start) {
                out.add(new Piece(-1, s.substring(emitted, start)));
            }
            out.add(new Piece(token.id(), token.content()));
            emitted = stop;
        }
        if (emitted < s.length() || out.isEmpty()) {
            out.add(new Piece(-1, s.substring(emitted)));
        }
        return out;
    }

    private static boolean overlaps(BitSet literal, int start, int end) {
        int next = literal.nextSetBit(start);
        return next >= 0 && next < end;
    }

    /** Rust's char::is_whitespace (Unicode White_Space), for the BMP characters that can carry it. */
    static boolean isRustWhitespace(char c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** A character trie over token contents. */
    private static final class Trie {
        record Match(AddedToken token, int end) {
        }

        private final Map<Character, Trie> children = new HashMap<>();
        private AddedToken token;
        private boolean empty = true;

        void add(String content, AddedToken added) {
            empty = false;
            Trie node = this;
            for (int i = 0; i < content.length(); i++) {
                node = node.children.computeIfAbsent(content.charAt(i), c -> new Trie());
            }
            node.token = added;
        }

        boolean isEmpty() {
            return empty;
        }

        Match longestAt(String s, int start) {
            Trie node = this;
            Match best = null;
            for (int i = start; i < s.length(); i++) {
                node = node.children.get(s.charAt(i));
                if (node == null) {
                    break;
                }
                if (node.token != null) {
                    best = new Match(node.token, i + 1);
                }
            }
            return best;
        }
    }
}

package io.streamformer.accelerator.tokenizer.bpe;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The tokenizers library's regular expressions (Oniguruma, Ruby syntax, on Unicode text) as
 * java.util.regex patterns. Both are backtracking engines with leftmost-first alternation, lookahead and
 * possessive quantifiers, so most syntax carries over as written; what differs is translated here:
 * <ul>
 *   <li>{@code \s}, {@code \S}: Oniguruma's space is Unicode White_Space; Java's is ASCII only.</li>
 *   <li>{@code \d}, {@code \w} (and negations): Unicode in Oniguruma, ASCII in Java.</li>
 *   <li>{@code (?i)}: Oniguruma folds case by Unicode rules (so {@code 'ſ} matches {@code 's}); Java needs
 *       the {@code u} flag for that.</li>
 *   <li>{@code \h} is a hex digit and {@code \v} a vertical tab in Oniguruma (Java: horizontal and vertical
 *       whitespace).</li>
 *   <li>{@code .} stops only at {@code \n} in Ruby syntax.</li>
 *   <li>{@code \p{Han}}-style script names need Java's {@code Is} prefix.</li>
 * </ul>
 * Anchors ({@code ^ $ \A \z \Z \G}), back-references and Oniguruma-only constructs are refused.
 */
final class HfRegex {
    /** Unicode White_Space, as members of a character class. */
    private static final String SPACE_MEMBERS =
            "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";
    private static final String WORD_MEMBERS = "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";

    private HfRegex() {
    }

    /** GPT-2's pre-tokenization pattern, which the ByteLevel pre-tokenizer applies when use_regex is true. */
    static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /**
     * Compiles {@code onigurumaPattern}; {@code where} names the file and field for the error message.
     */
    static Pattern compile(String onigurumaPattern, JsonFields json, String field) {
        String translated = translate(onigurumaPattern, json, field);
        try {
            return Pattern.compile(translated);
        } catch (PatternSyntaxException e) {
            throw json.error(field, "regex " + quote(onigurumaPattern) + " does not compile: "
                    + e.getDescription());
        }
    }

    static String translate(String p, JsonFields json, String field) {
        StringBuilder out = new StringBuilder(p.length() + 64);
        int classDepth = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= p.length()) {
                    throw json.error(field, "regex " + quote(p) + " ends with a lone backslash");
                }
                char e = p.charAt(++i);
                boolean inClass = classDepth > 0;
                switch (e) {
                    case 's' -> out.append(inClass ? SPACE_MEMBERS : "[" + SPACE_MEMBERS + "]");
                    case 'S' -> out.append(negated(SPACE_MEMBERS, inClass, p, json, field));
                    case 'd' -> out.append("\\p{Nd}");
                    case 'D' -> out.append("\\P{Nd}");
                    case 'w' -> out.append(inClass ? WORD_MEMBERS : "[" + WORD_MEMBERS + "]");
                    case 'W' -> out.append(negated(WORD_MEMBERS, inClass, p, json, field));
                    case 'h' -> out.append(inClass ? "0-9a-fA-F" : "[0-9a-fA-F]");
                    case 'H' -> out.append(negated("0-9a-fA-F", inClass, p, json, field));
                    case 'v' -> out.append("\\x0B");
                    case 'p', 'P' -> i = property(p, i, e, out, json, field);
                    case 'A', 'z', 'Z', 'G', 'K', 'g', 'k', '1', '2', '3', '4', '5', '6', '7', '8', '9' ->
                            throw json.error(field, "regex " + quote(p) + " uses \\" + e
                                    + ", which this tokenizer does not support");
                    default -> out.append('\\').append(e);
                }
            } else if (c == '[') {
                classDepth++;
                out.append(c);
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
                // A ']' right after '[' or '[^' is a literal in both engines; Java wants it escaped.
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (classDepth == 0 && (c == '^' || c == '$')) {
                throw json.error(field, "regex " + quote(p) + " uses the anchor " + c
                        + ", which this tokenizer does not support");
            } else if (classDepth == 0 && c == '.') {
                out.append("[^\\n]");
            } else if (classDepth == 0 && c == '(' && p.startsWith("(?", i)) {
                i = group(p, i, out, json, field);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String negated(String members, boolean inClass, String p, JsonFields json, String field) {
        if (inClass) {
            throw json.error(field, "regex " + quote(p)
                    + " negates a class shorthand inside brackets, which this tokenizer does not support");
        }
        return "[^" + members + "]";
    }

    /** Copies {@code \p{Name}}; script and block names get Java's {@code Is} prefix. Returns the last index. */
    private static int property(String p, int i, char e, StringBuilder out, JsonFields json, String field) {
        if (i + 1 >= p.length() || p.charAt(i + 1) != '{') {
            throw json.error(field, "regex " + quote(p) + " uses \\" + e + " without {name}");
        }
        int close = p.indexOf('}', i);
        if (close < 0) {
            throw json.error(field, "regex " + quote(p) + " has an unclosed \\" + e + "{");
        }
        String name = p.substring(i + 2, close);
        boolean negate = name.startsWith("^");
        if (negate) {
            name = name.substring(1);
        }
        boolean category = name.matches("[A-Z][a-z&]?|L&");
        char letter = negate ^ (e == 'P') ? 'P' : 'p';
        out.append('\\').append(letter).append('{').append(category ? name : "Is" + name).append('}');
        return close;
    }

    /** Copies a group opener; inline case-insensitivity gains Java's Unicode-case flag. Returns the last index. */
    private static int group(String p, int i, StringBuilder out, JsonFields json, String field) {
        int j = i + 2;
        if (j < p.length() && (p.charAt(j) == ':' || p.charAt(j) == '=' || p.charAt(j) == '!' || p.charAt(j) == '>')) {
            out.append("(?").append(p.charAt(j));
            return j;
        }
        if (p.startsWith("<=", j) || p.startsWith("<!", j)) {
            out.append("(?").append(p, j, j + 2);
            return j + 1;
        }
        int flagsEnd = j;
        while (flagsEnd < p.length() && "imx-".indexOf(p.charAt(flagsEnd)) >= 0) {
            flagsEnd++;
        }
        if (flagsEnd == j || flagsEnd >= p.length() || (p.charAt(flagsEnd) != ':' && p.charAt(flagsEnd) != ')')) {
            throw json.error(field, "regex " + quote(p) + " uses a group form this tokenizer does not support");
        }
        String flags = p.substring(j, flagsEnd);
        if (flags.contains("m") || flags.contains("x")) {
            throw json.error(field, "regex " + quote(p) + " uses the inline flags (?" + flags
                    + "), which this tokenizer does not support");
        }
        String on = flags.contains("-") ? flags.substring(0, flags.indexOf('-')) : flags;
        if (on.contains("i")) {
            flags = flags.replaceFirst("i", "iu");
        }
        out.append("(?").append(flags).append(p.charAt(flagsEnd));
        return flagsEnd;
    }

    static String quote(String s) {
        return "'" + s.replace("\n", "\\n").replace("\r", "\\r") + "'";
    }
}

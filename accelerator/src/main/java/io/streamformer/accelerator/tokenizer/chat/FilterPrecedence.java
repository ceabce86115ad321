package io.streamformer.accelerator.tokenizer.chat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Gives jinja2's operator precedence to Jinjava by adding parentheses where the two differ:
 * <ul>
 *   <li>a filter binds tighter than any operator in jinja2 ({@code tools | length > 0} is
 *       {@code (tools|length) > 0}, {@code a and b|f} is {@code a and (b|f)}); Jinjava applies it to more of
 *       the expression on its left;</li>
 *   <li>{@code not} binds looser than comparisons in jinja2 ({@code not x == -1} is {@code not (x == -1)});
 *       Jinjava applies it to {@code x} alone.</li>
 * </ul>
 * Also rewrites the reversing slice {@code x[::-1]}, which Jinjava cannot parse, as {@code x|reverse|list}.
 */
final class FilterPrecedence {
    private FilterPrecedence() {
    }

    private record Token(String text, char kind) {
        // kind: 'i' identifier, 's' string, 'n' number, 'w' whitespace, 'p' punctuation or operator
    }

    static String apply(String expression) {
        String source = expression.contains("[::-1]")
                ? expression.replaceAll("\\[::-1]", "|reverse|list") : expression;
        if (source.indexOf('|') < 0 && !source.contains("not")) {
            return source;
        }
        List<Token> tokens = tokenize(source);
        int n = tokens.size();
        int[] match = matches(tokens);
        int[] opens = new int[n + 1];
        int[] closes = new int[n + 1];
        int coveredUntil = -1;
        for (int k = 0; k < n; k++) {
            if (!isPipe(tokens, k) || k <= coveredUntil) {
                continue;
            }
            int start = operandStart(tokens, match, k);
            if (start < 0) {
                continue;
            }
            int end = chainEnd(tokens, match, k);
            opens[start]++;
            closes[end]++;
            coveredUntil = end;
        }
        wrapNot(tokens, match, opens, closes);
        StringBuilder out = new StringBuilder(source.length() + 8);
        for (int k = 0; k < n; k++) {
            out.append("(".repeat(opens[k])).append(tokens.get(k).text()).append(")".repeat(closes[k]));
        }
        return out.toString();
    }

    private static final java.util.Set<String> COMPARISONS = java.util.Set.of("==", "!=", "<", ">", "<=", ">=", "in", "is");
    private static final java.util.Set<String> ENDS = java.util.Set.of("and", "or", "if", "else", ",", ")", "]", "}", ":");

    /** Parenthesizes what a prefix {@code not} applies to when that holds a comparison. */
    private static void wrapNot(List<Token> tokens, int[] match, int[] opens, int[] closes) {
        for (int k = 0; k < tokens.size(); k++) {
            if (!tokens.get(k).text().equals("not") || tokens.get(k).kind() != 'i') {
                continue;
            }
            int before = k - 1;
            while (before >= 0 && tokens.get(before).kind() == 'w') {
                before--;
            }
            // "x not in y" and "x is not y" are operators, not a prefix not.
            if (before >= 0 && (tokens.get(before).kind() != 'p' || tokens.get(before).text().equals(")")
                    || tokens.get(before).text().equals("]")) && !isKeyword(tokens.get(before).text())) {
                continue;
            }
            int start = skipSpace(tokens, k + 1);
            int end = -1;
            boolean comparison = false;
            for (int j = start; j < tokens.size(); j++) {
                String t = tokens.get(j).text();
                if (ENDS.contains(t) && !(t.equals(")") || t.equals("]") || t.equals("}")) || (t.equals(")")
                        || t.equals("]") || t.equals("}"))) {
                    break;
                }
                if (t.equals("(") || t.equals("[") || t.equals("{")) {
                    if (match[j] < 0) {
                        break;
                    }
                    j = match[j];
                    end = j;
                    continue;
                }
                if (COMPARISONS.contains(t)) {
                    comparison = true;
                }
                if (tokens.get(j).kind() != 'w') {
                    end = j;
                }
            }
            if (comparison && end >= start) {
                opens[start]++;
                closes[end]++;
            }
        }
    }

    private static boolean isKeyword(String t) {
        return java.util.Set.of("and", "or", "not", "if", "elif", "else", "in", "set", "do", "print", "while")
                .contains(t);
    }

    private static boolean isPipe(List<Token> tokens, int k) {
        return tokens.get(k).text().equals("|");
    }

    /** The first token of the operand a filter at {@code pipe} applies to, or -1 if there is none. */
    private static int operandStart(List<Token> tokens, int[] match, int pipe) {
        int k = pipe - 1;
        while (k >= 0 && tokens.get(k).kind() == 'w') {
            k--;
        }
        int start = -1;
        while (k >= 0) {
            Token t = tokens.get(k);
            if (t.text().equals(")") || t.text().equals("]")) {
                int open = match[k];
                if (open < 0) {
                    return -1;
                }
                start = open;
                k = open - 1;
                // A call or subscript continues to what precedes it; a bare group or list literal ends here.
                if (k < 0 || !(tokens.get(k).kind() == 'i' || tokens.get(k).text().equals(")")
                        || tokens.get(k).text().equals("]") || tokens.get(k).kind() == 's')) {
                    return start;
                }
            } else if (t.kind() == 'i' || t.kind() == 's' || t.kind() == 'n') {
                start = k;
                k--;
                if (k >= 0 && tokens.get(k).text().equals(".")) {
                    k--;
                    continue;
                }
                return start;
            } else {
                return start;
            }
        }
        return start;
    }

    /** The last token of the filter chain that starts at {@code pipe}: names, argument lists, further filters. */
    private static int chainEnd(List<Token> tokens, int[] match, int pipe) {
        int end = pipe;
        int k = pipe;
        while (k < tokens.size() && isPipe(tokens, k)) {
            k = skipSpace(tokens, k + 1);
            if (k >= tokens.size() || tokens.get(k).kind() != 'i') {
                return end;
            }
            end = k;
            int next = skipSpace(tokens, k + 1);
            if (next < tokens.size() && tokens.get(next).text().equals("(") && match[next] > next) {
                end = match[next];
                next = skipSpace(tokens, end + 1);
            }
            k = next;
        }
        return end;
    }

    private static int skipSpace(List<Token> tokens, int k) {
        while (k < tokens.size() && tokens.get(k).kind() == 'w') {
            k++;
        }
        return k;
    }

    /** For each bracket token the index of its partner, -1 elsewhere or when unbalanced. */
    private static int[] matches(List<Token> tokens) {
        int[] match = new int[tokens.size()];
        java.util.Arrays.fill(match, -1);
        Deque<Integer> open = new ArrayDeque<>();
        for (int k = 0; k < tokens.size(); k++) {
            String t = tokens.get(k).text();
            if (t.equals("(") || t.equals("[") || t.equals("{")) {
                open.push(k);
            } else if ((t.equals(")") || t.equals("]") || t.equals("}")) && !open.isEmpty()) {
                int o = open.pop();
                match[o] = k;
                match[k] = o;
            }
        }
        return match;
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int j = i + 1;
            char kind;
            if (c == '\'' || c == '"') {
                while (j < s.length() && s.charAt(j) != c) {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, s.length());
                kind = 's';
            } else if (Character.isWhitespace(c)) {
                while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                kind = 'w';
            } else if (Character.isLetter(c) || c == '_') {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                kind = 'i';
            } else if (Character.isDigit(c)) {
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.'
                        && j + 1 < s.length() && Character.isDigit(s.charAt(j + 1)))) {
                    j++;
                }
                kind = 'n';
            } else {
                kind = 'p';
                if (j < s.length() && "=!<>/*".indexOf(c) >= 0 && (s.charAt(j) == '=' || (c == '/' || c == '*')
                        && s.charAt(j) == c)) {
                    j++;
                }
            }
            out.add(new Token(s.substring(i, j), kind));
            i = j;
        }
        return out;
    }
}

package io.streamformer.accelerator.tokenizer.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts parentheses around the values of {@code namespace(name=value, ...)}: Jinjava reads
 * {@code namespace(last_query_index=messages|length - 1)} as {@code (last_query_index=messages|length) - 1},
 * and {@code namespace(interval = None)} no better; jinja2 reads the whole right side as the value.
 */
final class NamespaceArguments {
    private static final Pattern CALL = Pattern.compile("(?<![\\w.])namespace\\s*\\(");
    private static final Pattern KEYWORD = Pattern.compile("(?s)\\s*([A-Za-z_]\\w*)\\s*=(?!=)\\s*(.*?)\\s*");

    private NamespaceArguments() {
    }

    /** {@code tagInner} (the text between a tag's delimiters) with namespace() arguments parenthesized. */
    static String apply(String tagInner) {
        if (!tagInner.contains("namespace")) {
            return tagInner;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        Matcher m = CALL.matcher(tagInner);
        while (m.find(i)) {
            if (insideString(tagInner, m.start())) {
                out.append(tagInner, i, m.end());
                i = m.end();
                continue;
            }
            int close = matchingParen(tagInner, m.end());
            if (close < 0) {
                break;
            }
            out.append(tagInner, i, m.end());
            List<String> args = splitTopLevel(tagInner.substring(m.end(), close));
            List<String> rewritten = new ArrayList<>();
            for (String arg : args) {
                Matcher kw = KEYWORD.matcher(arg);
                rewritten.add(kw.matches() ? kw.group(1) + "=(" + apply(kw.group(2)) + ")" : arg);
            }
            out.append(String.join(", ", rewritten)).append(')');
            i = close + 1;
        }
        out.append(tagInner.substring(i));
        return out.toString();
    }

    private static boolean insideString(String s, int at) {
        char quote = 0;
        for (int k = 0; k < at; k++) {
            char c = s.charAt(k);
            if (quote != 0) {
                if (c == '\\') {
                    k++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            }
        }
        return quote != 0;
    }

    private static int matchingParen(String s, int from) {
        int depth = 0;
        char quote = 0;
        for (int k = from; k < s.length(); k++) {
            char c = s.charAt(k);
            if (quote != 0) {
                if (c == '\\') {
                    k++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return c == ')' ? k : -1;
                }
                depth--;
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (quote != 0) {
                if (c == '\\') {
                    k++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(start, k));
                start = k + 1;
            }
        }
        if (!s.substring(start).isBlank() || !out.isEmpty()) {
            out.add(s.substring(start));
        }
        return out;
    }
}

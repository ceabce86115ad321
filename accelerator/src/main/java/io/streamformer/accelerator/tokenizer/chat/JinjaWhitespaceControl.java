package io.streamformer.accelerator.tokenizer.chat;

/**
 * jinja2's whitespace control, applied to the template text before Jinjava sees it: a {@code -} just
 * inside a tag's delimiter ({@code {{-}, {@code -%}}, ...) removes all whitespace on that side up to the
 * neighbouring text, newlines included. Jinjava honours it on some tags only, and chat templates rely on it
 * everywhere ({@code {{- '<|im_start|>' }}}). Comments are removed here as jinja2 removes them, with
 * lstrip_blocks and trim_blocks applied to them. Text inside {@code {% raw %}} is left as it is. Tags also get
 * {@link NamespaceArguments}' and {@link FilterPrecedence}'s rewrites.
 */
final class JinjaWhitespaceControl {
    private JinjaWhitespaceControl() {
    }

    static String apply(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        boolean stripLeading = false;
        while (i < s.length()) {
            int open = nextTagStart(s, i);
            String data = s.substring(i, open < 0 ? s.length() : open);
            if (stripLeading) {
                data = stripLeft(data);
                stripLeading = false;
            }
            if (open < 0) {
                out.append(data);
                break;
            }
            char kind = s.charAt(open + 1);
            boolean trimLeft = open + 2 < s.length() && s.charAt(open + 2) == '-';
            int innerStart = open + 2 + (trimLeft ? 1 : 0);
            int close = tagEnd(s, innerStart, kind);
            if (close < 0) {
                // An unclosed tag: leave the rest for Jinjava to report.
                out.append(data).append(s, open, s.length());
                break;
            }
            boolean trimRight = close > innerStart && s.charAt(close - 1) == '-';
            String inner = s.substring(innerStart, trimRight ? close - 1 : close);
            if (kind == '{' || kind == '%') {
                inner = FilterPrecedence.apply(NamespaceArguments.apply(inner));
            }
            if (trimLeft) {
                data = stripRight(data);
            }
            if (kind == '#') {
                if (!trimLeft) {
                    data = data.substring(0, data.length() - lineIndent(out, data));
                }
                out.append(data);
                i = close + 2;
                if (trimRight) {
                    stripLeading = true;
                } else if (i < s.length() && s.charAt(i) == '\n') {
                    i++;
                }
                continue;
            }
            out.append(data);
            char closer = kind == '{' ? '}' : '%';
            out.append('{').append(kind).append(inner).append(closer).append('}');
            i = close + 2;
            stripLeading = trimRight;
            if (kind == '%' && inner.strip().equals("raw")) {
                int end = copyRaw(s, i, out, trimRight);
                stripLeading = end < 0;
                i = Math.abs(end);
            }
        }
        return out.toString();
    }

    /**
     * The length of the spaces and tabs that end {@code data} and start a line (what lstrip_blocks removes
     * before a tag), 0 when something else precedes them on their line.
     */
    private static int lineIndent(StringBuilder out, String data) {
        int k = data.length();
        while (k > 0 && (data.charAt(k - 1) == ' ' || data.charAt(k - 1) == '\t')) {
            k--;
        }
        boolean lineStart = k > 0 ? data.charAt(k - 1) == '\n' : out.isEmpty() || out.charAt(out.length() - 1) == '\n';
        return lineStart ? data.length() - k : 0;
    }

    /**
     * Copies a raw block's text verbatim up to and with its {@code {% endraw %}}; returns the index after it,
     * negated when the endraw tag asks to strip the whitespace after it.
     */
    private static int copyRaw(String s, int from, StringBuilder out, boolean trimStart) {
        java.util.regex.Matcher end = java.util.regex.Pattern.compile("\\{%(-?)\\s*endraw\\s*(-?)%\\}").matcher(s);
        if (!end.find(from)) {
            out.append(s, from, s.length());
            return s.length();
        }
        String content = s.substring(from, end.start());
        if (trimStart) {
            content = stripLeft(content);
        }
        if (!end.group(1).isEmpty()) {
            content = stripRight(content);
        }
        out.append(content).append("{% endraw %}");
        return end.group(2).isEmpty() ? end.end() : -end.end();
    }

    private static int nextTagStart(String s, int from) {
        for (int k = s.indexOf('{', from); k >= 0 && k + 1 < s.length(); k = s.indexOf('{', k + 1)) {
            char c = s.charAt(k + 1);
            if (c == '{' || c == '%' || c == '#') {
                return k;
            }
        }
        return -1;
    }

    /** The index of the tag's closing delimiter ("}}", "%}", "#}"), skipping string literals; -1 if none. */
    private static int tagEnd(String s, int from, char kind) {
        if (kind == '#') {
            return s.indexOf("#}", from);
        }
        char closer = kind == '{' ? '}' : '%';
        char quote = 0;
        for (int k = from; k + 1 < s.length(); k++) {
            char c = s.charAt(k);
            if (quote != 0) {
                if (c == '\\') {
                    k++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == closer && s.charAt(k + 1) == '}') {
                return k;
            }
        }
        return -1;
    }

    private static String stripLeft(String s) {
        int k = 0;
        while (k < s.length() && PythonStrings.isSpace(s.charAt(k))) {
            k++;
        }
        return s.substring(k);
    }

    private static String stripRight(String s) {
        int k = s.length();
        while (k > 0 && PythonStrings.isSpace(s.charAt(k - 1))) {
            k--;
        }
        return s.substring(0, k);
    }
}

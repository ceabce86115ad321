package io.streamformer.accelerator.tokenizer.chat;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, which is
 * transformers' {@code tojson} filter for chat templates (Jinjava's own writes compact JSON).
 */
final class PythonJson {
    private final String itemSeparator;
    private final String keySeparator;
    private final String indent;
    private final boolean sortKeys;

    PythonJson(Integer indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.indent = indent == null ? null : " ".repeat(indent);
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent == null ? ", " : ",";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private void write(Object value, StringBuilder out, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(pythonFloat(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n);
        } else if (value instanceof Map<?, ?> map) {
            Map<?, ?> entries = sortKeys ? new TreeMap<>(stringKeys(map)) : map;
            open(out, '{', entries.isEmpty());
            boolean first = true;
            for (Map.Entry<?, ?> e : entries.entrySet()) {
                separator(out, first, depth + 1);
                first = false;
                string(String.valueOf(e.getKey()), out);
                out.append(keySeparator);
                write(e.getValue(), out, depth + 1);
            }
            close(out, '}', entries.isEmpty(), depth);
        } else if (value instanceof Collection<?> list) {
            open(out, '[', list.isEmpty());
            boolean first = true;
            for (Object item : list) {
                separator(out, first, depth + 1);
                first = false;
                write(item, out, depth + 1);
            }
            close(out, ']', list.isEmpty(), depth);
        } else if (value instanceof Object[] array) {
            write(java.util.Arrays.asList(array), out, depth);
        } else {
            string(value.toString(), out);
        }
    }

    private static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private void open(StringBuilder out, char bracket, boolean empty) {
        out.append(bracket);
    }

    private void separator(StringBuilder out, boolean first, int depth) {
        if (!first) {
            out.append(itemSeparator);
        }
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void close(StringBuilder out, char bracket, boolean empty, int depth) {
        if (indent != null && !empty) {
            out.append('\n').append(indent.repeat(depth));
        }
        out.append(bracket);
    }

    /** A JSON string as Python writes it with ensure_ascii=False: only '"', '\\' and controls escaped. */
    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's repr of a float: shortest round-trip digits, "1.0" for integral values, "1e+16" style exponents. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return String.format("%.1f", d);
        }
        String java = Double.toString(d);
        if (!java.contains("E")) {
            return java;
        }
        String mantissa = java.substring(0, java.indexOf('E'));
        int exponent = Integer.parseInt(java.substring(java.indexOf('E') + 1));
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        if (exponent >= -4 && exponent < 16) {
            return new java.math.BigDecimal(java).toPlainString();
        }
        return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}

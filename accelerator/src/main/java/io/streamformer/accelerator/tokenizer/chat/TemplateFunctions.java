package io.streamformer.accelerator.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Map;

/**
 * What transformers adds to the Jinja environment of chat templates, for Jinjava: the globals
 * {@code raise_exception(message)} and {@code strftime_now(format)}, the {@code tojson} filter with Python's
 * JSON layout, the {@code {% generation %}} block (rendered as its body), and a {@code trim} filter with
 * Python's notion of whitespace, and {@code length} counting code points. Public only because Jinjava calls the functions by reflection.
 */
public final class TemplateFunctions {
    /** The message of the raise_exception call in the render under way on this thread, if any. */
    static final ThreadLocal<String> RAISED = new ThreadLocal<>();
    /** The clock of the render under way on this thread, for strftime_now. */
    static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private TemplateFunctions() {
    }

    /** {@code raise_exception(message)}: stops the render with the template's own message. */
    public static String raiseException(Object message) {
        String text = String.valueOf(message);
        // jinja2 stops at the first raise; Jinjava renders on, so the first message is the one kept.
        if (RAISED.get() == null) {
            RAISED.set(text);
        }
        throw new IllegalStateException(text);
    }

    /** {@code strftime_now(format)}: the local time now, formatted as Python's strftime does. */
    public static String strftimeNow(String format) {
        Clock clock = CLOCK.get();
        return strftime(format, ZonedDateTime.now(clock == null ? Clock.systemDefaultZone() : clock));
    }

    static String strftime(String format, ZonedDateTime t) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                out.append(c);
                continue;
            }
            char f = format.charAt(++i);
            boolean noPad = f == '-' && i + 1 < format.length();
            if (noPad) {
                f = format.charAt(++i);
            }
            String pad2 = noPad ? "%d" : "%02d";
            switch (f) {
                case 'd' -> out.append(String.format(pad2, t.getDayOfMonth()));
                case 'm' -> out.append(String.format(pad2, t.getMonthValue()));
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'H' -> out.append(String.format(pad2, t.getHour()));
                case 'I' -> out.append(String.format(pad2, (t.getHour() + 11) % 12 + 1));
                case 'M' -> out.append(String.format(pad2, t.getMinute()));
                case 'S' -> out.append(String.format(pad2, t.getSecond()));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'j' -> out.append(String.format(noPad ? "%d" : "%03d", t.getDayOfYear()));
                case '%' -> out.append('%');
                default -> out.append('%').append(noPad ? "-" : "").append(f);
            }
        }
        return out.toString();
    }

    /** transformers' tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False). */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 1 ? args[1] : null;
            Object separators = kwargs.get("separators");
            String item = null;
            String key = null;
            if (separators instanceof java.util.List<?> pair && pair.size() == 2) {
                item = String.valueOf(pair.get(0));
                key = String.valueOf(pair.get(1));
            }
            boolean sortKeys = Boolean.TRUE.equals(kwargs.get("sort_keys"));
            Integer spaces = indent instanceof Number n ? n.intValue() : null;
            return new PythonJson(spaces, item, key, sortKeys).dumps(var);
        }
    }

    /** jinja2's trim: Python's str.strip(), whose whitespace includes U+00A0 and U+3000. */
    static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return PythonStrings.strip(var == null ? "None" : var.toString(), chars, true, true);
        }
    }

    /** jinja2's length (and its alias count): Python's len, which counts a string's code points, not UTF-16 units. */
    static final class LengthFilter implements Filter {
        private final String name;

        LengthFilter(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return 0L;
            }
            if (var instanceof String s) {
                return (long) s.codePointCount(0, s.length());
            }
            if (var instanceof java.util.Collection<?> c) {
                return (long) c.size();
            }
            if (var instanceof Map<?, ?> m) {
                return (long) m.size();
            }
            if (var.getClass().isArray()) {
                return (long) java.lang.reflect.Array.getLength(var);
            }
            if (var instanceof Iterable<?> it) {
                long n = 0;
                for (Object ignored : it) {
                    n++;
                }
                return n;
            }
            return (long) var.toString().codePointCount(0, var.toString().length());
        }
    }

    /** {@code {% generation %}...{% endgeneration %}}: transformers marks assistant text with it; it renders its body. */
    static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                out.append(child.render(interpreter));
            }
            return out.toString();
        }
    }
}

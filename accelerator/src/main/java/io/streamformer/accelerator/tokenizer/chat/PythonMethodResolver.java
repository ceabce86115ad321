package io.streamformer.accelerator.tokenizer.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's str and dict methods for Jinjava, which otherwise offers Java's: templates written for jinja2
 * call {@code content.startswith('<think>')}, {@code content.split('</think>')[-1]},
 * {@code message.get('tool_calls', [])}. Strings and maps are what the conversation holds, so these two
 * cover what chat templates use; any other method falls through to Jinjava.
 */
final class PythonMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String s) {
            result = stringMethod(s, name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        } else {
            return null;
        }
        if (result == NOT_HANDLED) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object stringMethod(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> PythonStrings.strip(s, optionalString(args, 0), true, true);
            case "lstrip" -> PythonStrings.strip(s, optionalString(args, 0), true, false);
            case "rstrip" -> PythonStrings.strip(s, optionalString(args, 0), false, true);
            case "startswith" -> anyMatch(args, s::startsWith);
            case "endswith" -> anyMatch(args, s::endsWith);
            case "split" -> PythonStrings.split(s, optionalString(args, 0), args.length > 1 ? toInt(args[1]) : -1);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PythonStrings.title(s);
            case "capitalize" -> PythonStrings.capitalize(s);
            case "replace" -> args.length >= 2 ? s.replace(String.valueOf(args[0]), String.valueOf(args[1])) : NOT_HANDLED;
            case "find" -> args.length >= 1 ? codePointIndex(s, s.indexOf(String.valueOf(args[0]))) : NOT_HANDLED;
            case "count" -> args.length >= 1 ? count(s, String.valueOf(args[0])) : NOT_HANDLED;
            case "join" -> args.length == 1 && args[0] instanceof Collection<?> c ? join(s, c) : NOT_HANDLED;
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonStrings::isSpace);
            default -> NOT_HANDLED;
        };
    }

    private static Object mapMethod(Map<?, ?> map, String name, Object[] args) {
        return switch (name) {
            case "get" -> args.length == 2 ? (map.containsKey(args[0]) ? map.get(args[0]) : args[1]) : NOT_HANDLED;
            case "keys" -> args.length == 0 ? new ArrayList<>(map.keySet()) : NOT_HANDLED;
            case "values" -> args.length == 0 ? new ArrayList<>(map.values()) : NOT_HANDLED;
            default -> NOT_HANDLED;
        };
    }

    /** Python indexes strings by code point, Java by UTF-16 unit. */
    private static long codePointIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    private static String optionalString(Object[] args, int i) {
        return args.length > i && args[i] != null ? String.valueOf(args[i]) : null;
    }

    private static boolean anyMatch(Object[] args, java.util.function.Predicate<String> test) {
        if (args.length == 0) {
            return false;
        }
        if (args[0] instanceof Collection<?> options) {
            return options.stream().anyMatch(o -> test.test(String.valueOf(o)));
        }
        return test.test(String.valueOf(args[0]));
    }

    private static int toInt(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(o));
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1L;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Collection<?> parts) {
        List<String> strings = new ArrayList<>(parts.size());
        for (Object p : parts) {
            strings.add(String.valueOf(p));
        }
        return String.join(separator, strings);
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}

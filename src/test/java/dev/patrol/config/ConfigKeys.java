package dev.patrol.config;

import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Every configuration key of {@link PatrolConfig}, read from the mapping itself ({@code *} for map keys). */
public final class ConfigKeys {

    private ConfigKeys() {
    }

    public static TreeSet<String> all() {
        TreeSet<String> keys = new TreeSet<>();
        walk(PatrolConfig.class, "patrol", keys);
        return keys;
    }

    private static void walk(Class<?> type, String prefix, TreeSet<String> keys) {
        for (Method m : type.getDeclaredMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers()))
                continue;
            String key = prefix + "." + kebab(m.getName());
            Type t = m.getGenericReturnType();
            if (m.getReturnType() == Map.class) {
                Type value = ((ParameterizedType) t).getActualTypeArguments()[1];
                if (value instanceof Class<?> c && c.isInterface())
                    walk(c, key + ".*", keys);
                else
                    keys.add(key + ".*");
            } else if (m.getReturnType().isInterface() && m.getReturnType().getName().startsWith("dev.patrol")) {
                walk(m.getReturnType(), key, keys);
            } else {
                keys.add(key);
            }
        }
    }

    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether a concrete key (map keys filled in) is one of these patterns. */
    public static boolean known(TreeSet<String> patterns, String key) {
        for (String p : patterns) {
            if (key.matches(Pattern.quote(p).replace("*", "\\E[^.]+\\Q")))
                return true;
        }
        return false;
    }

    /** The keys the README's configuration table documents ({@code `a.b.c` / `.d`} expands to a.b.c and a.b.d). */
    public static TreeSet<String> documented(String readme) {
        TreeSet<String> keys = new TreeSet<>();
        int start = readme.indexOf("### Configuration");
        int end = readme.indexOf("\n##", start + 5);
        readme = readme.substring(start, end < 0 ? readme.length() : end);
        Matcher row = Pattern.compile("(?m)^\\| (`patrol\\.[^|]*)\\|").matcher(readme);
        while (row.find()) {
            String first = null;
            Matcher k = Pattern.compile("`([^`]+)`").matcher(row.group(1));
            while (k.find()) {
                String key = k.group(1).replaceAll("<[^>]+>", "*");
                if (key.startsWith("patrol.")) {
                    first = key;
                    keys.add(key);
                } else if (key.startsWith(".") && first != null) {
                    keys.add(first.substring(0, first.lastIndexOf('.')) + key);
                }
            }
        }
        return keys;
    }
}

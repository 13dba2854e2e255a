package dev.patrol.devservices.snowflake;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An operator's SQL script as the Snowflake CLI runs it ({@code snow sql -f file -D name=value}):
 * {@code <% name %>} placeholders are replaced by the given values, then the text is split into
 * statements at semicolons outside strings, quoted identifiers and comments.
 */
public final class SqlScript {

    private static final Pattern PLACEHOLDER = Pattern.compile("<%\\s*([A-Za-z_][A-Za-z0-9_.]*)\\s*%>");

    private SqlScript() {
    }

    /** Replaces every placeholder; a placeholder without a value is an error, as in the Snowflake CLI. */
    public static String render(String template, Map<String, String> variables) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null)
                throw new IllegalArgumentException("SQL template variable '" + m.group(1) + "' has no value");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The statements of a script, each without its terminating semicolon; comment-only pieces are dropped. */
    public static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean meaningful = false;
        int i = 0, n = script.length();
        while (i < n) {
            char c = script.charAt(i);
            if (c == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                end = end < 0 ? n : end;
                current.append(script, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && script.charAt(i + 1) == '*') {
                int end = script.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                current.append(script, i, end);
                i = end;
            } else if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n) {
                    char d = script.charAt(j);
                    if (d == '\\' && c == '\'' && j + 1 < n) {
                        j += 2;
                        continue;
                    }
                    if (d == c) {
                        if (j + 1 < n && script.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                j = Math.min(j + 1, n);
                current.append(script, i, j);
                meaningful = true;
                i = j;
            } else if (c == ';') {
                if (meaningful)
                    out.add(current.toString().trim());
                current.setLength(0);
                meaningful = false;
                i++;
            } else {
                if (!Character.isWhitespace(c))
                    meaningful = true;
                current.append(c);
                i++;
            }
        }
        if (meaningful)
            out.add(current.toString().trim());
        return out;
    }
}

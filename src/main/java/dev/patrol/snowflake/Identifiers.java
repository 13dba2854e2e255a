package dev.patrol.snowflake;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Snowflake identifiers patrol puts into SQL. Only plain identifiers are accepted (letters, digits,
 * {@code _} and {@code $}, starting with a letter or {@code _}), normalised to upper case, and
 * always emitted double-quoted, so no input can change a statement's meaning.
 */
public final class Identifiers {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,254}");

    private Identifiers() {
    }

    public static boolean isValid(String identifier) {
        return identifier != null && PLAIN.matcher(identifier).matches();
    }

    /** The identifier as Snowflake stores an unquoted one (upper case); rejects anything else. */
    public static String normalize(String identifier) {
        if (!isValid(identifier)) {
            throw new IllegalArgumentException("not a plain Snowflake identifier: '" + printable(identifier)
                    + "' (letters, digits, _ and $, starting with a letter or _, at most 255 characters)");
        }
        return identifier.toUpperCase(Locale.ROOT);
    }

    /** The identifier, validated and double-quoted, ready for SQL. */
    public static String quoted(String identifier) {
        return "\"" + normalize(identifier) + "\"";
    }

    /** A single-quoted SQL string literal; patrol only passes its own comment texts through it. */
    static String literal(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static String printable(String s) {
        if (s == null)
            return "null";
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}

package dev.patrol.devservices.snowflake;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Tokens of one SQL statement and a cursor over them, with Snowflake's identifier rules: unquoted
 * identifiers are upper-cased, double-quoted ones are kept as written ({@code ""} escapes a quote).
 * Keywords are unquoted identifiers compared case-insensitively, so {@code alter user} and
 * {@code ALTER USER} are the same statement. Comments ({@code --}, {@code //}, {@code /* *}{@code /})
 * are skipped, which matters because the JDBC driver prefixes some statements with a comment.
 */
final class SqlCursor {

    enum Kind {
        WORD,
        QUOTED,
        STRING,
        NUMBER,
        SYMBOL,
        END
    }

    record Token(Kind kind, String text, int line, int column) {
        /** The identifier this token names, after Snowflake's case rules. */
        String identifier() {
            return kind == Kind.WORD ? text.toUpperCase(Locale.ROOT) : text;
        }
    }

    /** A possibly qualified object name ({@code db.schema.name}); parts not given are null. */
    record Name(String database, String schema, String name) {
        String display() {
            StringBuilder b = new StringBuilder();
            if (database != null)
                b.append(database).append('.');
            if (schema != null)
                b.append(schema).append('.');
            return b.append(name).toString();
        }
    }

    private final List<Token> tokens;
    private int pos;

    SqlCursor(String sql) {
        this.tokens = tokenize(sql);
    }

    // --- reading ---

    Token peek() {
        return tokens.get(pos);
    }

    Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    boolean atEnd() {
        int p = pos;
        while (tokens.get(p).kind == Kind.SYMBOL && tokens.get(p).text.equals(";"))
            p++;
        return tokens.get(p).kind == Kind.END;
    }

    /** True when the next tokens are exactly these unquoted keywords (case-insensitive). */
    boolean at(String... words) {
        for (int i = 0; i < words.length; i++) {
            Token t = peek(i);
            if (t.kind != Kind.WORD || !t.text.equalsIgnoreCase(words[i]))
                return false;
        }
        return true;
    }

    boolean atSymbol(String symbol) {
        Token t = peek();
        return t.kind == Kind.SYMBOL && t.text.equals(symbol);
    }

    boolean accept(String... words) {
        if (!at(words))
            return false;
        pos += words.length;
        return true;
    }

    boolean acceptSymbol(String symbol) {
        if (!atSymbol(symbol))
            return false;
        pos++;
        return true;
    }

    void expect(String... words) {
        for (String w : words) {
            if (!accept(w))
                throw unexpected();
        }
    }

    void expectSymbol(String symbol) {
        if (!acceptSymbol(symbol))
            throw unexpected();
    }

    /** Accepts the first matching keyword of the given alternatives and returns it upper-cased. */
    String oneOf(String... words) {
        for (String w : words) {
            if (accept(w))
                return w.toUpperCase(Locale.ROOT);
        }
        throw unexpected();
    }

    String identifier() {
        Token t = peek();
        if (t.kind != Kind.WORD && t.kind != Kind.QUOTED)
            throw unexpected();
        pos++;
        return t.identifier();
    }

    Name qualifiedName() {
        List<String> parts = new ArrayList<>();
        parts.add(identifier());
        while (parts.size() < 3 && acceptSymbol("."))
            parts.add(identifier());
        return switch (parts.size()) {
            case 1 -> new Name(null, null, parts.get(0));
            case 2 -> new Name(null, parts.get(0), parts.get(1));
            default -> new Name(parts.get(0), parts.get(1), parts.get(2));
        };
    }

    String string() {
        Token t = peek();
        if (t.kind != Kind.STRING)
            throw unexpected();
        pos++;
        return t.text;
    }

    boolean atString() {
        return peek().kind == Kind.STRING;
    }

    /** A name given either as a string literal or as an identifier (e.g. {@code ROLE_RESTRICTION}). */
    String stringOrIdentifier() {
        return atString() ? string() : identifier();
    }

    long integer() {
        boolean negative = acceptSymbol("-");
        Token t = peek();
        if (t.kind != Kind.NUMBER || t.text.contains("."))
            throw unexpected();
        pos++;
        try {
            long v = Long.parseLong(t.text);
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw SnowflakeError.invalidValue("Numeric value '" + t.text + "' is out of range");
        }
    }

    boolean bool() {
        Token t = peek();
        String v = t.kind == Kind.WORD || t.kind == Kind.STRING ? t.text.toUpperCase(Locale.ROOT) : "";
        if (v.equals("TRUE")) {
            pos++;
            return true;
        }
        if (v.equals("FALSE")) {
            pos++;
            return false;
        }
        throw unexpected();
    }

    /** {@code ( 'a', 'b' )} or {@code ( a, b )}; empty parentheses give an empty list. */
    List<String> list() {
        expectSymbol("(");
        List<String> items = new ArrayList<>();
        if (acceptSymbol(")"))
            return items;
        do {
            items.add(stringOrIdentifier());
        } while (acceptSymbol(","));
        expectSymbol(")");
        return items;
    }

    void expectEnd() {
        while (acceptSymbol(";")) {
            if (peek().kind != Kind.END)
                throw SnowflakeError.statementCount(2);
        }
        if (peek().kind != Kind.END)
            throw unexpected();
    }

    SnowflakeError unexpected() {
        Token t = peek();
        if (t.kind == Kind.END)
            return SnowflakeError.syntaxAtEnd();
        String text = t.kind == Kind.STRING ? "'" + t.text + "'" : t.text;
        return SnowflakeError.syntax(text, t.line, t.column);
    }

    // --- lexing ---

    private static List<Token> tokenize(String sql) {
        List<Token> out = new ArrayList<>();
        int i = 0, line = 1, lineStart = 0, n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            int col = i - lineStart;
            if (c == '\n') {
                i++;
                line++;
                lineStart = i;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if ((c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') || (c == '/' && i + 1 < n && sql.charAt(i + 1) == '/')) {
                while (i < n && sql.charAt(i) != '\n')
                    i++;
                continue;
            }
            if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0)
                    throw SnowflakeError.syntaxAtEnd();
                for (int k = i; k < end; k++)
                    if (sql.charAt(k) == '\n') {
                        line++;
                        lineStart = k + 1;
                    }
                i = end + 2;
                continue;
            }
            if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_' || sql.charAt(i) == '$'))
                    i++;
                out.add(new Token(Kind.WORD, sql.substring(start, i), line, col));
                continue;
            }
            if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isDigit(sql.charAt(i)) || sql.charAt(i) == '.'))
                    i++;
                out.add(new Token(Kind.NUMBER, sql.substring(start, i), line, col));
                continue;
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n)
                        throw SnowflakeError.syntaxAtEnd();
                    char d = sql.charAt(i);
                    if (d == '"') {
                        if (i + 1 < n && sql.charAt(i + 1) == '"') {
                            b.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    b.append(d);
                    i++;
                }
                if (b.length() == 0)
                    throw SnowflakeError.syntax("\"\"", line, col);
                out.add(new Token(Kind.QUOTED, b.toString(), line, col));
                continue;
            }
            if (c == '\'') {
                StringBuilder b = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n)
                        throw SnowflakeError.syntaxAtEnd();
                    char d = sql.charAt(i);
                    if (d == '\'') {
                        if (i + 1 < n && sql.charAt(i + 1) == '\'') {
                            b.append('\'');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < n) {
                        char e = sql.charAt(i + 1);
                        b.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            case 'r' -> '\r';
                            case '0' -> '\0';
                            default -> e;
                        });
                        i += 2;
                        continue;
                    }
                    b.append(d);
                    i++;
                }
                out.add(new Token(Kind.STRING, b.toString(), line, col));
                continue;
            }
            if (c == '$' && i + 1 < n && sql.charAt(i + 1) == '$') {
                int end = sql.indexOf("$$", i + 2);
                if (end < 0)
                    throw SnowflakeError.syntaxAtEnd();
                out.add(new Token(Kind.STRING, sql.substring(i + 2, end), line, col));
                i = end + 2;
                continue;
            }
            out.add(new Token(Kind.SYMBOL, String.valueOf(c), line, col));
            i++;
        }
        out.add(new Token(Kind.END, "", line, n - lineStart));
        return out;
    }
}

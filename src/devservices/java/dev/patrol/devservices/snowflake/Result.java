package dev.patrol.devservices.snowflake;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A statement's answer as the wire protocol carries it: typed columns and rows of strings (every
 * cell is a JSON string or null, protocol spec §4.2), plus the statement type id the driver uses to
 * decide whether {@code execute()} yields a result set.
 */
final class Result {

    static final long SELECT = 0x1000;
    static final long ALTER_SESSION = 0x4100;
    static final long USE = 0x4300;
    static final long USE_DATABASE = 0x4301;
    static final long USE_SCHEMA = 0x4302;
    static final long USE_WAREHOUSE = 0x4303;
    static final long SHOW = 0x4400;
    static final long DESCRIBE = 0x4500;
    static final long TCL = 0x5000;
    static final long DDL = 0x6000;
    static final long ALTER_USER_MANAGE_PATS = 0x6244;

    enum Type {
        TEXT,
        FIXED,
        BOOLEAN,
        TIMESTAMP_LTZ
    }

    record Column(String name, Type type) {
    }

    final long statementTypeId;
    final List<Column> columns = new ArrayList<>();
    final List<List<String>> rows = new ArrayList<>();

    Result(long statementTypeId) {
        this.statementTypeId = statementTypeId;
    }

    static Result status(long statementTypeId, String message) {
        return new Result(statementTypeId).text("status").row(message);
    }

    Result text(String... names) {
        for (String n : names)
            columns.add(new Column(n, Type.TEXT));
        return this;
    }

    Result column(String name, Type type) {
        columns.add(new Column(name, type));
        return this;
    }

    Result row(String... cells) {
        if (cells.length != columns.size())
            throw new IllegalStateException("row width " + cells.length + " != " + columns.size());
        rows.add(Arrays.asList(cells));
        return this;
    }

    /** TIMESTAMP_LTZ cells are epoch seconds with nine fraction digits. */
    static String timestamp(Instant t) {
        if (t == null)
            return null;
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    static String number(Number n) {
        return n == null ? null : n.toString();
    }

    static String bool(boolean b) {
        return b ? "true" : "false";
    }
}

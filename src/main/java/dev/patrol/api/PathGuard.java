package dev.patrol.api;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses, before any routing, request paths that a proxy, a log and patrol's router could read
 * as different resources: matrix parameters ({@code ;}, which JAX-RS drops, so
 * {@code /connections/a;b/token} would act on {@code a}), empty segments ({@code //}), dot segments
 * ({@code .}, {@code ..}, also percent-encoded in any case) and encoded slashes or backslashes.
 * Vert.x and JAX-RS normalise these before a JAX-RS filter sees them, so the check runs as a
 * Vert.x filter on the raw request target, for every path ({@code /api/} and {@code /q/} alike).
 * The answer is 404 with a problem document, as for any path that names nothing.
 */
@ApplicationScoped
public class PathGuard {

    /** Ahead of every other filter and route. */
    static final int PRIORITY = 100_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    void register(@Observes Filters filters) {
        filters.register(this::check, PRIORITY);
    }

    void check(RoutingContext rc) {
        if (refused(rawPath(rc.request().uri()))) {
            String requestId = RequestIds.of(rc);
            String body;
            try {
                body = JSON.writeValueAsString(Problem.of(404, "Not found",
                        "No such resource: paths with matrix parameters, empty or dot segments, or encoded slashes are refused.",
                        requestId));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            rc.response().setStatusCode(404).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("X-Request-Id", requestId)
                    .putHeader("Cache-Control", "no-store").end(body);
            return;
        }
        rc.next();
    }

    /**
     * The path of a request target as sent: origin form, or the path of an absolute-form target; no query (a raw {@code #} is
     * refused, not cut).
     */
    static String rawPath(String target) {
        if (target == null)
            return "";
        String t = target;
        int scheme = t.indexOf("://");
        if (!t.startsWith("/") && scheme > 0) {
            int slash = t.indexOf('/', scheme + 3);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        // Up to '?' only, as Vert.x reads it: a raw '#' ends nothing for its router, so it must not end the check either.
        int q = t.indexOf('?');
        return q < 0 ? t : t.substring(0, q);
    }

    static boolean refused(String rawPath) {
        String p = rawPath.toLowerCase(Locale.ROOT);
        if (p.contains(";") || p.contains("%3b"))
            return true;
        if (p.contains("#"))
            return true;
        if (p.contains("%2f") || p.contains("%5c") || p.contains("\\"))
            return true;
        if (p.contains("//"))
            return true;
        for (String segment : p.split("/", -1)) {
            String s = segment.replace("%2e", ".");
            if (s.equals(".") || s.equals(".."))
                return true;
        }
        return false;
    }
}

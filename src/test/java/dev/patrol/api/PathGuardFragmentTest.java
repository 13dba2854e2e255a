package dev.patrol.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Vert.x takes a request's path up to {@code ?} only ({@code HttpUtils.parsePath}); a raw {@code #}
 * is no terminator to it, and its router then removes dot segments. The guard cut the path at
 * {@code #} as well, so {@code /api/v1/connections/x#/../analyst_cli;x=1/token} passed the guard
 * (it looked at {@code /api/v1/connections/x}) and was routed to {@code analyst_cli;x=1}: every
 * refusal of the guard was bypassed by one character. A client never sends a fragment.
 */
class PathGuardFragmentTest {

    @Test
    void theGuardReadsThePathAsVertxDoesAndRefusesAFragment() {
        String target = "/api/v1/connections/x#/../analyst_cli;x=1/token";
        assertEquals("/api/v1/connections/x#/../analyst_cli;x=1/token", PathGuard.rawPath(target),
                "the path as Vert.x routes it");
        assertTrue(PathGuard.refused(PathGuard.rawPath(target)));
        assertTrue(PathGuard.refused(PathGuard.rawPath("/api/v1/connections/analyst_cli/token#x")));
        assertEquals("/api/v1/x", PathGuard.rawPath("/api/v1/x?a=1;b=2#f"), "a query still ends the path");
    }
}

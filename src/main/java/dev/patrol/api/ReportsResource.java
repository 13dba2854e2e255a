package dev.patrol.api;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.patrol.drift.DriftDetector;
import dev.patrol.drift.PostureChecker;
import dev.patrol.vault.VaultPaths;

/** Drift and posture reports. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "reports", description = "Drift and posture")
public class ReportsResource {

    /**
     * How long a report waits for an account, below the usual proxy timeouts: an account that has not answered by then
     * is reported as still running, and the others are not held up by it.
     */
    static final Duration REPORT_WAIT = Duration.ofSeconds(20);

    public record DriftReport(@JsonProperty("scanned_at") String scannedAt, List<DriftDetector.Finding> findings) {
    }

    public record PostureReport(@JsonProperty("checked_at") String checkedAt, long failing, List<PostureChecker.Check> checks) {
    }

    @Inject
    ApiSupport api;
    @Inject
    DriftDetector drift;
    @Inject
    PostureChecker posture;

    @GET
    @Path("/drift")
    @Operation(summary = "Drift report", description = "Scans the registered users now: tokens patrol did not make, tokens "
            + "without a role restriction or restricted to another role, users at or near the 15-token limit, users no longer "
            + "TYPE=SERVICE or holding other roles; with the action taken per finding. An account that has not answered "
            + "within 20 s is reported as still running (scan-failed). Needs 'read' on patrol/reports.")
    @APIResponse(responseCode = "200", description = "The findings")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Vault or Snowflake unavailable")
    public DriftReport drift(@Context HttpHeaders headers) {
        Callers.Caller caller = api.require(headers, VaultPaths.REPORTS, "read");
        DriftDetector.Report r = drift.scan(REPORT_WAIT);
        api.audit(caller, "drift", "*", "success", r.findings().size() + " findings");
        return new DriftReport(r.scannedAt().toString(), r.findings());
    }

    @GET
    @Path("/posture")
    @Operation(summary = "Posture report", description = "The account settings the pattern rests on: person users cannot "
            + "use PATs, service users need a role restriction, network-policy evaluation is enforced, each CLI user is a "
            + "service user with one role and a network policy. Each check with its evidence (statement, value seen) and "
            + "the SQL that fixes it. An account that has not answered within 20 s is reported as still running (UNKNOWN). "
            + "Needs 'read' on patrol/reports.")
    @APIResponse(responseCode = "200", description = "The checks (PASS, FAIL or UNKNOWN each)")
    @APIResponse(responseCode = "401", description = "No valid Vault token")
    @APIResponse(responseCode = "403", description = "The token lacks the capability")
    @APIResponse(responseCode = "503", description = "Snowflake unavailable")
    public PostureReport posture(@Context HttpHeaders headers) {
        Callers.Caller caller = api.require(headers, VaultPaths.REPORTS, "read");
        PostureChecker.Report r = posture.check(REPORT_WAIT);
        api.audit(caller, "posture", "*", "success", r.failures() + " failing");
        return new PostureReport(r.checkedAt().toString(), r.failures(), r.checks());
    }
}

package dev.patrol.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.patrol.snowflake.SnowflakeException;
import dev.patrol.vault.VaultClientException;
import io.quarkus.logging.Log;

/**
 * Every error leaves patrol as {@code application/problem+json}: patrol's own refusals, the
 * framework's (unknown path, wrong method or media type), and failures of Vault or Snowflake
 * (503, with the operation but never Vault's or Snowflake's raw answer). Never a stack trace.
 */
public class ProblemMappers {

    @jakarta.inject.Inject
    RequestIds requestIds;

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response r = problem(e.status, e.title, e.getMessage());
        return e.retryAfter > 0 ? Response.fromResponse(r).header("Retry-After", e.retryAfter).build() : r;
    }

    @ServerExceptionMapper
    public Response busy(dev.patrol.incident.IncidentResponse.Busy e) {
        return Response.fromResponse(problem(409, "Conflict", e.getMessage() + "; retry in a moment."))
                .header("Retry-After", RotationResource.RETRY_AFTER_SECONDS).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        String title = switch (status) {
            case 400 -> "Bad request";
            case 404 -> "Not found";
            case 405 -> "Method not allowed";
            case 406 -> "Not acceptable";
            case 413 -> "Payload too large";
            case 415 -> "Unsupported media type";
            default -> status >= 500 ? "Internal error" : "Request refused";
        };
        String detail = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed on this resource.";
            case 406 -> "patrol answers application/json (and application/toml for a token).";
            case 415 -> "Send application/json.";
            case 400 -> "The request is malformed.";
            default -> null;
        };
        Response r = problem(status >= 500 ? 500 : status, title, detail);
        if (status == 405 && e.getResponse() != null && e.getResponse().getHeaderString("Allow") != null) {
            return Response.fromResponse(r).header("Allow", e.getResponse().getHeaderString("Allow")).build();
        }
        return r;
    }

    @ServerExceptionMapper
    public Response vault(VaultClientException e) {
        Log.warnf("Vault call failed: %s", e.getMessage());
        return problem(503, "Vault unavailable", "Vault could not complete " + e.operation() + " (status " + e.status() + ").");
    }

    @ServerExceptionMapper
    public Response snowflake(SnowflakeException e) {
        Log.warnf("Snowflake call failed: %s", e.getMessage());
        return problem(e.transientFailure() ? 503 : 502, "Snowflake failed", "Snowflake could not complete " + e.operation()
                + (e.code() != 0 ? " (code " + e.code() + ")" : "") + ".");
    }

    @ServerExceptionMapper
    public Response validation(dev.patrol.rotation.RotationEngine.ValidationFailed e) {
        Log.warnf("A new secret failed validation: %s", e.getMessage());
        return problem(502, "Rotation failed", e.getMessage() + "; the previous secret stays in place.");
    }

    @ServerExceptionMapper
    public Response tokenLimit(dev.patrol.rotation.RotationEngine.TokenLimitReached e) {
        return problem(409, "Token limit reached", e.getMessage() + ".");
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        Log.errorf("Unexpected failure (%s)", e.getClass().getName());
        return problem(500, "Internal error", "patrol failed unexpectedly; see its log for the request id.");
    }

    Response problem(int status, String title, String detail) {
        String requestId = requestIds.current();
        return Response.status(status).type(Problem.MEDIA_TYPE).header("X-Request-Id", requestId)
                .header("Cache-Control", "no-store").entity(Problem.of(status, title, detail, requestId)).build();
    }
}

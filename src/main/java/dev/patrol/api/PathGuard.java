package dev.patrol.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses API paths with matrix parameters ({@code ;}): JAX-RS would drop them silently, so
 * {@code /connections/a;b} would act on {@code a} while a proxy or log sees another name.
 */
public class PathGuard {

    @ServerRequestFilter(preMatching = true)
    public void refuseMatrixParameters(ContainerRequestContext request) {
        String raw = request.getUriInfo().getRequestUri().getRawPath();
        if (raw.startsWith("/api/") && (raw.contains(";") || raw.toLowerCase(java.util.Locale.ROOT).contains("%3b"))) {
            throw ApiException.notFound("No such resource: API paths take no matrix parameters.");
        }
    }
}

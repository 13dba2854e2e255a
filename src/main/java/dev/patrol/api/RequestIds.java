package dev.patrol.api;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A request id per API request, kept on the Vert.x routing context (the request may change threads),
 * echoed in {@code X-Request-Id}, and written into every problem and audit event.
 */
@ApplicationScoped
public class RequestIds {

    private static final String KEY = "patrol.request-id";

    @Inject
    CurrentVertxRequest request;

    public String current() {
        RoutingContext rc = request.getCurrent();
        if (rc == null)
            return "none";
        return of(rc);
    }

    /** The request's id, made on first use (also before routing, see {@link PathGuard}). */
    static String of(RoutingContext rc) {
        String id = rc.get(KEY);
        if (id == null) {
            id = UUID.randomUUID().toString();
            rc.put(KEY, id);
        }
        return id;
    }

    @ServerResponseFilter
    public void echo(ContainerResponseContext response) {
        response.getHeaders().putSingle("X-Request-Id", current());
    }
}

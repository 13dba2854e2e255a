package dev.patrol.api;

/** A request patrol refuses, with the HTTP status, a short title and a detail safe to show the caller. */
public final class ApiException extends RuntimeException {

    final int status;
    final String title;
    /** Seconds a client should wait before retrying (409 while a change is in flight); 0 for none. */
    int retryAfter;

    ApiException(int status, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
    }

    ApiException retryAfter(int seconds) {
        this.retryAfter = seconds;
        return this;
    }

    static ApiException unauthorized(String detail) {
        return new ApiException(401, "Not authenticated", detail);
    }

    static ApiException forbidden(String detail) {
        return new ApiException(403, "Forbidden", detail);
    }

    static ApiException notFound(String detail) {
        return new ApiException(404, "Not found", detail);
    }

    static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad request", detail);
    }

    static ApiException locked(String detail) {
        return new ApiException(423, "Connection suspended", detail);
    }

    static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail);
    }

    static ApiException unavailable(String detail) {
        return new ApiException(503, "Unavailable", detail);
    }
}

package dev.patrol.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An RFC 9457 problem document ({@code application/problem+json}). {@code detail} is written by
 * patrol for the caller: never a secret, never a stack trace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, @JsonProperty("request_id") String requestId) {

    public static final String MEDIA_TYPE = "application/problem+json";

    static Problem of(int status, String title, String detail, String requestId) {
        return new Problem("https://patrol.dev/problems/" + slug(title), title, status, detail, requestId);
    }

    private static String slug(String title) {
        return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    }
}

package dev.patrol.vault;

import java.util.List;

import dev.patrol.PatrolException;

/**
 * A failed Vault call: which operation, on which path, the HTTP status (-1 when Vault could not be
 * reached) and Vault's own error strings. Messages are built from those alone, so a secret that was
 * being written never ends up in one.
 */
public class VaultClientException extends PatrolException {

    private final String operation;
    private final String path;
    private final int status;

    public VaultClientException(String operation, String path, int status, List<String> errors, Throwable cause) {
        super(message(operation, path, status, errors), cause);
        this.operation = operation;
        this.path = path;
        this.status = status;
    }

    private static String message(String operation, String path, int status, List<String> errors) {
        String what = status < 0 ? "Vault unreachable" : "HTTP " + status;
        String detail = errors.isEmpty() ? "" : ": " + String.join("; ", errors).replaceAll("\\s+", " ").trim();
        return "Vault " + operation + " " + path + " failed (" + what + ")" + detail;
    }

    public String operation() {
        return operation;
    }

    public String path() {
        return path;
    }

    /** The HTTP status, or -1 when Vault could not be reached at all. */
    public int status() {
        return status;
    }

    /** 403: the token is invalid or lacks the capability. */
    public boolean denied() {
        return status == 403;
    }

    /** Vault could not be reached, is sealed, or failed internally: worth retrying later. */
    public boolean unavailable() {
        return status < 0 || status >= 500 || status == 429 || status == 412;
    }
}

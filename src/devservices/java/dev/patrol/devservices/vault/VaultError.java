package dev.patrol.devservices.vault;

import java.util.List;

/** An HTTP error answer in Vault's shape: a status and {@code {"errors": [...]}}. */
final class VaultError extends RuntimeException {

    static final String DENIED = "1 error occurred:\n\t* permission denied\n\n";

    final int status;
    final List<String> errors;

    VaultError(int status, List<String> errors) {
        super(status + " " + errors, null, false, false);
        this.status = status;
        this.errors = errors;
    }

    static VaultError badRequest(String message) {
        return new VaultError(400, List.of(message));
    }

    /** A missing, unknown or expired token. */
    static VaultError badToken() {
        return new VaultError(403, List.of("permission denied"));
    }

    /** An ACL denial. */
    static VaultError denied() {
        return new VaultError(403, List.of(DENIED));
    }

    static VaultError notFound() {
        return new VaultError(404, List.of());
    }

    static VaultError unsupported() {
        return new VaultError(405, List.of("1 error occurred:\n\t* unsupported operation\n\n"));
    }

    static VaultError noRoute(String path) {
        return new VaultError(404, List.of("no handler for route \"" + path + "\". route entry not found."));
    }
}

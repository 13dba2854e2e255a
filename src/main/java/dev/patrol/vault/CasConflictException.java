package dev.patrol.vault;

import java.util.List;

/** A check-and-set write lost: the record changed since it was read (Vault answered 400). */
public final class CasConflictException extends VaultClientException {

    private final long expectedVersion;

    public CasConflictException(String path, long expectedVersion, List<String> errors) {
        super("write", path, 400, errors, null);
        this.expectedVersion = expectedVersion;
    }

    public long expectedVersion() {
        return expectedVersion;
    }
}

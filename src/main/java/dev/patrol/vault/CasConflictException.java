package dev.patrol.vault;

import java.util.List;

/** A check-and-set write lost: the record changed since it was read (Vault answered 400). */
public final class CasConflictException extends VaultClientException {

    public CasConflictException(String path, List<String> errors) {
        super("write", path, 400, errors, null);
    }
}

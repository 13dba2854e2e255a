package dev.patrol.vault;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * patrol's state in Vault: one token record per connection with its version history,
 * and small per-connection state documents (suspension, rotation intent) and the sweep lock, every
 * write guarded by check-and-set. Versions count from 1; an expected version of 0 means "create only".
 */
public interface SecretStore {

    /** The current record, or empty when none was written or the latest version was deleted or destroyed. */
    Optional<Versioned<TokenRecord>> current(String connection);

    /** A past version, or empty when it was trimmed, deleted or destroyed. */
    Optional<Versioned<TokenRecord>> version(String connection, long version);

    /** The record's current version number (0 when there is none), whether or not its data is readable. */
    long currentVersion(String connection);

    /** Writes a new version if the current one is {@code expectedVersion}; returns the new version. */
    long write(String connection, TokenRecord record, long expectedVersion) throws CasConflictException;

    /** Destroys every version's data for good; the metadata (and so the audit trail of versions) stays. */
    void destroyAll(String connection);

    /** A state document ({@code <path-prefix>-state/<name>}), or empty. */
    Optional<Versioned<Map<String, String>>> state(String name);

    /** Writes a state document with check-and-set; returns the new version. */
    long writeState(String name, Map<String, String> state, long expectedVersion) throws CasConflictException;

    /** Connections that have a record (any version), sorted. */
    List<String> connections();

    /**
     * The record's versions from its metadata, oldest first (only those Vault still keeps, see
     * {@code max_versions}); empty when there is no record. Stores without version metadata list none.
     */
    default List<VersionInfo> versions(String connection) {
        return List.of();
    }

    /** A state document's versions from its metadata, oldest first; empty when there is none. */
    default List<VersionInfo> stateVersions(String name) {
        return List.of();
    }

    /** A past version of a state document, or empty when it was trimmed, deleted or destroyed. */
    default Optional<Versioned<Map<String, String>>> stateVersion(String name, long version) {
        return Optional.empty();
    }
}

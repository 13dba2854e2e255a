package dev.patrol.vault;

import java.time.Instant;

/**
 * One version of a KV v2 key as its metadata lists it: when it was written and whether its data was
 * deleted or destroyed since. Metadata outlives destroyed data, so a revoked record's history stays.
 */
public record VersionInfo(long version, Instant createdTime, Instant deletionTime, boolean destroyed) {

    /** False when the data can no longer be read (soft-deleted or destroyed). */
    public boolean readable() {
        return !destroyed && deletionTime == null;
    }
}

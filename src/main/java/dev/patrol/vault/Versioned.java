package dev.patrol.vault;

import java.time.Instant;

/** A value read from KV v2 with the version it was read at (the check-and-set token for the next write). */
public record Versioned<T>(T value, long version, Instant createdTime) {
}

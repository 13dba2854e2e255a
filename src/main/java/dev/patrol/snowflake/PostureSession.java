package dev.patrol.snowflake;

/**
 * The sessions posture checks run in, and their role: the rotator's own, or another role of the
 * rotator's user ({@code patrol.posture.role}) when reading the account's settings needs more.
 */
public record PostureSession(SnowflakeAdmin admin, String role) {
}

package dev.patrol.rotation;

/** Keys of a connection's state document in Vault besides the intent ({@link Intent}). */
public final class State {

    public static final String SUSPENDED = "suspended";
    public static final String SUSPENDED_REASON = "suspended_reason";
    public static final String BLOCKED_REASON = "blocked_reason";
    public static final String BLOCKED_AT = "blocked_at";

    private State() {
    }
}

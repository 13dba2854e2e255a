package dev.patrol;

/**
 * patrol's own failures. Their messages are built only from names, codes and statuses, never from a
 * secret, so they are safe to log, audit and return in an error body as they are.
 */
public class PatrolException extends RuntimeException {

    protected PatrolException(String message) {
        super(message);
    }

    protected PatrolException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A message safe to show: patrol's own as it is; for anything else only its type, since a
     * library's message may quote what it was given.
     */
    public static String safeMessage(Throwable e) {
        return e instanceof PatrolException ? e.getMessage() : e.getClass().getSimpleName();
    }
}

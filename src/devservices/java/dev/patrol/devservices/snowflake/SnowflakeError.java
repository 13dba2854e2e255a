package dev.patrol.devservices.snowflake;

/**
 * A Snowflake-level failure as the emulator reports it: the error code, SQLSTATE and message that
 * go into the response envelope. Login and SQL errors share this type.
 *
 * <p>
 * Where {@code snowflake-pat.md} or {@code snowflake-jdbc-protocol.md} give a code, it is used.
 * Codes and texts that no source confirms are marked UNCONFIRMED at their factory method, so they can
 * be corrected in one place once a real account has been checked.
 */
public final class SnowflakeError extends RuntimeException {

    private final String code;
    private final String sqlState;

    public SnowflakeError(String code, String sqlState, String message) {
        super(message, null, false, false);
        this.code = code;
        this.sqlState = sqlState;
    }

    public String code() {
        return code;
    }

    public String sqlState() {
        return sqlState;
    }

    // --- SQL compilation and execution errors (protocol spec §4.2) ---

    static SnowflakeError syntax(String near, int line, int position) {
        return new SnowflakeError("001003", "42000", "SQL compilation error:\nsyntax error line " + line
                + " at position " + position + " unexpected '" + near + "'.");
    }

    static SnowflakeError syntaxAtEnd() {
        return new SnowflakeError("001003", "42000", "SQL compilation error:\nsyntax error: unexpected end of statement.");
    }

    /** Snowflake reports missing objects and objects the role may not see with the same message. */
    static SnowflakeError doesNotExist(String kind, String name) {
        return new SnowflakeError("002003", "02000",
                "SQL compilation error:\n" + kind + " '" + name + "' does not exist or not authorized.");
    }

    static SnowflakeError alreadyExists(String kind, String name) {
        return new SnowflakeError("002002", "42710", "SQL compilation error:\nObject '" + name + "' already exists.");
    }

    static SnowflakeError insufficientPrivileges(String kind, String name) {
        return new SnowflakeError("003001", "42501",
                "SQL access control error:\nInsufficient privileges to operate on " + kind + " '" + name + "'");
    }

    static SnowflakeError unsupported(String what) {
        // UNCONFIRMED: code 000002 / 0A000 for "Unsupported feature".
        return new SnowflakeError("000002", "0A000", "Unsupported feature '" + what + "'.");
    }

    static SnowflakeError invalidValue(String message) {
        // UNCONFIRMED: Snowflake has several codes for bad property values; one is used for all.
        return new SnowflakeError("002029", "22023", "SQL compilation error:\n" + message);
    }

    static SnowflakeError noCurrentDatabase(String statement) {
        return new SnowflakeError("090105", "22000", "Cannot perform " + statement
                + ". This session does not have a current database. Call 'USE DATABASE', or use a qualified name.");
    }

    static SnowflakeError statementCount(int actual) {
        return new SnowflakeError("000008", "0A000",
                "Actual statement count " + actual + " did not match the desired statement count 1.");
    }

    // --- PAT rules (codes and texts UNCONFIRMED except where a comment names a source) ---

    static SnowflakeError patRule(String message) {
        // UNCONFIRMED: the spec documents these refusals but not their codes; 003001-style access
        // control errors would be wrong for value errors, so one compilation-error code is used.
        return new SnowflakeError("002029", "22023", "SQL compilation error:\n" + message);
    }

    static SnowflakeError dependentGrants(String type, String name) {
        // UNCONFIRMED code and text; the rule (no transfer without COPY or REVOKE CURRENT GRANTS while
        // other grants on the object exist) is documented for GRANT OWNERSHIP.
        return new SnowflakeError("003530", "42501",
                "SQL access control error:\nCannot transfer ownership of " + type.toLowerCase(java.util.Locale.ROOT)
                        + " '" + name + "' while it has dependent grants; use COPY CURRENT GRANTS or REVOKE CURRENT GRANTS.");
    }

    static SnowflakeError tooManyPats() {
        // UNCONFIRMED wording (a third-party report) and code.
        return new SnowflakeError("002029", "22023",
                "SQL compilation error:\nExceeded maximum of 15 programmatic access tokens");
    }

    /** A second user-level authentication policy without FORCE, even the same one again (UNCONFIRMED for the same one). */
    static SnowflakeError userPolicyAttached(String user) {
        return new SnowflakeError("003549", "0A000",
                "SQL compilation error:\nUser '" + user + "' already has a AUTHENTICATION_POLICY");
    }

    static SnowflakeError accountPolicyNotAttached() {
        // The text is what terraform-provider-snowflake matches; the code is UNCONFIRMED.
        return new SnowflakeError("003550", "0A000",
                "SQL compilation error:\nAny policy of kind AUTHENTICATION_POLICY is not attached to ACCOUNT");
    }

    static SnowflakeError patNotFound(String name) {
        // The text matches what terraform-provider-snowflake saw on a real account ([TF-ERR]).
        return new SnowflakeError("002003", "02000", "Programmatic access token " + name + " not found");
    }

    static SnowflakeError inPatSession(String what) {
        // UNCONFIRMED text and code: the docs say a PAT session cannot manage its own user's PATs, and
        // third parties report that role-restricted sessions cannot switch roles.
        return new SnowflakeError("003001", "42501", "SQL access control error:\n" + what
                + " is not allowed in this session: it authenticated with a programmatic access token.");
    }

    // --- login and session errors ---

    static SnowflakeError badPassword() {
        return new SnowflakeError("390100", "08001", "Incorrect username or password was specified.");
    }

    static SnowflakeError userDisabled() {
        return new SnowflakeError("390101", "08001", "User access disabled. Contact your local system administrator.");
    }

    static SnowflakeError badPat() {
        return new SnowflakeError("394400", "08001", "Programmatic access token is invalid.");
    }

    static SnowflakeError badJwt() {
        // UNCONFIRMED code (protocol spec §11).
        return new SnowflakeError("394304", "08001", "JWT token is invalid.");
    }

    static SnowflakeError roleNotGranted(String role) {
        return new SnowflakeError("390189", "08001", "Role '" + role + "' specified in the connect string is not "
                + "granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.");
    }

    static SnowflakeError networkPolicyRequired() {
        return new SnowflakeError("390432", "08001", "Fail : Network policy is required.");
    }

    static SnowflakeError ipNotAllowed(String ip) {
        // UNCONFIRMED code; the wording is Snowflake's usual network-policy refusal.
        return new SnowflakeError("390422", "08001", "Incoming request with IP/Token " + ip
                + " is not allowed to access Snowflake. Contact your account administrator.");
    }

    static SnowflakeError authenticationPolicy() {
        // UNCONFIRMED code and text for a method that the effective authentication policy does not allow.
        return new SnowflakeError("390202", "08001", "Authentication attempt rejected by the current authentication policy.");
    }

    static SnowflakeError loginsRefused() {
        return new SnowflakeError("390144", "08001", "Login is temporarily unavailable (emulator fault injection).");
    }

    static SnowflakeError sessionGone() {
        return new SnowflakeError("390111", "08001", "Session no longer exists.  New login required to access the service.");
    }

    static SnowflakeError sessionExpired() {
        return new SnowflakeError("390112", "08001", "Your session has expired. Please login again.");
    }

    static SnowflakeError masterTokenExpired() {
        return new SnowflakeError("390114", "08001", "Authentication token has expired.  The user must authenticate again.");
    }

    static SnowflakeError badRequest(String what) {
        return new SnowflakeError("390400", "08001", "Invalid request: " + what);
    }
}

package dev.patrol.devservices.snowflake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one emulated Snowflake account: users, roles, grants, PATs, policies, databases and
 * warehouses, and the rules that read them (role hierarchy, privileges, effective policies).
 * Every statement runs under this object's monitor, so state changes are atomic per statement.
 */
final class Account {

    static final String ACCOUNTADMIN = "ACCOUNTADMIN";
    static final String SECURITYADMIN = "SECURITYADMIN";
    static final String USERADMIN = "USERADMIN";
    static final String SYSADMIN = "SYSADMIN";
    static final String PUBLIC = "PUBLIC";
    static final Set<String> SYSTEM_ROLES = Set.of(ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, PUBLIC);
    static final int MAX_TOKENS_PER_USER = 15;

    final String name;
    final Clock clock;
    final Map<String, User> users = new LinkedHashMap<>();
    final Map<String, Role> roles = new LinkedHashMap<>();
    /** PATs by the SHA-256 of their secret: the emulator keeps no secret in clear after handing it out. */
    final Map<String, Pat> tokensBySecretHash = new LinkedHashMap<>();
    final Map<String, Database> databases = new LinkedHashMap<>();
    final Map<String, Owned> warehouses = new LinkedHashMap<>();
    final Map<String, AuthPolicy> authPolicies = new LinkedHashMap<>();
    final Map<String, NetworkRule> networkRules = new LinkedHashMap<>();
    final Map<String, NetworkPolicy> networkPolicies = new LinkedHashMap<>();
    final List<PrivilegeGrant> privilegeGrants = new ArrayList<>();
    /** Account-level authentication policy attachments by scope: ACCOUNT, PERSON_USERS, SERVICE_USERS. */
    final Map<String, Attachment> policyAttachments = new LinkedHashMap<>();
    String accountNetworkPolicy;
    private long sequence = 1;

    Account(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
        Instant now = clock.instant();
        for (String r : List.of(ACCOUNTADMIN, SECURITYADMIN, USERADMIN, SYSADMIN, PUBLIC)) {
            roles.put(r, new Role(r, ACCOUNTADMIN, null, now));
        }
        grantRoleToRole(SECURITYADMIN, ACCOUNTADMIN, ACCOUNTADMIN);
        grantRoleToRole(SYSADMIN, ACCOUNTADMIN, ACCOUNTADMIN);
        grantRoleToRole(USERADMIN, SECURITYADMIN, ACCOUNTADMIN);
        // Default account privileges of the system roles (Snowflake's documented defaults).
        grantPrivilege("CREATE USER", "ACCOUNT", name, USERADMIN, ACCOUNTADMIN);
        grantPrivilege("CREATE ROLE", "ACCOUNT", name, USERADMIN, ACCOUNTADMIN);
        grantPrivilege("MANAGE GRANTS", "ACCOUNT", name, SECURITYADMIN, ACCOUNTADMIN);
        grantPrivilege("CREATE NETWORK POLICY", "ACCOUNT", name, SECURITYADMIN, ACCOUNTADMIN);
        grantPrivilege("ATTACH POLICY", "ACCOUNT", name, SECURITYADMIN, ACCOUNTADMIN);
        grantPrivilege("APPLY AUTHENTICATION POLICY", "ACCOUNT", name, SECURITYADMIN, ACCOUNTADMIN);
        grantPrivilege("CREATE DATABASE", "ACCOUNT", name, SYSADMIN, ACCOUNTADMIN);
        grantPrivilege("CREATE WAREHOUSE", "ACCOUNT", name, SYSADMIN, ACCOUNTADMIN);
    }

    long nextId() {
        return sequence++;
    }

    Instant now() {
        return clock.instant();
    }

    // --- model ---

    /** Something with an owner role and a creation time. */
    static class Owned {
        final String name;
        String owner;
        final Instant createdOn;
        String comment;

        Owned(String name, String owner, String comment, Instant createdOn) {
            this.name = name;
            this.owner = owner;
            this.comment = comment;
            this.createdOn = createdOn;
        }
    }

    record RoleGrant(String role, Instant createdOn, String grantedBy) {
    }

    static final class Role extends Owned {
        /** Roles granted to this role: this role inherits their privileges. */
        final Map<String, RoleGrant> granted = new LinkedHashMap<>();

        Role(String name, String owner, String comment, Instant createdOn) {
            super(name, owner, comment, createdOn);
        }
    }

    static final class User extends Owned {
        String loginName;
        String displayName;
        String firstName;
        String lastName;
        String email;
        String type; // null (= PERSON), PERSON, SERVICE, LEGACY_SERVICE, SERVICE_AGENT
        String password;
        boolean mustChangePassword;
        String defaultRole;
        String defaultWarehouse;
        String defaultNamespace;
        List<String> defaultSecondaryRoles = List.of("ALL");
        String rsaPublicKey;
        String rsaPublicKey2;
        boolean disabled;
        String networkPolicy;
        String authPolicy;
        Instant authPolicyAttachedAt;
        boolean authPolicyForced;
        Instant lastSuccessLogin;
        final Map<String, RoleGrant> granted = new LinkedHashMap<>();
        final Map<String, Pat> tokens = new LinkedHashMap<>();

        User(String name, String owner, Instant createdOn) {
            super(name, owner, null, createdOn);
            this.loginName = name;
            this.displayName = name;
        }

        /** Service users for role restriction and the service-user policy scope; SERVICE_AGENT users count. */
        boolean isService() {
            return "SERVICE".equals(type) || "LEGACY_SERVICE".equals(type) || "SERVICE_AGENT".equals(type);
        }

        /**
         * Whether PATs of this user need a network policy (under ENFORCED_REQUIRED) to be created:
         * service users do, SERVICE_AGENT users are exempt, and person users may create one but not
         * use it without a network policy.
         */
        boolean needsNetworkPolicyToCreatePat() {
            return "SERVICE".equals(type) || "LEGACY_SERVICE".equals(type);
        }
    }

    static final class Pat {
        String name;
        final String user;
        final String secretHash;
        final String roleRestriction;
        final int daysToExpiry;
        final Instant createdOn;
        Instant expiresAt;
        final String createdBy;
        String comment;
        boolean disabled;
        Integer minsToBypass;
        Instant minsToBypassSetAt;
        String rotatedTo;

        Pat(String name, String user, String secretHash, String roleRestriction, int daysToExpiry, Instant createdOn,
                Instant expiresAt, String createdBy) {
            this.name = name;
            this.user = user;
            this.secretHash = secretHash;
            this.roleRestriction = roleRestriction;
            this.daysToExpiry = daysToExpiry;
            this.createdOn = createdOn;
            this.expiresAt = expiresAt;
            this.createdBy = createdBy;
        }

        boolean expired(Instant now) {
            return !expiresAt.isAfter(now);
        }

        String status(Instant now) {
            if (expired(now))
                return "EXPIRED";
            return disabled ? "DISABLED" : "ACTIVE";
        }

        /** Minutes left of a network-policy bypass window, or null when none was set. */
        Integer minsToBypassLeft(Instant now) {
            if (minsToBypass == null)
                return null;
            long left = Duration.between(now, minsToBypassSetAt.plus(Duration.ofMinutes(minsToBypass))).toMinutes();
            return (int) Math.max(0, left);
        }

        @Override
        public String toString() {
            return "Pat[" + user + "." + name + "]"; // never the secret
        }
    }

    static final class Database extends Owned {
        final Map<String, Owned> schemas = new LinkedHashMap<>();

        Database(String name, String owner, String comment, Instant createdOn) {
            super(name, owner, comment, createdOn);
        }
    }

    static final class AuthPolicy extends Owned {
        final String database;
        final String schema;
        List<String> methods = List.of("ALL");
        List<String> clientTypes = List.of("ALL");
        List<String> securityIntegrations = List.of("ALL");
        String mfaEnrollment = "OPTIONAL";
        int defaultExpiryInDays = 15;
        int maxExpiryInDays = 365;
        String networkPolicyEvaluation = "ENFORCED_REQUIRED";
        boolean requireRoleRestrictionForServiceUsers = true;
        boolean requireRoleRestrictionForPersonUsers = false;
        List<String> blockedRoles = List.of();

        AuthPolicy(String database, String schema, String name, String owner, Instant createdOn) {
            super(name, owner, null, createdOn);
            this.database = database;
            this.schema = schema;
        }

        String qualifiedName() {
            return database + "." + schema + "." + name;
        }

        boolean allows(String method) {
            return methods.contains("ALL") || methods.contains(method);
        }
    }

    /** The PAT rules that apply when no authentication policy does (Snowflake's defaults). */
    static final AuthPolicy DEFAULT_POLICY = new AuthPolicy("", "", "", "", Instant.EPOCH);

    record Attachment(String policy, boolean force, Instant attachedAt) {
    }

    /** How late SNOWFLAKE.ACCOUNT_USAGE views show a change: the documented maximum, so nothing relies on less. */
    static final Duration ACCOUNT_USAGE_LATENCY = Duration.ofHours(2);

    /** The SNOWFLAKE database roles that read ACCOUNT_USAGE.POLICY_REFERENCES. */
    static final Set<String> POLICY_REFERENCE_READERS = Set.of("SNOWFLAKE.GOVERNANCE_VIEWER", "SNOWFLAKE.SECURITY_VIEWER");

    static final class NetworkRule extends Owned {
        final String database;
        final String schema;
        String mode = "INGRESS";
        String type = "IPV4";
        List<String> values = List.of();

        NetworkRule(String database, String schema, String name, String owner, Instant createdOn) {
            super(name, owner, null, createdOn);
            this.database = database;
            this.schema = schema;
        }

        String qualifiedName() {
            return database + "." + schema + "." + name;
        }
    }

    static final class NetworkPolicy extends Owned {
        List<String> allowedRules = List.of();
        List<String> blockedRules = List.of();
        List<String> allowedIps = List.of();
        List<String> blockedIps = List.of();

        NetworkPolicy(String name, String owner, Instant createdOn) {
            super(name, owner, null, createdOn);
        }
    }

    record PrivilegeGrant(String privilege, String objectType, String objectName, String grantee, boolean grantOption,
            String grantedBy, Instant createdOn) {
    }

    // --- grants ---

    void grantRoleToRole(String role, String toRole, String grantedBy) {
        roles.get(toRole).granted.putIfAbsent(role, new RoleGrant(role, now(), grantedBy));
    }

    void grantPrivilege(String privilege, String objectType, String objectName, String grantee, String grantedBy) {
        boolean present = privilegeGrants.stream().anyMatch(g -> g.privilege.equals(privilege)
                && g.objectType.equals(objectType) && g.objectName.equals(objectName) && g.grantee.equals(grantee));
        if (!present) {
            privilegeGrants.add(new PrivilegeGrant(privilege, objectType, objectName, grantee, false, grantedBy, now()));
        }
    }

    /** The role and every role it inherits, PUBLIC included. Unknown roles contribute nothing. */
    Set<String> closure(String role) {
        Set<String> out = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        if (role != null && roles.containsKey(role))
            todo.add(role);
        while (!todo.isEmpty()) {
            String r = todo.pop();
            if (out.add(r)) {
                Role found = roles.get(r);
                if (found != null)
                    todo.addAll(found.granted.keySet());
            }
        }
        if (!out.isEmpty())
            out.add(PUBLIC);
        return out;
    }

    /** Every role a user may activate: the roles granted to it and all they inherit, plus PUBLIC. */
    Set<String> availableRoles(User user) {
        Set<String> out = new LinkedHashSet<>();
        for (String r : user.granted.keySet())
            out.addAll(closure(r));
        out.add(PUBLIC);
        return out;
    }

    /** True when any of the roles owns the object or holds the privilege on it. */
    boolean hasPrivilege(Set<String> activeRoles, String privilege, String objectType, String objectName, String owner) {
        if (owner != null && activeRoles.contains(owner))
            return true;
        for (PrivilegeGrant g : privilegeGrants) {
            if (activeRoles.contains(g.grantee) && g.objectType.equals(objectType) && g.objectName.equals(objectName)
                    && (g.privilege.equals(privilege) || g.privilege.equals("ALL"))) {
                return true;
            }
        }
        return false;
    }

    boolean hasAccountPrivilege(Set<String> activeRoles, String privilege) {
        return activeRoles.contains(ACCOUNTADMIN) || hasPrivilege(activeRoles, privilege, "ACCOUNT", name, null);
    }

    // --- policies ---

    /**
     * The authentication policy in force for a user and where it is set: a user-level policy wins over
     * a type-level one, which wins over the account-wide one, unless a broader one was set with FORCE.
     * {@code policy} is null for Snowflake's built-in policy; {@code scope} is the account-level scope
     * that supplied it, if any.
     */
    record InForce(AuthPolicy policy, String setOn, String scope) {
    }

    InForce policyInForce(User user) {
        String typeScope = user.isService() ? "SERVICE_USERS" : "PERSON_USERS";
        Attachment account = policyAttachments.get("ACCOUNT");
        Attachment byType = policyAttachments.get(typeScope);
        if (account != null && account.force())
            return inForce(account.policy(), "ACCOUNT", "ACCOUNT");
        if (byType != null && byType.force())
            return inForce(byType.policy(), "ACCOUNT", typeScope);
        if (user.authPolicy != null)
            return inForce(user.authPolicy, "USER", null);
        if (byType != null)
            return inForce(byType.policy(), "ACCOUNT", typeScope);
        if (account != null)
            return inForce(account.policy(), "ACCOUNT", "ACCOUNT");
        return new InForce(null, "SYSTEM", null);
    }

    private InForce inForce(String policy, String setOn, String scope) {
        AuthPolicy p = authPolicies.get(policy);
        return p == null ? new InForce(null, "SYSTEM", null) : new InForce(p, setOn, scope);
    }

    /** The PAT rules in force for a user (Snowflake's defaults when no policy applies). */
    AuthPolicy effectivePolicy(User user) {
        AuthPolicy p = policyInForce(user).policy();
        return p != null ? p : DEFAULT_POLICY;
    }

    /** The network policy that applies to a user: its own, else the account's; null when none. */
    NetworkPolicy networkPolicyFor(User user) {
        String np = user.networkPolicy != null ? user.networkPolicy : accountNetworkPolicy;
        return np == null ? null : networkPolicies.get(np);
    }

    /** Whether a client address passes a network policy (allowed lists, then blocked lists win). */
    boolean networkPolicyAllows(NetworkPolicy policy, String clientIp) {
        List<String> allowed = new ArrayList<>(policy.allowedIps);
        List<String> blocked = new ArrayList<>(policy.blockedIps);
        for (String r : policy.allowedRules) {
            NetworkRule rule = networkRules.get(r);
            if (rule != null && rule.type.equals("IPV4"))
                allowed.addAll(rule.values);
        }
        for (String r : policy.blockedRules) {
            NetworkRule rule = networkRules.get(r);
            if (rule != null && rule.type.equals("IPV4"))
                blocked.addAll(rule.values);
        }
        boolean inAllowed = allowed.stream().anyMatch(c -> Ipv4.matches(c, clientIp));
        boolean inBlocked = blocked.stream().anyMatch(c -> Ipv4.matches(c, clientIp));
        return inAllowed && !inBlocked;
    }

    /** Tokens that count against the 15-token limit: every token that has not expired, disabled ones too. */
    long liveTokenCount(User user) {
        Instant now = now();
        return user.tokens.values().stream().filter(t -> !t.expired(now)).count();
    }

    static String hashSecret(String secret) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.Base64.getEncoder().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void addToken(User user, Pat pat) {
        user.tokens.put(pat.name, pat);
        tokensBySecretHash.put(pat.secretHash, pat);
    }

    void removeToken(User user, Pat pat) {
        user.tokens.remove(pat.name);
        tokensBySecretHash.remove(pat.secretHash);
    }

    User findUserByLogin(String login) {
        if (login == null)
            return null;
        for (User u : users.values()) {
            if (u.loginName.equalsIgnoreCase(login))
                return u;
        }
        return null;
    }
}

package dev.patrol.devservices.snowflake;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.patrol.devservices.snowflake.Account.AuthPolicy;
import dev.patrol.devservices.snowflake.Account.NetworkPolicy;
import dev.patrol.devservices.snowflake.Account.Pat;
import dev.patrol.devservices.snowflake.Account.User;

/**
 * Decides whether a login succeeds and with which role: password (and PAT-as-password), PAT
 * authenticator, and key-pair JWT, checking token state, role restriction, authentication policy
 * and network policy.
 */
final class LoginService {

    /** What the login request carried that matters for the decision. Holds credentials: never logged. */
    record Attempt(String accountName, String loginName, String password, String authenticator, String token,
            String roleName, String clientIp) {
        @Override
        public String toString() {
            return "Attempt[" + loginName + ", " + authenticator + "]";
        }
    }

    /** A successful login: who, with which role, and how. */
    record Outcome(User user, String role, Pat pat, String method) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration JWT_CLOCK_SKEW = Duration.ofMinutes(1);

    private final Account account;

    LoginService(Account account) {
        this.account = account;
    }

    Outcome login(Attempt a) {
        synchronized (account) {
            if (a.accountName() != null && !sameAccount(a.accountName()))
                throw SnowflakeError.badPassword();
            String auth = a.authenticator() == null ? "SNOWFLAKE" : a.authenticator().toUpperCase(Locale.ROOT);
            return switch (auth) {
                case "SNOWFLAKE" -> password(a);
                case "PROGRAMMATIC_ACCESS_TOKEN" -> pat(a, a.token());
                case "SNOWFLAKE_JWT" -> jwt(a);
                default -> throw SnowflakeError.badRequest("authenticator " + auth + " is not supported by the emulator");
            };
        }
    }

    private boolean sameAccount(String given) {
        String g = given.toUpperCase(Locale.ROOT);
        int dot = g.indexOf('.');
        if (dot >= 0)
            g = g.substring(0, dot);
        return g.equals(account.name.toUpperCase(Locale.ROOT));
    }

    // --- password, and PAT-as-password (protocol spec G11) ---

    private Outcome password(Attempt a) {
        User user = account.findUserByLogin(a.loginName());
        if (user == null || a.password() == null)
            throw SnowflakeError.badPassword();
        if (user.password == null || !user.password.equals(a.password()) || "SERVICE".equals(user.type)) {
            Pat pat = account.tokensBySecretHash.get(Account.hashSecret(a.password()));
            if (pat != null && pat.user.equals(user.name))
                return pat(a, a.password());
            throw SnowflakeError.badPassword();
        }
        if (user.disabled)
            throw SnowflakeError.userDisabled();
        AuthPolicy policy = account.effectivePolicy(user);
        if (!policy.allows("PASSWORD"))
            throw SnowflakeError.authenticationPolicy();
        enforceNetworkPolicy(user, a.clientIp());
        return new Outcome(user, roleFor(user, a.roleName()), null, "PASSWORD");
    }

    // --- PAT ---

    private Outcome pat(Attempt a, String secret) {
        if (secret == null || secret.isEmpty())
            throw SnowflakeError.badPat();
        Pat pat = account.tokensBySecretHash.get(Account.hashSecret(secret));
        if (pat == null)
            throw SnowflakeError.badPat();
        User user = account.users.get(pat.user);
        if (user == null)
            throw SnowflakeError.badPat();
        if (a.loginName() != null && !a.loginName().isEmpty() && !user.loginName.equalsIgnoreCase(a.loginName())) {
            throw SnowflakeError.badPat();
        }
        if (user.disabled)
            throw SnowflakeError.userDisabled();
        Instant now = account.now();
        if (pat.disabled || pat.expired(now))
            throw SnowflakeError.badPat();
        AuthPolicy policy = account.effectivePolicy(user);
        if (!policy.allows("PROGRAMMATIC_ACCESS_TOKEN"))
            throw SnowflakeError.badPat();
        if (pat.daysToExpiry > policy.maxExpiryInDays)
            throw SnowflakeError.badPat();
        String restriction = pat.roleRestriction;
        if (restriction != null) {
            boolean granted = account.roles.containsKey(restriction) && account.availableRoles(user).contains(restriction);
            if (!granted || policy.blockedRoles.contains(restriction))
                throw SnowflakeError.badPat();
        } else if (user.isService() ? policy.requireRoleRestrictionForServiceUsers
                : policy.requireRoleRestrictionForPersonUsers) {
            throw SnowflakeError.badPat();
        }
        NetworkPolicy np = account.networkPolicyFor(user);
        if (np == null) {
            Integer bypass = pat.minsToBypassLeft(now);
            boolean bypassing = bypass != null && bypass > 0;
            boolean exempt = "SERVICE_AGENT".equals(user.type);
            if (policy.networkPolicyEvaluation.equals("ENFORCED_REQUIRED") && !bypassing && !exempt)
                throw SnowflakeError.networkPolicyRequired();
        } else if (!policy.networkPolicyEvaluation.equals("NOT_ENFORCED") && !account.networkPolicyAllows(np, a.clientIp())) {
            throw SnowflakeError.ipNotAllowed(a.clientIp());
        }
        String role;
        if (restriction != null) {
            String asked = normalizeRole(a.roleName());
            // UNCONFIRMED: asking for another role than the restriction fails like a bad token.
            if (asked != null && !asked.equals(restriction))
                throw SnowflakeError.badPat();
            role = restriction;
        } else {
            role = roleFor(user, a.roleName());
        }
        return new Outcome(user, role, pat, "PROGRAMMATIC_ACCESS_TOKEN");
    }

    // --- key pair (JWT) ---

    private Outcome jwt(Attempt a) {
        User user = account.findUserByLogin(a.loginName());
        String jwt = a.token();
        if (user == null || jwt == null)
            throw SnowflakeError.badJwt();
        String[] parts = jwt.split("\\.");
        if (parts.length != 3)
            throw SnowflakeError.badJwt();
        JsonNode header, claims;
        try {
            header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception e) {
            throw SnowflakeError.badJwt();
        }
        if (!"RS256".equals(header.path("alg").asText()))
            throw SnowflakeError.badJwt();
        String expectedSub = account.name.toUpperCase(Locale.ROOT) + "." + user.loginName.toUpperCase(Locale.ROOT);
        String sub = claims.path("sub").asText("");
        String iss = claims.path("iss").asText("");
        if (!sub.equals(expectedSub) || !iss.startsWith(expectedSub + ".SHA256:"))
            throw SnowflakeError.badJwt();
        String fingerprint = iss.substring((expectedSub + ".SHA256:").length());
        String key = null;
        for (String candidate : new String[] { user.rsaPublicKey, user.rsaPublicKey2 }) {
            if (candidate != null && fingerprint.equals(fingerprintOf(candidate)))
                key = candidate;
        }
        if (key == null || !signatureValid(key, parts))
            throw SnowflakeError.badJwt();
        // The driver signs with its machine's clock, so freshness is judged by the wall clock, not by
        // the emulator's adjustable one (tests move that one days ahead).
        Instant wallNow = Instant.now();
        long exp = claims.path("exp").asLong(0);
        long iat = claims.path("iat").asLong(0);
        if (Instant.ofEpochSecond(exp).isBefore(wallNow.minus(JWT_CLOCK_SKEW))
                || Instant.ofEpochSecond(iat).isAfter(wallNow.plus(JWT_CLOCK_SKEW))) {
            throw SnowflakeError.badJwt();
        }
        if (user.disabled)
            throw SnowflakeError.userDisabled();
        if (!account.effectivePolicy(user).allows("KEYPAIR"))
            throw SnowflakeError.authenticationPolicy();
        enforceNetworkPolicy(user, a.clientIp());
        return new Outcome(user, roleFor(user, a.roleName()), null, "KEYPAIR");
    }

    static String fingerprintOf(String base64Der) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64Der));
            return Base64.getEncoder().encodeToString(digest);
        } catch (Exception e) {
            return "";
        }
    }

    private static boolean signatureValid(String base64Der, String[] parts) {
        try {
            PublicKey key = KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64Der)));
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(key);
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (Exception e) {
            return false;
        }
    }

    // --- shared rules ---

    /** Network policies apply to every login method; for PATs the policy's evaluation mode decides (see {@link #pat}). */
    private void enforceNetworkPolicy(User user, String clientIp) {
        NetworkPolicy np = account.networkPolicyFor(user);
        if (np != null && !account.networkPolicyAllows(np, clientIp))
            throw SnowflakeError.ipNotAllowed(clientIp);
    }

    /** The session role: the one asked for (it must be granted), else the default role when granted, else PUBLIC. */
    private String roleFor(User user, String roleName) {
        Set<String> available = account.availableRoles(user);
        String asked = normalizeRole(roleName);
        if (asked != null) {
            if (!account.roles.containsKey(asked) || !available.contains(asked))
                throw SnowflakeError.roleNotGranted(asked);
            return asked;
        }
        if (user.defaultRole != null && account.roles.containsKey(user.defaultRole) && available.contains(user.defaultRole)) {
            return user.defaultRole;
        }
        return Account.PUBLIC;
    }

    /** Login parameters arrive as typed (protocol spec G12): unquoted names are upper-cased. */
    static String normalizeRole(String roleName) {
        if (roleName == null || roleName.isBlank())
            return null;
        String r = roleName.trim();
        if (r.length() >= 2 && r.startsWith("\"") && r.endsWith("\""))
            return r.substring(1, r.length() - 1).replace("\"\"", "\"");
        return r.toUpperCase(Locale.ROOT);
    }
}

package dev.patrol.devservices.snowflake;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import dev.patrol.devservices.snowflake.Account.AuthPolicy;
import dev.patrol.devservices.snowflake.Account.Pat;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;

/** ALTER USER ... ADD | ROTATE | MODIFY | REMOVE PAT and SHOW USER PATS. */
final class PatStatements extends StatementFamily {

    private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");

    PatStatements(StatementContext x) {
        super(x);
    }

    String decodePat(String secret) {
        Pat pat = account.tokensBySecretHash.get(Account.hashSecret(secret));
        if (pat == null)
            return "{\"STATE\":\"INVALID\",\"PAT_NAME\":null,\"USER_NAME\":null}";
        return "{\"STATE\":\"" + pat.status(account.now()) + "\",\"PAT_NAME\":\"" + pat.name + "\",\"USER_NAME\":\"" + pat.user
                + "\"}";
    }

    boolean atPatVerb() {
        for (String verb : List.of("ADD", "ROTATE", "MODIFY", "REMOVE")) {
            if (c.at(verb, "PAT") || c.at(verb, "PROGRAMMATIC", "ACCESS", "TOKEN"))
                return true;
        }
        return false;
    }

    void patKeyword() {
        if (!c.accept("PAT"))
            c.expect("PROGRAMMATIC", "ACCESS", "TOKEN");
    }

    String tokenName() {
        SqlCursor.Token t = c.peek();
        String name = c.identifier();
        if (t.kind() == SqlCursor.Kind.WORD && !TOKEN_NAME.matcher(name).matches())
            throw SnowflakeError.syntax(name, t.line(), t.column());
        if (name.length() > 255)
            throw SnowflakeError.invalidValue("Token name is too long (at most 255 characters).");
        return name;
    }

    Result addPat(String userName, boolean userIfExists) {
        patKeyword();
        boolean ifNotExists = ifNotExists();
        String name = tokenName();
        String role = null;
        Long days = null, bypass = null;
        String comment = null;
        while (!c.atEnd()) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            switch (key) {
                case "ROLE_RESTRICTION" -> role = roleNameValue();
                case "DAYS_TO_EXPIRY" -> days = c.integer();
                case "MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT" -> bypass = c.integer();
                case "COMMENT" -> comment = c.string();
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'PROGRAMMATIC ACCESS TOKEN'");
            }
        }
        c.expectEnd();
        User u = account.users.get(userName);
        if (u == null)
            return missingUser(userName, userIfExists);
        // Checks in Snowflake's documented order: privilege, policy, network, role, days, name, count.
        can.requirePatManagement(u, "ADD PROGRAMMATIC ACCESS TOKEN");
        AuthPolicy policy = account.effectivePolicy(u);
        if (!policy.allows("PROGRAMMATIC_ACCESS_TOKEN")) {
            throw SnowflakeError
                    .patRule("Programmatic access tokens are not allowed by the authentication policy that applies to user "
                            + u.name + ".");
        }
        boolean bypassing = bypass != null && bypass > 0;
        if (u.needsNetworkPolicyToCreatePat() && policy.networkPolicyEvaluation.equals("ENFORCED_REQUIRED")
                && account.networkPolicyFor(u) == null && !bypassing) {
            throw SnowflakeError
                    .patRule("A network policy is required for user " + u.name + " to generate a programmatic access token.");
        }
        if (role != null) {
            if (!account.roles.containsKey(role) || !account.availableRoles(u).contains(role)) {
                throw SnowflakeError.patRule("Role '" + role + "' is not granted to user " + u.name
                        + ". ROLE_RESTRICTION must name a granted role.");
            }
            if (policy.blockedRoles.contains(role)) {
                throw SnowflakeError
                        .patRule("Role '" + role + "' is blocked for programmatic access tokens by the authentication policy.");
            }
        } else if (u.isService() ? policy.requireRoleRestrictionForServiceUsers : policy.requireRoleRestrictionForPersonUsers) {
            throw SnowflakeError
                    .patRule("ROLE_RESTRICTION is required for a programmatic access token of user " + u.name + ".");
        }
        int lifetime = days == null ? policy.defaultExpiryInDays : (int) Math.min(Integer.MAX_VALUE, days);
        if (days != null && (days < 1 || days > policy.maxExpiryInDays)) {
            throw SnowflakeError.patRule("DAYS_TO_EXPIRY must be between 1 and " + policy.maxExpiryInDays + ".");
        }
        if (bypass != null && (bypass < 1 || bypass > 1440)) {
            throw SnowflakeError.patRule("MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT must be between 1 and 1440.");
        }
        if (u.tokens.containsKey(name)) {
            if (ifNotExists) {
                // IF NOT EXISTS on an existing name succeeds and shows no secret.
                return new Result(Result.ALTER_USER_MANAGE_PATS).text("token_name", "token_secret").row(name, null);
            }
            throw SnowflakeError.patRule("Programmatic access token " + name + " already exists for user " + u.name + ".");
        }
        if (account.liveTokenCount(u) >= Account.MAX_TOKENS_PER_USER) {
            throw SnowflakeError.tooManyPats();
        }
        String secret = x.newSecret();
        Instant now = account.now();
        Pat pat = new Pat(name, u.name, Account.hashSecret(secret), role, lifetime, now, now.plus(Duration.ofDays(lifetime)),
                session.user);
        pat.comment = comment;
        if (bypass != null) {
            pat.minsToBypass = bypass.intValue();
            pat.minsToBypassSetAt = now;
        }
        account.addToken(u, pat);
        return new Result(Result.ALTER_USER_MANAGE_PATS).text("token_name", "token_secret").row(name, secret);
    }

    Result rotatePat(String userName, boolean userIfExists) {
        patKeyword();
        boolean ifExists = c.accept("IF", "EXISTS");
        String name = tokenName();
        Long hours = null;
        if (c.accept("EXPIRE_ROTATED_TOKEN_AFTER_HOURS")) {
            c.expectSymbol("=");
            hours = c.integer();
        }
        c.expectEnd();
        User u = account.users.get(userName);
        if (u == null)
            return missingUser(userName, userIfExists);
        can.requirePatManagement(u, "ROTATE PROGRAMMATIC ACCESS TOKEN");
        Pat old = u.tokens.get(name);
        if (old == null) {
            if (ifExists)
                return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
            throw SnowflakeError.patNotFound(name);
        }
        Instant now = account.now();
        if (old.rotatedTo != null) {
            throw SnowflakeError.patRule("Programmatic access token " + name + " was rotated and can only be removed.");
        }
        if (old.expired(now)) {
            // UNCONFIRMED: an expired token has no hours left, so rotation is refused.
            throw SnowflakeError.patRule("Programmatic access token " + name + " has expired and cannot be rotated.");
        }
        long hoursLeft = Duration.between(now, old.expiresAt).toHours();
        long h = hours == null ? Math.min(24, hoursLeft) : hours;
        if (hours != null && (hours < 0 || hours > hoursLeft)) {
            throw SnowflakeError.patRule("EXPIRE_ROTATED_TOKEN_AFTER_HOURS must be between 0 and " + hoursLeft
                    + " (the hours left before the token expires).");
        }
        if (h > 0 && account.liveTokenCount(u) >= Account.MAX_TOKENS_PER_USER) {
            // The rotated token counts against the limit, so a user at 15 cannot keep it.
            throw SnowflakeError.tooManyPats();
        }
        long suffix = now.toEpochMilli();
        while (u.tokens.containsKey(name + "_ROTATED_" + suffix))
            suffix++;
        String rotatedName = name + "_ROTATED_" + suffix;
        u.tokens.remove(name);
        old.name = rotatedName;
        old.expiresAt = now.plus(Duration.ofHours(h));
        old.rotatedTo = name;
        u.tokens.put(rotatedName, old);
        String secret = x.newSecret();
        Pat fresh = new Pat(name, u.name, Account.hashSecret(secret), old.roleRestriction, old.daysToExpiry, now,
                now.plus(Duration.ofDays(old.daysToExpiry)), session.user);
        fresh.comment = old.comment;
        fresh.disabled = old.disabled;
        account.addToken(u, fresh);
        return new Result(Result.ALTER_USER_MANAGE_PATS).text("token_name", "token_secret", "rotated_token_name")
                .row(name, secret, rotatedName);
    }

    Result modifyPat(String userName, boolean userIfExists) {
        patKeyword();
        boolean ifExists = c.accept("IF", "EXISTS");
        String name = tokenName();
        String renameTo = null;
        Boolean disabled = null;
        Long bypass = null;
        String comment = null;
        List<String> unset = new ArrayList<>();
        if (c.accept("RENAME", "TO")) {
            renameTo = tokenName();
        } else if (c.accept("SET")) {
            while (!c.atEnd()) {
                String key = c.identifier().toUpperCase(Locale.ROOT);
                c.expectSymbol("=");
                switch (key) {
                    case "DISABLED" -> disabled = c.bool();
                    case "MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT" -> bypass = c.integer();
                    case "COMMENT" -> comment = c.string();
                    default ->
                        throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'PROGRAMMATIC ACCESS TOKEN'");
                }
                c.acceptSymbol(",");
            }
            if (disabled == null && bypass == null && comment == null)
                throw c.unexpected();
        } else {
            c.expect("UNSET");
            do {
                String key = c.identifier().toUpperCase(Locale.ROOT);
                if (!Set.of("DISABLED", "MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT", "COMMENT").contains(key)) {
                    throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'PROGRAMMATIC ACCESS TOKEN'");
                }
                unset.add(key);
            } while (c.acceptSymbol(","));
        }
        c.expectEnd();
        User u = account.users.get(userName);
        if (u == null)
            return missingUser(userName, userIfExists);
        can.requirePatManagement(u, "MODIFY PROGRAMMATIC ACCESS TOKEN");
        Pat pat = u.tokens.get(name);
        if (pat == null) {
            if (ifExists)
                return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
            throw SnowflakeError.patNotFound(name);
        }
        if (pat.rotatedTo != null) {
            throw SnowflakeError.patRule("Programmatic access token " + name + " was rotated and can only be removed.");
        }
        if (bypass != null && (bypass < 1 || bypass > 1440)) {
            throw SnowflakeError.patRule("MINS_TO_BYPASS_NETWORK_POLICY_REQUIREMENT must be between 1 and 1440.");
        }
        if (renameTo != null) {
            if (u.tokens.containsKey(renameTo)) {
                throw SnowflakeError
                        .patRule("Programmatic access token " + renameTo + " already exists for user " + u.name + ".");
            }
            u.tokens.remove(name);
            pat.name = renameTo;
            u.tokens.put(renameTo, pat);
        }
        if (disabled != null)
            pat.disabled = disabled;
        if (comment != null)
            pat.comment = comment;
        if (bypass != null) {
            pat.minsToBypass = bypass.intValue();
            pat.minsToBypassSetAt = account.now();
        }
        for (String k : unset) {
            switch (k) {
                case "DISABLED" -> pat.disabled = false;
                case "COMMENT" -> pat.comment = null;
                default -> pat.minsToBypass = null;
            }
        }
        return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
    }

    Result removePat(String userName, boolean userIfExists) {
        patKeyword();
        boolean ifExists = c.accept("IF", "EXISTS");
        String name = tokenName();
        c.expectEnd();
        User u = account.users.get(userName);
        if (u == null)
            return missingUser(userName, userIfExists);
        can.requirePatManagement(u, "REMOVE PROGRAMMATIC ACCESS TOKEN");
        Pat pat = u.tokens.get(name);
        if (pat == null) {
            if (ifExists)
                return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
            throw SnowflakeError.patNotFound(name);
        }
        account.removeToken(u, pat);
        return Result.status(Result.ALTER_USER_MANAGE_PATS, "Programmatic access token " + name + " successfully removed.");
    }

    Result showPats() {
        String userName = session.user;
        if (c.accept("FOR", "USER"))
            userName = c.identifier();
        c.expectEnd();
        User u = user(userName);
        if (!can.listPats(u))
            throw SnowflakeError.insufficientPrivileges("user", u.name);
        Instant now = account.now();
        Result r = new Result(Result.SHOW)
                .text("name", "user_name", "role_restriction").column("expires_at", Type.TIMESTAMP_LTZ)
                .text("status", "comment").column("created_on", Type.TIMESTAMP_LTZ)
                .text("created_by").column("mins_to_bypass_network_policy_requirement", Type.FIXED).text("rotated_to");
        for (Pat t : u.tokens.values()) {
            // UNCONFIRMED (the docs say 7 and 30 days): expired tokens are listed for seven days.
            if (t.expiresAt.plus(Duration.ofDays(7)).isBefore(now))
                continue;
            r.row(t.name, t.user, t.roleRestriction, Result.timestamp(t.expiresAt), t.status(now), t.comment,
                    Result.timestamp(t.createdOn), t.createdBy, Result.number(t.minsToBypassLeft(now)), t.rotatedTo);
        }
        return r;
    }
}

package dev.patrol.devservices.snowflake;

import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import dev.patrol.devservices.snowflake.Account.NetworkPolicy;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

/** CREATE / ALTER / DESCRIBE / SHOW USERS: user properties and the rules about who may read or change a user. */
final class UserStatements extends StatementFamily {

    private static final Set<String> USER_TYPES = Set.of("PERSON", "SERVICE", "LEGACY_SERVICE", "SERVICE_AGENT", "NULL");

    UserStatements(StatementContext x) {
        super(x);
    }

    Result createUser(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        String name = c.identifier();
        User draft = new User(name, session.role, account.now());
        c.accept("WITH");
        userProperties(draft);
        c.expectEnd();
        can.requireCreatePrivilege("CREATE USER");
        checkServiceUserProperties(draft);
        User existing = account.users.get(name);
        if (existing != null) {
            if (ifNotExists)
                return Result.status(Result.DDL, name + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("User", name);
            dropUserState(existing);
        }
        if (account.findUserByLogin(draft.loginName) != null) {
            throw SnowflakeError.alreadyExists("User", draft.loginName);
        }
        account.users.put(name, draft);
        return Result.status(Result.DDL, "User " + name + " successfully created.");
    }

    /** Parses {@code KEY = value} user properties until the statement ends; applies them to the draft. */
    void userProperties(User u) {
        while (!c.atEnd()) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            switch (key) {
                case "TYPE" -> {
                    String t = c.stringOrIdentifier().toUpperCase(Locale.ROOT);
                    if (!USER_TYPES.contains(t))
                        throw SnowflakeError.invalidValue("invalid value [" + t + "] for parameter 'TYPE'");
                    u.type = t.equals("NULL") ? null : t;
                }
                case "PASSWORD" -> u.password = c.string();
                case "LOGIN_NAME" -> u.loginName = c.stringOrIdentifier().toUpperCase(Locale.ROOT);
                case "DISPLAY_NAME" -> u.displayName = c.stringOrIdentifier();
                case "FIRST_NAME" -> u.firstName = c.stringOrIdentifier();
                case "LAST_NAME" -> u.lastName = c.stringOrIdentifier();
                case "EMAIL" -> u.email = c.stringOrIdentifier();
                case "COMMENT" -> u.comment = c.string();
                case "DEFAULT_ROLE" -> u.defaultRole = roleNameValue();
                case "DEFAULT_WAREHOUSE" -> u.defaultWarehouse = nameValue();
                case "DEFAULT_NAMESPACE" -> u.defaultNamespace = c.atString() ? c.string() : c.qualifiedName().display();
                case "DEFAULT_SECONDARY_ROLES" -> {
                    List<String> roles = c.list().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
                    if (!roles.isEmpty() && !roles.equals(List.of("ALL"))) {
                        throw SnowflakeError
                                .invalidValue("invalid value for DEFAULT_SECONDARY_ROLES: only ('ALL') or () are allowed");
                    }
                    u.defaultSecondaryRoles = roles;
                }
                case "MUST_CHANGE_PASSWORD" -> u.mustChangePassword = c.bool();
                case "DISABLED" -> u.disabled = c.bool();
                case "RSA_PUBLIC_KEY" -> u.rsaPublicKey = publicKeyValue();
                case "RSA_PUBLIC_KEY_2" -> u.rsaPublicKey2 = publicKeyValue();
                case "NETWORK_POLICY" -> u.networkPolicy = networkPolicyValue();
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'USER'");
            }
            c.acceptSymbol(",");
        }
    }

    String publicKeyValue() {
        String key = c.string().replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key)));
        } catch (Exception e) {
            throw SnowflakeError.invalidValue("Invalid RSA public key: the value must be a base64 X.509 (DER) RSA public key.");
        }
        return key;
    }

    void checkServiceUserProperties(User u) {
        if (!"SERVICE".equals(u.type))
            return;
        // TYPE=SERVICE users cannot have a password or person attributes.
        List<String> bad = new ArrayList<>();
        if (u.password != null)
            bad.add("PASSWORD");
        if (u.firstName != null)
            bad.add("FIRST_NAME");
        if (u.lastName != null)
            bad.add("LAST_NAME");
        if (u.mustChangePassword)
            bad.add("MUST_CHANGE_PASSWORD");
        if (!bad.isEmpty()) {
            throw SnowflakeError.invalidValue("Cannot set " + String.join(", ", bad) + " for a user of TYPE = SERVICE.");
        }
    }

    Result alterUser() {
        boolean ifExists = c.accept("IF", "EXISTS");
        String name;
        if (x.pats.atPatVerb())
            name = session.user; // an omitted user name means the current user
        else
            name = c.identifier();
        if (c.accept("ADD"))
            return x.pats.addPat(name, ifExists);
        if (c.accept("ROTATE"))
            return x.pats.rotatePat(name, ifExists);
        if (c.accept("MODIFY"))
            return x.pats.modifyPat(name, ifExists);
        if (c.at("REMOVE") && (c.at("REMOVE", "PAT") || c.at("REMOVE", "PROGRAMMATIC"))) {
            c.accept("REMOVE");
            return x.pats.removePat(name, ifExists);
        }
        if (c.accept("RENAME", "TO")) {
            String newName = c.identifier();
            c.expectEnd();
            User u = account.users.get(name);
            if (u == null)
                return missingUser(name, ifExists);
            if (!can.alterUser(u))
                throw SnowflakeError.insufficientPrivileges("user", name);
            if (account.users.containsKey(newName))
                throw SnowflakeError.alreadyExists("User", newName);
            throw SnowflakeError.unsupported("ALTER USER ... RENAME TO in the Snowflake emulator");
        }
        if (c.accept("SET", "AUTHENTICATION", "POLICY")) {
            Name p = c.qualifiedName();
            boolean force = c.accept("FORCE");
            c.expectEnd();
            User u = account.users.get(name);
            if (u == null)
                return missingUser(name, ifExists);
            String key = fqn(qualify(p, "ALTER USER"));
            if (!account.authPolicies.containsKey(key))
                throw SnowflakeError.doesNotExist("Authentication policy", p.display());
            can.requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
            if (u.authPolicy != null && !force) {
                throw SnowflakeError.userPolicyAttached(name);
            }
            u.authPolicy = key;
            u.authPolicyAttachedAt = account.now();
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("UNSET", "AUTHENTICATION", "POLICY")) {
            c.expectEnd();
            User u = account.users.get(name);
            if (u == null)
                return missingUser(name, ifExists);
            can.requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
            u.authPolicy = null;
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("SET")) {
            User target = account.users.get(name);
            User draft = new User(name, null, account.now());
            if (target != null)
                copyUser(target, draft);
            userProperties(draft);
            c.expectEnd();
            if (target == null)
                return missingUser(name, ifExists);
            boolean self = name.equals(session.user);
            boolean onlyOwnProfile = self && onlyChanged(target, draft, "password", "displayName", "firstName", "lastName",
                    "email", "defaultRole", "defaultWarehouse", "defaultNamespace", "defaultSecondaryRoles");
            if (!can.alterUser(target) && !onlyOwnProfile)
                throw SnowflakeError.insufficientPrivileges("user", name);
            if (draft.networkPolicy != null && !draft.networkPolicy.equals(target.networkPolicy)) {
                NetworkPolicy np = account.networkPolicies.get(draft.networkPolicy);
                if (!(can.accountPrivilege("ATTACH POLICY") || can.owns(np)))
                    throw SnowflakeError.insufficientPrivileges("network policy", np.name);
            }
            if (!"SERVICE".equals(target.type) && "SERVICE".equals(draft.type)) {
                // Changing a person into a service user drops what a service user cannot have.
                draft.password = draft.password != null && !draft.password.equals(target.password) ? draft.password : null;
                draft.firstName = draft.firstName != null && !draft.firstName.equals(target.firstName) ? draft.firstName : null;
                draft.lastName = draft.lastName != null && !draft.lastName.equals(target.lastName) ? draft.lastName : null;
                draft.mustChangePassword = false;
            }
            checkServiceUserProperties(draft);
            if (!draft.loginName.equals(target.loginName)) {
                User clash = account.findUserByLogin(draft.loginName);
                if (clash != null && clash != target)
                    throw SnowflakeError.alreadyExists("User", draft.loginName);
            }
            boolean disabling = draft.disabled && !target.disabled;
            copyUser(draft, target);
            if (disabling) {
                // Disabling a user disables its tokens, and they stay disabled.
                target.tokens.values().forEach(t -> t.disabled = true);
            }
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("UNSET")) {
            List<String> keys = new ArrayList<>();
            do
                keys.add(c.identifier().toUpperCase(Locale.ROOT));
            while (c.acceptSymbol(","));
            c.expectEnd();
            User u = account.users.get(name);
            if (u == null)
                return missingUser(name, ifExists);
            if (!can.alterUser(u))
                throw SnowflakeError.insufficientPrivileges("user", name);
            for (String k : keys) {
                switch (k) {
                    case "PASSWORD" -> u.password = null;
                    case "DISPLAY_NAME" -> u.displayName = null;
                    case "FIRST_NAME" -> u.firstName = null;
                    case "LAST_NAME" -> u.lastName = null;
                    case "EMAIL" -> u.email = null;
                    case "COMMENT" -> u.comment = null;
                    case "DEFAULT_ROLE" -> u.defaultRole = null;
                    case "DEFAULT_WAREHOUSE" -> u.defaultWarehouse = null;
                    case "DEFAULT_NAMESPACE" -> u.defaultNamespace = null;
                    case "DEFAULT_SECONDARY_ROLES" -> u.defaultSecondaryRoles = List.of("ALL");
                    case "RSA_PUBLIC_KEY" -> u.rsaPublicKey = null;
                    case "RSA_PUBLIC_KEY_2" -> u.rsaPublicKey2 = null;
                    case "NETWORK_POLICY" -> u.networkPolicy = null;
                    case "TYPE" -> u.type = null;
                    case "DISABLED" -> u.disabled = false;
                    case "MUST_CHANGE_PASSWORD" -> u.mustChangePassword = false;
                    default -> throw SnowflakeError.invalidValue("invalid property '" + k + "' for 'USER'");
                }
            }
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("ABORT", "ALL", "QUERIES")) {
            c.expectEnd();
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        throw c.unexpected();
    }

    boolean onlyChanged(User before, User after, String... allowed) {
        Set<String> ok = Set.of(allowed);
        Map<String, Object> b = userFields(before), a = userFields(after);
        for (String k : b.keySet()) {
            if (!ok.contains(k) && !Objects.equals(b.get(k), a.get(k)))
                return false;
        }
        return true;
    }

    Map<String, Object> userFields(User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loginName", u.loginName);
        m.put("displayName", u.displayName);
        m.put("firstName", u.firstName);
        m.put("lastName", u.lastName);
        m.put("email", u.email);
        m.put("comment", u.comment);
        m.put("type", u.type);
        m.put("password", u.password);
        m.put("mustChangePassword", u.mustChangePassword);
        m.put("defaultRole", u.defaultRole);
        m.put("defaultWarehouse", u.defaultWarehouse);
        m.put("defaultNamespace", u.defaultNamespace);
        m.put("defaultSecondaryRoles", u.defaultSecondaryRoles);
        m.put("rsaPublicKey", u.rsaPublicKey);
        m.put("rsaPublicKey2", u.rsaPublicKey2);
        m.put("disabled", u.disabled);
        m.put("networkPolicy", u.networkPolicy);
        return m;
    }

    void copyUser(User from, User to) {
        to.loginName = from.loginName;
        to.displayName = from.displayName;
        to.firstName = from.firstName;
        to.lastName = from.lastName;
        to.email = from.email;
        to.comment = from.comment;
        to.type = from.type;
        to.password = from.password;
        to.mustChangePassword = from.mustChangePassword;
        to.defaultRole = from.defaultRole;
        to.defaultWarehouse = from.defaultWarehouse;
        to.defaultNamespace = from.defaultNamespace;
        to.defaultSecondaryRoles = from.defaultSecondaryRoles;
        to.rsaPublicKey = from.rsaPublicKey;
        to.rsaPublicKey2 = from.rsaPublicKey2;
        to.disabled = from.disabled;
        to.networkPolicy = from.networkPolicy;
    }

    void dropUserState(User u) {
        new ArrayList<>(u.tokens.values()).forEach(t -> account.removeToken(u, t));
        account.users.remove(u.name);
        account.privilegeGrants.removeIf(g -> g.objectType().equals("USER") && g.objectName().equals(u.name));
    }

    Result showUsers() {
        Pattern like = likePattern();
        c.expectEnd();
        Result r = new Result(Result.SHOW)
                .text("name").column("created_on", Type.TIMESTAMP_LTZ)
                .text("login_name", "display_name", "first_name", "last_name", "email", "mins_to_unlock", "days_to_expiry",
                        "comment", "disabled", "must_change_password", "snowflake_lock", "default_warehouse",
                        "default_namespace", "default_role", "default_secondary_roles", "ext_authn_duo", "ext_authn_uid",
                        "mins_to_bypass_mfa", "owner")
                .column("last_success_login", Type.TIMESTAMP_LTZ)
                .column("expires_at_time", Type.TIMESTAMP_LTZ).column("locked_until_time", Type.TIMESTAMP_LTZ)
                .text("has_password", "has_rsa_public_key", "type", "has_mfa", "has_pat", "has_workload_identity");
        for (User u : account.users.values().stream().sorted(Comparator.comparing(x -> x.name)).toList()) {
            if (!likes(like, u.name))
                continue;
            if (!can.seeInShowUsers(u))
                continue;
            r.row(u.name, Result.timestamp(u.createdOn), u.loginName, u.displayName, u.firstName, u.lastName, u.email,
                    null, null, u.comment, Result.bool(u.disabled), Result.bool(u.mustChangePassword), "false",
                    u.defaultWarehouse, u.defaultNamespace, u.defaultRole, secondaryRolesText(u), "false", null, null,
                    u.owner, Result.timestamp(u.lastSuccessLogin), null, null, Result.bool(u.password != null),
                    Result.bool(u.rsaPublicKey != null || u.rsaPublicKey2 != null), u.type == null ? null : u.type, "false",
                    Result.bool(!u.tokens.isEmpty()), "false");
        }
        return r;
    }

    String secondaryRolesText(User u) {
        return u.defaultSecondaryRoles.isEmpty() ? "[]" : "[\"ALL\"]";
    }

    void describeRow(Result r, String property, String value, String dflt, String description) {
        // DESCRIBE USER shows the text "null" for unset values.
        r.row(property, value == null ? "null" : value, dflt == null ? "null" : dflt, description);
    }

    String fingerprint(String base64Der) {
        if (base64Der == null)
            return null;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64Der));
            return "SHA256:" + Base64.getEncoder().encodeToString(digest);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Result describeUser() {
        String name = c.identifier();
        c.expectEnd();
        User u = user(name);
        if (!can.describeUser(u))
            throw SnowflakeError.insufficientPrivileges("user", name);
        Result r = new Result(Result.DESCRIBE).text("property", "value", "default", "description");
        describeRow(r, "NAME", u.name, null, "Name");
        describeRow(r, "COMMENT", u.comment, null, "user comment associated to an object in the dictionary");
        describeRow(r, "DISPLAY_NAME", u.displayName, null, "Display name of the associated object");
        describeRow(r, "LOGIN_NAME", u.loginName, null, "Login name of the user");
        describeRow(r, "FIRST_NAME", u.firstName, null, "First name of the user");
        describeRow(r, "LAST_NAME", u.lastName, null, "Last name of the user");
        describeRow(r, "EMAIL", u.email, null, "Email address of the user");
        describeRow(r, "PASSWORD", u.password == null ? null : "********", null, "Password of the user");
        describeRow(r, "MUST_CHANGE_PASSWORD", Result.bool(u.mustChangePassword), "false", "User must change the password");
        describeRow(r, "DISABLED", Result.bool(u.disabled), "false", "Whether the user is disabled");
        describeRow(r, "SNOWFLAKE_LOCK", "false", "false", "Whether the user or account is locked by Snowflake");
        describeRow(r, "DEFAULT_WAREHOUSE", u.defaultWarehouse, null, "Default warehouse for this user");
        describeRow(r, "DEFAULT_NAMESPACE", u.defaultNamespace, null, "Default database namespace prefix for this user");
        describeRow(r, "DEFAULT_ROLE", u.defaultRole, null, "Primary principal of user session will be set to this role");
        describeRow(r, "DEFAULT_SECONDARY_ROLES", secondaryRolesText(u), null, "The secondary roles set of user session");
        describeRow(r, "MINS_TO_BYPASS_MFA", "0", "0", "Temporary bypass MFA for the user for a specified number of minutes");
        describeRow(r, "RSA_PUBLIC_KEY", u.rsaPublicKey, null, "RSA public key of the user");
        describeRow(r, "RSA_PUBLIC_KEY_FP", fingerprint(u.rsaPublicKey), null, "Fingerprint of user's RSA public key.");
        describeRow(r, "RSA_PUBLIC_KEY_2", u.rsaPublicKey2, null, "Second RSA public key of the user");
        describeRow(r, "RSA_PUBLIC_KEY_2_FP", fingerprint(u.rsaPublicKey2), null,
                "Fingerprint of user's second RSA public key.");
        describeRow(r, "TYPE", u.type, null, "Specifies the type of the user.");
        describeRow(r, "HAS_MFA", "false", "false", "Whether MFA is enrolled for the user.");
        describeRow(r, "HAS_PAT", Result.bool(!u.tokens.isEmpty()), "false",
                "Whether the user has one or more programmatic access tokens.");
        describeRow(r, "HAS_WORKLOAD_IDENTITY", "false", "false", "Whether the user has a workload identity.");
        return r;
    }
}

package dev.patrol.devservices.snowflake;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.patrol.devservices.snowflake.Account.Attachment;
import dev.patrol.devservices.snowflake.Account.AuthPolicy;
import dev.patrol.devservices.snowflake.Account.NetworkPolicy;
import dev.patrol.devservices.snowflake.Account.NetworkRule;
import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

/** Authentication policies, network rules and network policies, and attaching them to the account or a user. */
final class PolicyStatements extends StatementFamily {

    private static final Set<String> AUTH_METHODS = Set.of("ALL", "SAML", "PASSWORD", "OAUTH", "KEYPAIR",
            "PROGRAMMATIC_ACCESS_TOKEN", "WORKLOAD_IDENTITY");
    private static final Set<String> CLIENT_TYPES = Set.of("ALL", "SNOWFLAKE_UI", "DRIVERS", "SNOWFLAKE_CLI", "SNOWSQL");
    private static final Set<String> NETWORK_EVALUATIONS = Set.of("ENFORCED_REQUIRED", "ENFORCED_NOT_REQUIRED", "NOT_ENFORCED");

    PolicyStatements(StatementContext x) {
        super(x);
    }

    Result createAuthPolicy(boolean orReplace, boolean orAlter) {
        boolean ifNotExists = ifNotExists();
        Name n = c.qualifiedName();
        AuthPolicy draft = new AuthPolicy("", "", n.name(), session.role, account.now());
        Set<String> named = authPolicyProperties(draft);
        c.expectEnd();
        Name q = qualify(n, "CREATE AUTHENTICATION POLICY");
        Owned schema = schemaOf(q);
        if (!can.mayCreateIn(schema, "CREATE AUTHENTICATION POLICY", q.database() + "." + q.schema())) {
            throw SnowflakeError.insufficientPrivileges("schema", q.database() + "." + q.schema());
        }
        String key = fqn(q);
        AuthPolicy existing = account.authPolicies.get(key);
        if (existing != null) {
            if (orAlter) {
                if (!can.owns(existing))
                    throw SnowflakeError.insufficientPrivileges("authentication policy", key);
                copyAuthPolicy(draft, existing, named);
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (ifNotExists)
                return Result.status(Result.DDL, q.name() + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Authentication policy", q.name());
            if (isAttached(key)) {
                throw SnowflakeError.invalidValue("Authentication policy " + key + " is attached and cannot be replaced.");
            }
        }
        AuthPolicy p = new AuthPolicy(q.database(), q.schema(), q.name(), session.role, account.now());
        copyAuthPolicy(draft, p, named);
        account.authPolicies.put(key, p);
        return Result.status(Result.DDL, "Authentication policy " + q.name() + " successfully created.");
    }

    /** Copies the named properties; PAT_POLICY is replaced whole (sub-properties not given take their defaults). */
    void copyAuthPolicy(AuthPolicy from, AuthPolicy to, Set<String> named) {
        if (named.contains("AUTHENTICATION_METHODS"))
            to.methods = from.methods;
        if (named.contains("CLIENT_TYPES"))
            to.clientTypes = from.clientTypes;
        if (named.contains("SECURITY_INTEGRATIONS"))
            to.securityIntegrations = from.securityIntegrations;
        if (named.contains("MFA_ENROLLMENT"))
            to.mfaEnrollment = from.mfaEnrollment;
        if (named.contains("COMMENT"))
            to.comment = from.comment;
        if (named.contains("PAT_POLICY")) {
            to.defaultExpiryInDays = from.defaultExpiryInDays;
            to.maxExpiryInDays = from.maxExpiryInDays;
            to.networkPolicyEvaluation = from.networkPolicyEvaluation;
            to.requireRoleRestrictionForServiceUsers = from.requireRoleRestrictionForServiceUsers;
            to.requireRoleRestrictionForPersonUsers = from.requireRoleRestrictionForPersonUsers;
            to.blockedRoles = from.blockedRoles;
        }
    }

    boolean isAttached(String policy) {
        return account.policyAttachments.values().stream().anyMatch(a -> a.policy().equals(policy))
                || account.users.values().stream().anyMatch(u -> policy.equals(u.authPolicy));
    }

    /**
     * Reads authentication-policy properties into a draft, validating each value, and returns the
     * names given. Nothing live changes here: callers copy the named properties afterwards.
     */
    Set<String> authPolicyProperties(AuthPolicy p) {
        Set<String> named = new LinkedHashSet<>();
        while (!c.atEnd()) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            named.add(key);
            switch (key) {
                case "AUTHENTICATION_METHODS" -> p.methods = enumList(AUTH_METHODS, key);
                case "CLIENT_TYPES" -> p.clientTypes = enumList(CLIENT_TYPES, key);
                case "SECURITY_INTEGRATIONS" ->
                    p.securityIntegrations = c.list().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
                case "MFA_ENROLLMENT" -> {
                    String v = c.stringOrIdentifier().toUpperCase(Locale.ROOT);
                    if (!Set.of("REQUIRED", "REQUIRED_PASSWORD_ONLY", "OPTIONAL").contains(v)) {
                        throw SnowflakeError.invalidValue("invalid value [" + v + "] for parameter 'MFA_ENROLLMENT'");
                    }
                    p.mfaEnrollment = v;
                }
                case "COMMENT" -> p.comment = c.string();
                case "PAT_POLICY" -> patPolicy(p);
                case "MFA_POLICY", "CLIENT_POLICY", "WORKLOAD_IDENTITY_POLICY", "MFA_AUTHENTICATION_METHODS" ->
                    throw SnowflakeError.unsupported(key + " in the Snowflake emulator");
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'AUTHENTICATION POLICY'");
            }
            c.acceptSymbol(",");
        }
        return named;
    }

    List<String> enumList(Set<String> allowed, String key) {
        List<String> values = c.list().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
        if (values.isEmpty())
            throw SnowflakeError.invalidValue("invalid value [()] for parameter '" + key + "'");
        for (String v : values) {
            if (!allowed.contains(v))
                throw SnowflakeError.invalidValue("invalid value ['" + v + "'] for parameter '" + key + "'");
        }
        return values;
    }

    void patPolicy(AuthPolicy p) {
        c.expectSymbol("(");
        int def = p.defaultExpiryInDays, max = p.maxExpiryInDays;
        while (!c.acceptSymbol(")")) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            switch (key) {
                case "DEFAULT_EXPIRY_IN_DAYS" -> def = (int) c.integer();
                case "MAX_EXPIRY_IN_DAYS" -> max = (int) c.integer();
                case "NETWORK_POLICY_EVALUATION" -> {
                    String v = c.stringOrIdentifier().toUpperCase(Locale.ROOT);
                    if (!NETWORK_EVALUATIONS.contains(v)) {
                        throw SnowflakeError
                                .invalidValue("invalid value [" + v + "] for parameter 'NETWORK_POLICY_EVALUATION'");
                    }
                    p.networkPolicyEvaluation = v;
                }
                case "REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS" -> p.requireRoleRestrictionForServiceUsers = c.bool();
                case "REQUIRE_ROLE_RESTRICTION_FOR_PERSON_USERS" -> p.requireRoleRestrictionForPersonUsers = c.bool();
                case "BLOCKED_ROLES_LIST" -> p.blockedRoles = c.list().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'PAT_POLICY'");
            }
            c.acceptSymbol(",");
        }
        // 1 <= DEFAULT_EXPIRY_IN_DAYS <= MAX_EXPIRY_IN_DAYS <= 365.
        if (max < 1 || max > 365 || def < 1 || def > max) {
            throw SnowflakeError.invalidValue("PAT_POLICY requires 1 <= DEFAULT_EXPIRY_IN_DAYS <= MAX_EXPIRY_IN_DAYS <= 365.");
        }
        p.defaultExpiryInDays = def;
        p.maxExpiryInDays = max;
    }

    Result createNetworkRule(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        Name n = c.qualifiedName();
        NetworkRule draft = new NetworkRule("", "", n.name(), session.role, account.now());
        while (!c.atEnd()) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            switch (key) {
                case "MODE" ->
                    draft.mode = oneOfValues(key, "INGRESS", "EGRESS", "INTERNAL_STAGE", "POSTGRES_INGRESS", "POSTGRES_EGRESS");
                case "TYPE" -> draft.type = oneOfValues(key, "IPV4", "HOST_PORT", "AWSVPCEID", "AZURELINKID", "GCPPSCID",
                        "PRIVATE_HOST_PORT");
                case "VALUE_LIST" -> draft.values = c.list();
                case "COMMENT" -> draft.comment = c.string();
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'NETWORK RULE'");
            }
        }
        c.expectEnd();
        if (draft.type.equals("IPV4")) {
            for (String v : draft.values) {
                if (!Ipv4.isValidRange(v))
                    throw SnowflakeError.invalidValue("Invalid IPv4 address or range '" + v + "' in VALUE_LIST.");
            }
        }
        Name q = qualify(n, "CREATE NETWORK RULE");
        Owned schema = schemaOf(q);
        if (!can.mayCreateIn(schema, "CREATE NETWORK RULE", q.database() + "." + q.schema())) {
            throw SnowflakeError.insufficientPrivileges("schema", q.database() + "." + q.schema());
        }
        String key = fqn(q);
        if (account.networkRules.containsKey(key)) {
            if (ifNotExists)
                return Result.status(Result.DDL, q.name() + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Network rule", q.name());
        }
        NetworkRule rule = new NetworkRule(q.database(), q.schema(), q.name(), session.role, account.now());
        rule.mode = draft.mode;
        rule.type = draft.type;
        rule.values = draft.values;
        rule.comment = draft.comment;
        account.networkRules.put(key, rule);
        return Result.status(Result.DDL, "Network rule " + q.name() + " successfully created.");
    }

    String oneOfValues(String key, String... allowed) {
        String v = c.stringOrIdentifier().toUpperCase(Locale.ROOT);
        if (!List.of(allowed).contains(v))
            throw SnowflakeError.invalidValue("invalid value [" + v + "] for parameter '" + key + "'");
        return v;
    }

    Result createNetworkPolicy(boolean orReplace) {
        boolean ifNotExists = ifNotExists();
        String name = c.identifier();
        NetworkPolicy draft = new NetworkPolicy(name, session.role, account.now());
        networkPolicyProperties(draft);
        c.expectEnd();
        can.requireCreatePrivilege("CREATE NETWORK POLICY");
        if (account.networkPolicies.containsKey(name)) {
            if (ifNotExists)
                return Result.status(Result.DDL, name + " already exists, statement succeeded.");
            if (!orReplace)
                throw SnowflakeError.alreadyExists("Network policy", name);
        }
        account.networkPolicies.put(name, draft);
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    void networkPolicyProperties(NetworkPolicy p) {
        while (!c.atEnd()) {
            String key = c.identifier().toUpperCase(Locale.ROOT);
            c.expectSymbol("=");
            switch (key) {
                case "ALLOWED_NETWORK_RULE_LIST" -> p.allowedRules = ruleList();
                case "BLOCKED_NETWORK_RULE_LIST" -> p.blockedRules = ruleList();
                case "ALLOWED_IP_LIST" -> p.allowedIps = ipList();
                case "BLOCKED_IP_LIST" -> p.blockedIps = ipList();
                case "COMMENT" -> p.comment = c.string();
                default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'NETWORK POLICY'");
            }
        }
    }

    List<String> ruleList() {
        List<String> out = new ArrayList<>();
        for (String raw : c.list()) {
            Name n = parseName(raw);
            Name q = qualify(n, "CREATE NETWORK POLICY");
            String key = fqn(q);
            if (!account.networkRules.containsKey(key))
                throw SnowflakeError.doesNotExist("Network rule", raw);
            out.add(key);
        }
        return out;
    }

    List<String> ipList() {
        List<String> ips = c.list();
        for (String ip : ips) {
            if (!Ipv4.isValidRange(ip))
                throw SnowflakeError.invalidValue("Invalid IP address or range '" + ip + "'.");
        }
        return ips;
    }

    Result alterAccount() {
        if (c.accept("SET", "AUTHENTICATION", "POLICY")) {
            Name p = c.qualifiedName();
            String scope = accountPolicyScope();
            boolean force = c.accept("FORCE");
            c.expectEnd();
            String key = fqn(qualify(p, "ALTER ACCOUNT"));
            if (!account.authPolicies.containsKey(key))
                throw SnowflakeError.doesNotExist("Authentication policy", p.display());
            can.requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
            Attachment existing = account.policyAttachments.get(scope);
            if (existing != null && !force && !existing.policy().equals(key)) {
                throw SnowflakeError.invalidValue("An authentication policy is already attached for " + scopeText(scope)
                        + ". Unset it first or use FORCE.");
            }
            account.policyAttachments.put(scope, new Attachment(key, force, account.now()));
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("UNSET", "AUTHENTICATION", "POLICY")) {
            String scope = accountPolicyScope();
            c.expectEnd();
            can.requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
            if (account.policyAttachments.remove(scope) == null)
                throw SnowflakeError.accountPolicyNotAttached();
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("SET", "NETWORK_POLICY")) {
            c.expectSymbol("=");
            String np = networkPolicyValue();
            c.expectEnd();
            can.requireAccountPrivilege("ATTACH POLICY");
            account.accountNetworkPolicy = np;
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        if (c.accept("UNSET", "NETWORK_POLICY")) {
            c.expectEnd();
            can.requireAccountPrivilege("ATTACH POLICY");
            account.accountNetworkPolicy = null;
            return Result.status(Result.DDL, "Statement executed successfully.");
        }
        throw SnowflakeError.unsupported("ALTER ACCOUNT " + c.peek().text().toUpperCase(Locale.ROOT));
    }

    String accountPolicyScope() {
        if (c.accept("FOR", "ALL", "PERSON", "USERS"))
            return "PERSON_USERS";
        if (c.accept("FOR", "ALL", "SERVICE", "USERS"))
            return "SERVICE_USERS";
        return "ACCOUNT";
    }

    String scopeText(String scope) {
        return switch (scope) {
            case "PERSON_USERS" -> "all person users";
            case "SERVICE_USERS" -> "all service users";
            default -> "the account";
        };
    }

    Result alterAuthPolicy() {
        boolean ifExists = c.accept("IF", "EXISTS");
        Name n = c.qualifiedName();
        AuthPolicy draft = new AuthPolicy("", "", n.name(), null, account.now());
        List<String> unset = new ArrayList<>();
        Set<String> named = Set.of();
        String renameTo = null;
        if (c.accept("SET")) {
            named = authPolicyProperties(draft);
            if (named.isEmpty())
                throw c.unexpected();
        } else if (c.accept("UNSET")) {
            do
                unset.add(c.identifier().toUpperCase(Locale.ROOT));
            while (c.acceptSymbol(","));
        } else {
            c.expect("RENAME", "TO");
            renameTo = c.identifier();
        }
        c.expectEnd();
        String key = fqn(qualify(n, "ALTER AUTHENTICATION POLICY"));
        AuthPolicy p = account.authPolicies.get(key);
        if (p == null) {
            if (ifExists)
                return Result.status(Result.DDL, "Statement executed successfully.");
            throw SnowflakeError.doesNotExist("Authentication policy", n.display());
        }
        if (!can.owns(p))
            throw SnowflakeError.insufficientPrivileges("authentication policy", key);
        if (renameTo != null)
            throw SnowflakeError.unsupported("ALTER AUTHENTICATION POLICY ... RENAME TO in the Snowflake emulator");
        copyAuthPolicy(draft, p, named);
        AuthPolicy defaults = new AuthPolicy("", "", "", null, account.now());
        for (String k : unset) {
            switch (k) {
                case "AUTHENTICATION_METHODS" -> p.methods = defaults.methods;
                case "CLIENT_TYPES" -> p.clientTypes = defaults.clientTypes;
                case "SECURITY_INTEGRATIONS" -> p.securityIntegrations = defaults.securityIntegrations;
                case "MFA_ENROLLMENT" -> p.mfaEnrollment = defaults.mfaEnrollment;
                case "COMMENT" -> p.comment = null;
                case "PAT_POLICY" -> {
                    p.defaultExpiryInDays = defaults.defaultExpiryInDays;
                    p.maxExpiryInDays = defaults.maxExpiryInDays;
                    p.networkPolicyEvaluation = defaults.networkPolicyEvaluation;
                    p.requireRoleRestrictionForServiceUsers = defaults.requireRoleRestrictionForServiceUsers;
                    p.requireRoleRestrictionForPersonUsers = defaults.requireRoleRestrictionForPersonUsers;
                    p.blockedRoles = defaults.blockedRoles;
                }
                default -> throw SnowflakeError.invalidValue("invalid property '" + k + "' for 'AUTHENTICATION POLICY'");
            }
        }
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    /** {@code ALTER NETWORK RULE [IF EXISTS] r SET VALUE_LIST = (...) [COMMENT = '...'] | UNSET VALUE_LIST | COMMENT}. */
    Result alterNetworkRule() {
        boolean ifExists = c.accept("IF", "EXISTS");
        Name n = c.qualifiedName();
        List<String> values = null;
        String comment = null;
        boolean unsetValues = false, unsetComment = false;
        if (c.accept("SET")) {
            while (!c.atEnd()) {
                String key = c.identifier().toUpperCase(Locale.ROOT);
                c.expectSymbol("=");
                switch (key) {
                    case "VALUE_LIST" -> values = c.list();
                    case "COMMENT" -> comment = c.string();
                    default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'NETWORK RULE'");
                }
                c.acceptSymbol(",");
            }
            if (values == null && comment == null)
                throw c.unexpected();
        } else {
            c.expect("UNSET");
            do {
                String key = c.identifier().toUpperCase(Locale.ROOT);
                if (key.equals("VALUE_LIST"))
                    unsetValues = true;
                else if (key.equals("COMMENT"))
                    unsetComment = true;
                else
                    throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'NETWORK RULE'");
            } while (c.acceptSymbol(","));
        }
        c.expectEnd();
        String key = fqn(qualify(n, "ALTER NETWORK RULE"));
        NetworkRule rule = account.networkRules.get(key);
        if (rule == null) {
            if (ifExists)
                return Result.status(Result.DDL, "Statement executed successfully.");
            throw SnowflakeError.doesNotExist("Network rule", n.display());
        }
        if (!can.owns(rule))
            throw SnowflakeError.insufficientPrivileges("network rule", key);
        if (values != null && rule.type.equals("IPV4")) {
            for (String v : values) {
                if (!Ipv4.isValidRange(v))
                    throw SnowflakeError.invalidValue("Invalid IPv4 address or range '" + v + "' in VALUE_LIST.");
            }
        }
        if (values != null)
            rule.values = values;
        if (unsetValues)
            rule.values = List.of();
        if (comment != null)
            rule.comment = comment;
        if (unsetComment)
            rule.comment = null;
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    Result alterNetworkPolicy() {
        boolean ifExists = c.accept("IF", "EXISTS");
        String name = c.identifier();
        c.expect("SET");
        NetworkPolicy draft = new NetworkPolicy(name, null, account.now());
        NetworkPolicy live = account.networkPolicies.get(name);
        if (live != null) {
            draft.allowedRules = live.allowedRules;
            draft.blockedRules = live.blockedRules;
            draft.allowedIps = live.allowedIps;
            draft.blockedIps = live.blockedIps;
            draft.comment = live.comment;
        }
        networkPolicyProperties(draft);
        c.expectEnd();
        if (live == null) {
            if (ifExists)
                return Result.status(Result.DDL, "Statement executed successfully.");
            throw SnowflakeError.doesNotExist("Network policy", name);
        }
        if (!can.owns(live))
            throw SnowflakeError.insufficientPrivileges("network policy", name);
        live.allowedRules = draft.allowedRules;
        live.blockedRules = draft.blockedRules;
        live.allowedIps = draft.allowedIps;
        live.blockedIps = draft.blockedIps;
        live.comment = draft.comment;
        return Result.status(Result.DDL, "Statement executed successfully.");
    }

    Result showAuthPolicies() {
        Pattern like = likePattern();
        if (c.accept("ON", "ACCOUNT")) {
            c.expectEnd();
            return policiesInForce(accountPolicies());
        }
        if (c.accept("ON", "USER")) {
            String name = c.identifier();
            c.expectEnd();
            User u = user(name);
            Account.InForce f = account.policyInForce(u);
            String options = f.scope() == null ? "" : "{\"target_scopes\":[\"" + f.scope() + "\"]}";
            return policiesInForce(List.of(new InForceRow(f.policy(), f.setOn(), options)));
        }
        c.accept("IN", "ACCOUNT"); // the default scope
        c.expectEnd();
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                .text("name", "comment", "database_name", "schema_name", "kind", "owner", "owner_role_type", "options");
        for (AuthPolicy p : account.authPolicies.values()) {
            if (!likes(like, p.name) || !can.readAuthPolicy(p))
                continue;
            r.row(Result.timestamp(p.createdOn), p.name, p.comment, p.database, p.schema, "AUTHENTICATION_POLICY", p.owner,
                    "ROLE", "");
        }
        return r;
    }

    /**
     * {@code SELECT * FROM SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES [WHERE col = 'v' [AND ...]]}: the
     * authentication-policy attachments, account-level and per user. Like every ACCOUNT_USAGE view it
     * lags; the emulator shows an attachment only once the documented maximum (2 h) has passed, and
     * a detachment drops it at once (UNCONFIRMED: how per-user-type attachments appear; here as ACCOUNT).
     */
    Result selectPolicyReferences() {
        c.expect("FROM");
        Name view = c.qualifiedName();
        if (!"SNOWFLAKE".equals(view.database()) || !"ACCOUNT_USAGE".equals(view.schema())
                || !"POLICY_REFERENCES".equals(view.name())) {
            throw SnowflakeError.unsupported("SELECT ... FROM " + view.display());
        }
        Map<String, String> where = new LinkedHashMap<>();
        if (c.accept("WHERE")) {
            do {
                String col = c.identifier().toUpperCase(Locale.ROOT);
                c.expectSymbol("=");
                where.put(col, c.string());
            } while (c.accept("AND"));
        }
        c.expectEnd();
        if (!can.readPolicyReferences())
            throw SnowflakeError.doesNotExist("Object", "SNOWFLAKE.ACCOUNT_USAGE.POLICY_REFERENCES");
        List<String> columns = List.of("POLICY_DB", "POLICY_SCHEMA", "POLICY_NAME", "POLICY_KIND", "REF_ENTITY_NAME",
                "REF_ENTITY_DOMAIN", "POLICY_STATUS");
        for (String col : where.keySet()) {
            if (!columns.contains(col))
                throw SnowflakeError.invalidValue("invalid identifier '" + col + "'");
        }
        Result r = new Result(Result.SELECT).text(columns.toArray(new String[0]));
        Instant visibleBefore = account.now().minus(Account.ACCOUNT_USAGE_LATENCY);
        List<String[]> rows = new ArrayList<>();
        account.policyAttachments.values().forEach(a -> {
            if (!a.attachedAt().isAfter(visibleBefore))
                rows.add(reference(a.policy(), account.name, "ACCOUNT"));
        });
        for (User u : account.users.values()) {
            if (u.authPolicy != null && !u.authPolicyAttachedAt.isAfter(visibleBefore))
                rows.add(reference(u.authPolicy, u.name, "USER"));
        }
        for (String[] row : rows) {
            boolean match = true;
            for (Map.Entry<String, String> w : where.entrySet())
                match &= w.getValue().equals(row[columns.indexOf(w.getKey())]);
            if (match)
                r.row(row);
        }
        return r;
    }

    String[] reference(String policyKey, String entity, String domain) {
        AuthPolicy p = account.authPolicies.get(policyKey);
        return new String[] { p.database, p.schema, p.name, "AUTHENTICATION_POLICY", entity, domain, "ACTIVE" };
    }

    /** One row of SHOW AUTHENTICATION POLICIES ON ...: a policy (null for Snowflake's built-in one) and where it is set. */
    record InForceRow(AuthPolicy policy, String setOn, String options) {
    }

    /** The account's own attachments (account-wide and per user type), or the built-in policy when there are none. */
    List<InForceRow> accountPolicies() {
        Map<String, List<String>> scopes = new LinkedHashMap<>();
        account.policyAttachments.forEach((scope, a) -> scopes.computeIfAbsent(a.policy(), k -> new ArrayList<>()).add(scope));
        List<InForceRow> rows = new ArrayList<>();
        scopes.forEach((policy, list) -> rows.add(new InForceRow(account.authPolicies.get(policy), "ACCOUNT",
                "{\"target_scopes\":[" + String.join(",", list.stream().map(s -> "\"" + s + "\"").toList()) + "]}")));
        if (rows.isEmpty())
            rows.add(new InForceRow(null, "SYSTEM", ""));
        return rows;
    }

    /**
     * The rows of SHOW AUTHENTICATION POLICIES ON ACCOUNT | USER, each readable only with APPLY
     * AUTHENTICATION POLICY or the policy's ownership. UNCONFIRMED: the column order beyond
     * {@code comment} after {@code owner} and a final {@code set_on}; the built-in row's name.
     */
    Result policiesInForce(List<InForceRow> rows) {
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                .text("name", "database_name", "schema_name", "kind", "owner", "comment", "owner_role_type", "options",
                        "set_on");
        for (InForceRow row : rows) {
            AuthPolicy p = row.policy();
            if (!can.readAuthPolicy(p)) {
                throw SnowflakeError.insufficientPrivileges("authentication policy", p == null ? "SYSTEM" : p.qualifiedName());
            }
            if (p == null) {
                r.row(null, "SYSTEM$DEFAULT_AUTHENTICATION_POLICY", null, null, "AUTHENTICATION_POLICY", null,
                        "Snowflake's built-in authentication policy", null, row.options(), row.setOn());
            } else {
                r.row(Result.timestamp(p.createdOn), p.name, p.database, p.schema, "AUTHENTICATION_POLICY", p.owner, p.comment,
                        "ROLE", row.options(), row.setOn());
            }
        }
        return r;
    }

    Result showNetworkPolicies() {
        c.expectEnd();
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("name", "comment")
                .column("entries_in_allowed_ip_list", Type.FIXED).column("entries_in_blocked_ip_list", Type.FIXED)
                .column("entries_in_allowed_network_rules", Type.FIXED).column("entries_in_blocked_network_rules", Type.FIXED);
        boolean all = can.accountPrivilege("ATTACH POLICY");
        for (NetworkPolicy p : account.networkPolicies.values()) {
            if (!(all || can.owns(p)))
                continue;
            r.row(Result.timestamp(p.createdOn), p.name, p.comment, Integer.toString(p.allowedIps.size()),
                    Integer.toString(p.blockedIps.size()), Integer.toString(p.allowedRules.size()),
                    Integer.toString(p.blockedRules.size()));
        }
        return r;
    }

    Result showNetworkRules() {
        c.expectEnd();
        Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                .text("name", "database_name", "schema_name", "owner", "comment", "type", "mode")
                .column("entries_in_valuelist", Type.FIXED);
        for (NetworkRule rule : account.networkRules.values()) {
            if (!can.owns(rule) && !can.accountPrivilege("MANAGE GRANTS"))
                continue;
            r.row(Result.timestamp(rule.createdOn), rule.name, rule.database, rule.schema, rule.owner, rule.comment, rule.type,
                    rule.mode, Integer.toString(rule.values.size()));
        }
        return r;
    }

    String patPolicyText(AuthPolicy p) {
        return "{DEFAULT_EXPIRY_IN_DAYS=" + p.defaultExpiryInDays + ", MAX_EXPIRY_IN_DAYS=" + p.maxExpiryInDays
                + ", NETWORK_POLICY_EVALUATION=" + p.networkPolicyEvaluation
                + ", REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=" + p.requireRoleRestrictionForServiceUsers
                + ", REQUIRE_ROLE_RESTRICTION_FOR_PERSON_USERS=" + p.requireRoleRestrictionForPersonUsers
                + ", BLOCKED_ROLES_LIST=[" + String.join(", ", p.blockedRoles) + "]}";
    }

    Result describeAuthPolicy() {
        Name n = c.qualifiedName();
        c.expectEnd();
        String key = fqn(qualify(n, "DESCRIBE AUTHENTICATION POLICY"));
        AuthPolicy p = account.authPolicies.get(key);
        if (p == null)
            throw SnowflakeError.doesNotExist("Authentication policy", n.display());
        if (!can.readAuthPolicy(p)) {
            throw SnowflakeError.insufficientPrivileges("authentication policy", key);
        }
        Result r = new Result(Result.DESCRIBE).text("property", "value", "default", "description");
        r.row("NAME", p.name, null, "Name of the authentication policy.");
        r.row("OWNER", p.owner, null, "Role that owns the authentication policy.");
        r.row("COMMENT", String.valueOf(p.comment), "null", "Comment associated with authentication policy.");
        r.row("AUTHENTICATION_METHODS", "[" + String.join(", ", p.methods) + "]", "[ALL]", "Allowed authentication methods.");
        r.row("CLIENT_TYPES", "[" + String.join(", ", p.clientTypes) + "]", "[ALL]", "Allowed client types.");
        r.row("SECURITY_INTEGRATIONS", "[" + String.join(", ", p.securityIntegrations) + "]", "[ALL]",
                "Allowed security integrations.");
        r.row("MFA_ENROLLMENT", p.mfaEnrollment, "OPTIONAL", "Whether MFA enrollment is required.");
        r.row("CLIENT_POLICY", "{}", "{}", "Client versions allowed.");
        r.row("PAT_POLICY", patPolicyText(p), patPolicyText(Account.DEFAULT_POLICY), "Programmatic access token policy.");
        return r;
    }

    Result describeNetworkPolicy() {
        String name = c.identifier();
        c.expectEnd();
        NetworkPolicy p = account.networkPolicies.get(name);
        if (p == null)
            throw SnowflakeError.doesNotExist("Network policy", name);
        if (!(can.owns(p) || can.accountPrivilege("ATTACH POLICY")))
            throw SnowflakeError.insufficientPrivileges("network policy", name);
        Result r = new Result(Result.DESCRIBE).text("name", "value");
        if (!p.allowedIps.isEmpty())
            r.row("ALLOWED_IP_LIST", String.join(",", p.allowedIps));
        if (!p.blockedIps.isEmpty())
            r.row("BLOCKED_IP_LIST", String.join(",", p.blockedIps));
        if (!p.allowedRules.isEmpty())
            r.row("ALLOWED_NETWORK_RULE_LIST", String.join(",", p.allowedRules));
        if (!p.blockedRules.isEmpty())
            r.row("BLOCKED_NETWORK_RULE_LIST", String.join(",", p.blockedRules));
        return r;
    }
}

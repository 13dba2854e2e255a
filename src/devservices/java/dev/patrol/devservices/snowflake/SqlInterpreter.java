package dev.patrol.devservices.snowflake;

import dev.patrol.devservices.snowflake.Account.Attachment;
import dev.patrol.devservices.snowflake.Account.AuthPolicy;
import dev.patrol.devservices.snowflake.Account.Database;
import dev.patrol.devservices.snowflake.Account.NetworkPolicy;
import dev.patrol.devservices.snowflake.Account.NetworkRule;
import dev.patrol.devservices.snowflake.Account.Owned;
import dev.patrol.devservices.snowflake.Account.Pat;
import dev.patrol.devservices.snowflake.Account.PrivilegeGrant;
import dev.patrol.devservices.snowflake.Account.Role;
import dev.patrol.devservices.snowflake.Account.RoleGrant;
import dev.patrol.devservices.snowflake.Account.User;
import dev.patrol.devservices.snowflake.Result.Type;
import dev.patrol.devservices.snowflake.SqlCursor.Name;

import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Parses and runs one SQL statement against an {@link Account}, with the privilege rules of
 * {@code snowflake-pat.md}. Each statement is parsed completely before anything changes, so a
 * syntax error never leaves a half-applied statement behind.
 *
 * <p>Privilege rules, in one place (Snowflake's documented defaults; the ones marked UNCONFIRMED
 * are the emulator's choice where no source says more):
 * <ul>
 * <li>CREATE USER / CREATE ROLE need those account privileges (USERADMIN and above); the creating
 * primary role owns the new object; ALTER/DROP need ownership (held through the role hierarchy).</li>
 * <li>GRANT and REVOKE need ownership of the object or role, or MANAGE GRANTS (SECURITYADMIN).</li>
 * <li>PAT statements need OWNERSHIP or MODIFY PROGRAMMATIC AUTHENTICATION METHODS on the user, except
 * that a person user manages its own tokens freely; none is allowed in a PAT session.</li>
 * <li>DESCRIBE USER and SHOW GRANTS TO USER: the user itself, ownership, MONITOR on the user, or
 * MANAGE GRANTS (UNCONFIRMED: the reference pages name ownership; MONITOR is what a least-privileged
 * rotator can be given).</li>
 * <li>Authentication policies: created by owners of the schema (or holders of CREATE AUTHENTICATION
 * POLICY on it); attached with APPLY AUTHENTICATION POLICY on the account (SECURITYADMIN).</li>
 * </ul>
 */
final class SqlInterpreter {

    private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
    private static final Set<String> USER_TYPES = Set.of("PERSON", "SERVICE", "LEGACY_SERVICE", "SERVICE_AGENT", "NULL");
    private static final Set<String> AUTH_METHODS = Set.of("ALL", "SAML", "PASSWORD", "OAUTH", "KEYPAIR",
            "PROGRAMMATIC_ACCESS_TOKEN", "WORKLOAD_IDENTITY");
    private static final Set<String> CLIENT_TYPES = Set.of("ALL", "SNOWFLAKE_UI", "DRIVERS", "SNOWFLAKE_CLI", "SNOWSQL");
    private static final Set<String> NETWORK_EVALUATIONS = Set.of("ENFORCED_REQUIRED", "ENFORCED_NOT_REQUIRED", "NOT_ENFORCED");
    /** Privileges the emulator knows, by the kind of object they are granted on. */
    private static final Map<String, Set<String>> PRIVILEGES = Map.of(
            "ACCOUNT", Set.of("CREATE USER", "CREATE ROLE", "MANAGE GRANTS", "CREATE DATABASE", "CREATE WAREHOUSE",
                    "CREATE NETWORK POLICY", "APPLY AUTHENTICATION POLICY", "ATTACH POLICY", "MONITOR USAGE"),
            "USER", Set.of("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "MONITOR"),
            "DATABASE", Set.of("USAGE", "CREATE SCHEMA", "MONITOR"),
            "SCHEMA", Set.of("USAGE", "CREATE AUTHENTICATION POLICY", "CREATE NETWORK RULE", "MONITOR"),
            "WAREHOUSE", Set.of("USAGE", "OPERATE", "MONITOR", "MODIFY"));
    private static final Set<String> UNSUPPORTED_STATEMENTS = Set.of("INSERT", "UPDATE", "DELETE", "MERGE", "COPY",
            "PUT", "GET", "CALL", "EXECUTE", "TRUNCATE", "UNDROP", "LIST", "LS", "REMOVE", "RM", "EXPLAIN", "WITH", "COMMENT");

    private final Account account;
    private final SecureRandom random = new SecureRandom();

    SqlInterpreter(Account account) {
        this.account = account;
    }

    Result execute(Session session, String sql) {
        SqlCursor c = new SqlCursor(sql);
        synchronized (account) {
            return new Run(session, c).statement();
        }
    }

    /** A new PAT secret: opaque, URL-safe, shown once (its format is UNCONFIRMED, snowflake-pat.md §1.1). */
    String newSecret() {
        byte[] bytes = new byte[48];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The state of one statement's execution: the session and the cursor over its tokens. */
    private final class Run {
        private final Session session;
        private final SqlCursor c;

        Run(Session session, SqlCursor c) {
            this.session = session;
            this.c = c;
        }

        Result statement() {
            if (c.atEnd()) throw SnowflakeError.syntaxAtEnd();
            if (c.accept("SELECT")) return select();
            if (c.accept("SHOW")) return show();
            if (c.accept("DESCRIBE") || c.accept("DESC")) return describe();
            if (c.accept("CREATE")) return create();
            if (c.accept("ALTER")) return alter();
            if (c.accept("DROP")) return drop();
            if (c.accept("GRANT")) return grant();
            if (c.accept("REVOKE")) return revoke();
            if (c.accept("USE")) return use();
            if (c.accept("BEGIN") || c.accept("START", "TRANSACTION")) {
                c.accept("TRANSACTION");
                c.accept("WORK");
                c.expectEnd();
                return Result.status(Result.TCL, "Statement executed successfully.");
            }
            if (c.accept("COMMIT") || c.accept("ROLLBACK")) {
                c.accept("WORK");
                c.expectEnd();
                return Result.status(Result.TCL, "Statement executed successfully.");
            }
            String first = c.peek().text().toUpperCase(Locale.ROOT);
            if (UNSUPPORTED_STATEMENTS.contains(first)) throw SnowflakeError.unsupported(first);
            throw c.unexpected();
        }

        // ------------------------------------------------------------------ roles of the session

        Set<String> activeRoles() {
            Set<String> out = new LinkedHashSet<>(account.closure(session.role));
            if (session.viaPat()) return out; // a PAT session uses its restricted role only
            User user = account.users.get(session.user);
            if (user == null || session.secondaryRoles == null) return out;
            Set<String> available = account.availableRoles(user);
            if (session.secondaryRoles.contains("ALL")) {
                out.addAll(available);
            } else {
                for (String r : session.secondaryRoles) {
                    if (available.contains(r)) out.addAll(account.closure(r));
                }
            }
            return out;
        }

        /**
         * The roles that authorise CREATE statements: the primary role and what it inherits. Snowflake
         * lets secondary roles authorise every other statement, but never object creation.
         */
        Set<String> primaryRoles() {
            return account.closure(session.role);
        }

        void requireCreatePrivilege(String privilege) {
            if (!account.hasAccountPrivilege(primaryRoles(), privilege)) {
                throw new SnowflakeError("003001", "42501", "SQL access control error:\nInsufficient privileges to operate on account '"
                        + account.name + "'");
            }
        }

        boolean mayCreateIn(Owned schema, String privilege, String schemaName) {
            return primaryRoles().contains(schema.owner)
                    || account.hasPrivilege(primaryRoles(), privilege, "SCHEMA", schemaName, null);
        }

        boolean owns(Owned o) {
            return o.owner != null && activeRoles().contains(o.owner);
        }

        boolean accountPrivilege(String privilege) {
            return account.hasAccountPrivilege(activeRoles(), privilege);
        }

        boolean onObject(String privilege, String type, String name, Owned o) {
            return account.hasPrivilege(activeRoles(), privilege, type, name, o == null ? null : o.owner);
        }

        void requireAccountPrivilege(String privilege) {
            if (!accountPrivilege(privilege)) {
                throw new SnowflakeError("003001", "42501", "SQL access control error:\nInsufficient privileges to operate on account '"
                        + account.name + "'");
            }
        }

        // ------------------------------------------------------------------ lookups

        User user(String name) {
            User u = account.users.get(name);
            if (u == null) throw SnowflakeError.doesNotExist("User", name);
            return u;
        }

        Role role(String name) {
            Role r = account.roles.get(name);
            if (r == null) throw SnowflakeError.doesNotExist("Role", name);
            return r;
        }

        Database database(String name) {
            Database d = account.databases.get(name);
            if (d == null) throw SnowflakeError.doesNotExist("Database", name);
            return d;
        }

        /** Resolves a schema-level name against the session's current database and schema. */
        Name qualify(Name n, String statement) {
            String db = n.database() != null ? n.database() : session.database;
            String schema = n.schema() != null ? n.schema() : session.schema;
            if (db == null) throw SnowflakeError.noCurrentDatabase(statement);
            if (schema == null) {
                throw new SnowflakeError("090106", "22000", "Cannot perform " + statement
                        + ". This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.");
            }
            Database d = database(db);
            if (!d.schemas.containsKey(schema)) throw SnowflakeError.doesNotExist("Schema", db + "." + schema);
            return new Name(db, schema, n.name());
        }

        String fqn(Name n) {
            return n.database() + "." + n.schema() + "." + n.name();
        }

        Owned schemaOf(Name n) {
            return account.databases.get(n.database()).schemas.get(n.schema());
        }

        // ------------------------------------------------------------------ SELECT

        Result select() {
            Result r = new Result(Result.SELECT);
            List<String> values = new ArrayList<>();
            do {
                Supplier<String> expr = expression();
                String label = expressionLabel();
                if (c.accept("AS")) label = c.identifier();
                else if (c.peek().kind() == SqlCursor.Kind.WORD && !c.at("FROM")) label = c.identifier();
                r.text(label);
                values.add(expr.get());
            } while (c.acceptSymbol(","));
            if (c.at("FROM")) throw SnowflakeError.unsupported("SELECT ... FROM");
            c.expectEnd();
            r.row(values.toArray(new String[0]));
            return r;
        }

        private final StringBuilder exprText = new StringBuilder();

        /** Snowflake names an unaliased column after its expression's text, upper-cased. */
        String expressionLabel() {
            String label = exprText.toString();
            exprText.setLength(0);
            return label;
        }

        Supplier<String> expression() {
            SqlCursor.Token t = c.peek();
            if (t.kind() == SqlCursor.Kind.NUMBER || (t.kind() == SqlCursor.Kind.SYMBOL && t.text().equals("-"))) {
                long v = c.integer();
                exprText.append(v);
                return () -> Long.toString(v);
            }
            if (t.kind() == SqlCursor.Kind.STRING) {
                String v = c.string();
                exprText.append('\'').append(v).append('\'');
                return () -> v;
            }
            if (c.at("NULL")) {
                c.accept("NULL");
                exprText.append("NULL");
                return () -> null;
            }
            if (c.at("TRUE") || c.at("FALSE")) {
                boolean b = c.bool();
                exprText.append(b ? "TRUE" : "FALSE");
                return () -> Result.bool(b);
            }
            String fn = c.identifier().toUpperCase(Locale.ROOT);
            exprText.append(fn).append('(');
            c.expectSymbol("(");
            List<String> args = new ArrayList<>();
            if (!c.atSymbol(")")) {
                do {
                    String a = c.string();
                    if (!args.isEmpty()) exprText.append(", ");
                    exprText.append('\'').append(a).append('\'');
                    args.add(a);
                } while (c.acceptSymbol(","));
            }
            c.expectSymbol(")");
            exprText.append(')');
            return function(fn, args);
        }

        Supplier<String> function(String fn, List<String> args) {
            int arity = switch (fn) {
                case "SYSTEM$DECODE_PAT", "IS_ROLE_IN_SESSION" -> 1;
                default -> 0;
            };
            if (args.size() != arity) {
                throw new SnowflakeError("001044", "42P13", "SQL compilation error: error line 1 at position 7\n"
                        + "Invalid argument types for function '" + fn + "'");
            }
            return switch (fn) {
                case "CURRENT_ROLE" -> () -> session.role;
                case "CURRENT_USER" -> () -> session.user;
                case "CURRENT_ACCOUNT", "CURRENT_ACCOUNT_NAME" -> () -> account.name;
                case "CURRENT_DATABASE" -> () -> session.database;
                case "CURRENT_SCHEMA" -> () -> session.schema;
                case "CURRENT_WAREHOUSE" -> () -> session.warehouse;
                case "CURRENT_SESSION" -> () -> Long.toString(session.id);
                case "CURRENT_VERSION" -> () -> SnowflakeEmulator.SERVER_VERSION;
                case "CURRENT_SECONDARY_ROLES" -> this::secondaryRolesJson;
                case "CURRENT_AVAILABLE_ROLES" -> () -> jsonArray(session.viaPat() ? List.of(session.role)
                        : new ArrayList<>(account.availableRoles(user(session.user))));
                case "IS_ROLE_IN_SESSION" -> () -> Result.bool(activeRoles().contains(args.get(0).toUpperCase(Locale.ROOT))
                        || activeRoles().contains(args.get(0)));
                case "SYSTEM$DECODE_PAT" -> () -> decodePat(args.get(0));
                default -> throw new SnowflakeError("002140", "42601", "SQL compilation error:\nUnknown function " + fn);
            };
        }

        String secondaryRolesJson() {
            if (session.viaPat() || session.secondaryRoles == null || session.secondaryRoles.isEmpty()) {
                return "{\"roles\":\"\",\"value\":\"\"}";
            }
            Set<String> roles = new LinkedHashSet<>();
            if (session.secondaryRoles.contains("ALL")) roles.addAll(account.availableRoles(user(session.user)));
            else roles.addAll(session.secondaryRoles);
            roles.remove(session.role);
            String value = session.secondaryRoles.contains("ALL") ? "ALL" : String.join(",", session.secondaryRoles);
            return "{\"roles\":\"" + String.join(",", roles) + "\",\"value\":\"" + value + "\"}";
        }

        String decodePat(String secret) {
            Pat pat = account.tokensBySecretHash.get(Account.hashSecret(secret));
            if (pat == null) return "{\"STATE\":\"INVALID\",\"PAT_NAME\":null,\"USER_NAME\":null}";
            return "{\"STATE\":\"" + pat.status(account.now()) + "\",\"PAT_NAME\":\"" + pat.name + "\",\"USER_NAME\":\"" + pat.user + "\"}";
        }

        String jsonArray(List<String> items) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) b.append(',');
                b.append('"').append(items.get(i)).append('"');
            }
            return b.append(']').toString();
        }

        // ------------------------------------------------------------------ USE

        Result use() {
            if (c.accept("ROLE")) {
                String role = c.identifier();
                c.expectEnd();
                if (session.viaPat()) throw SnowflakeError.inPatSession("USE ROLE");
                User u = user(session.user);
                if (!account.roles.containsKey(role) || !account.availableRoles(u).contains(role)) {
                    throw new SnowflakeError("003013", "42501", "SQL compilation error:\nRequested role '" + role
                            + "' is not assigned to the executing user. Specify another role to activate.");
                }
                session.role = role;
                return Result.status(Result.USE, "Statement executed successfully.");
            }
            if (c.accept("SECONDARY", "ROLES")) {
                List<String> roles;
                if (c.accept("ALL")) roles = List.of("ALL");
                else if (c.accept("NONE")) roles = List.of();
                else {
                    roles = new ArrayList<>();
                    do roles.add(c.identifier()); while (c.acceptSymbol(","));
                }
                c.expectEnd();
                if (session.viaPat()) throw SnowflakeError.inPatSession("USE SECONDARY ROLES");
                Set<String> available = account.availableRoles(user(session.user));
                for (String r : roles) {
                    if (!r.equals("ALL") && !available.contains(r)) {
                        throw new SnowflakeError("003013", "42501", "SQL compilation error:\nRequested role '" + r
                                + "' is not assigned to the executing user. Specify another role to activate.");
                    }
                }
                session.secondaryRoles = roles;
                return Result.status(Result.USE, "Statement executed successfully.");
            }
            if (c.accept("WAREHOUSE")) {
                String name = c.identifier();
                c.expectEnd();
                Owned w = account.warehouses.get(name);
                if (w == null || !(owns(w) || onObject("USAGE", "WAREHOUSE", name, w))) {
                    throw objectDoesNotExist();
                }
                session.warehouse = name;
                return Result.status(Result.USE_WAREHOUSE, "Statement executed successfully.");
            }
            if (c.accept("SCHEMA")) {
                Name n = c.qualifiedName();
                c.expectEnd();
                String db = n.schema() != null ? n.schema() : session.database;
                if (n.database() != null) throw c.unexpected();
                if (db == null) throw SnowflakeError.noCurrentDatabase("USE SCHEMA");
                useSchema(db, n.name());
                return Result.status(Result.USE_SCHEMA, "Statement executed successfully.");
            }
            c.accept("DATABASE");
            Name n = c.qualifiedName();
            c.expectEnd();
            if (n.schema() != null && n.database() == null) {
                useSchema(n.schema(), n.name());
                return Result.status(Result.USE_SCHEMA, "Statement executed successfully.");
            }
            if (n.database() != null) throw c.unexpected();
            Database d = account.databases.get(n.name());
            if (d == null || !(owns(d) || onObject("USAGE", "DATABASE", d.name, d))) throw objectDoesNotExist();
            session.database = d.name;
            session.schema = d.schemas.containsKey("PUBLIC") ? "PUBLIC" : null;
            return Result.status(Result.USE_DATABASE, "Statement executed successfully.");
        }

        void useSchema(String db, String schema) {
            Database d = account.databases.get(db);
            Owned s = d == null ? null : d.schemas.get(schema);
            if (s == null || !(owns(d) || owns(s) || onObject("USAGE", "DATABASE", db, d))) throw objectDoesNotExist();
            session.database = db;
            session.schema = schema;
        }

        SnowflakeError objectDoesNotExist() {
            return new SnowflakeError("002043", "02000", "SQL compilation error:\nObject does not exist, or operation cannot be performed.");
        }

        // ------------------------------------------------------------------ CREATE

        Result create() {
            boolean orReplace = c.accept("OR", "REPLACE");
            boolean orAlter = !orReplace && c.accept("OR", "ALTER");
            if (c.accept("ROLE")) return createRole(orReplace);
            if (c.accept("USER")) return createUser(orReplace);
            if (c.accept("DATABASE")) return createDatabase(orReplace);
            if (c.accept("SCHEMA")) return createSchema(orReplace);
            if (c.accept("WAREHOUSE")) return createWarehouse(orReplace);
            if (c.accept("AUTHENTICATION", "POLICY")) return createAuthPolicy(orReplace, orAlter);
            if (c.accept("NETWORK", "RULE")) return createNetworkRule(orReplace);
            if (c.accept("NETWORK", "POLICY")) return createNetworkPolicy(orReplace);
            if (orAlter) throw c.unexpected();
            throw SnowflakeError.unsupported("CREATE " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        boolean ifNotExists() {
            return c.accept("IF", "NOT", "EXISTS");
        }

        Result createRole(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            String name = c.identifier();
            String comment = null;
            if (c.accept("COMMENT")) {
                c.expectSymbol("=");
                comment = c.string();
            }
            c.expectEnd();
            requireCreatePrivilege("CREATE ROLE");
            Role existing = account.roles.get(name);
            if (existing != null) {
                if (ifNotExists) return Result.status(Result.DDL, name + " already exists, statement succeeded.");
                if (!orReplace || Account.SYSTEM_ROLES.contains(name)) throw SnowflakeError.alreadyExists("Role", name);
                dropRoleState(name);
            }
            account.roles.put(name, new Role(name, session.role, comment, account.now()));
            return Result.status(Result.DDL, "Role " + name + " successfully created.");
        }

        Result createUser(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            String name = c.identifier();
            User draft = new User(name, session.role, account.now());
            c.accept("WITH");
            userProperties(draft);
            c.expectEnd();
            requireCreatePrivilege("CREATE USER");
            checkServiceUserProperties(draft);
            User existing = account.users.get(name);
            if (existing != null) {
                if (ifNotExists) return Result.status(Result.DDL, name + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("User", name);
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
                        if (!USER_TYPES.contains(t)) throw SnowflakeError.invalidValue("invalid value [" + t + "] for parameter 'TYPE'");
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
                            throw SnowflakeError.invalidValue("invalid value for DEFAULT_SECONDARY_ROLES: only ('ALL') or () are allowed");
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

        String nameValue() {
            return c.atString() ? c.string().toUpperCase(Locale.ROOT) : c.identifier();
        }

        /**
         * A role named in a string literal ({@code ROLE_RESTRICTION = 'analyst_cli_role'}): an exact match
         * first, else the upper-cased name. UNCONFIRMED: Snowflake documents the literal but not its case rule.
         */
        String roleNameValue() {
            if (!c.atString()) return c.identifier();
            String s = c.string();
            return account.roles.containsKey(s) ? s : s.toUpperCase(Locale.ROOT);
        }

        String networkPolicyValue() {
            String np = nameValue();
            if (!account.networkPolicies.containsKey(np)) throw SnowflakeError.doesNotExist("Network policy", np);
            return np;
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
            if (!"SERVICE".equals(u.type)) return;
            // snowflake-pat.md §4.1: TYPE=SERVICE users cannot have a password or person attributes.
            List<String> bad = new ArrayList<>();
            if (u.password != null) bad.add("PASSWORD");
            if (u.firstName != null) bad.add("FIRST_NAME");
            if (u.lastName != null) bad.add("LAST_NAME");
            if (u.mustChangePassword) bad.add("MUST_CHANGE_PASSWORD");
            if (!bad.isEmpty()) {
                throw SnowflakeError.invalidValue("Cannot set " + String.join(", ", bad) + " for a user of TYPE = SERVICE.");
            }
        }

        Result createDatabase(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            String name = c.identifier();
            String comment = optionalComment();
            c.expectEnd();
            requireCreatePrivilege("CREATE DATABASE");
            Database existing = account.databases.get(name);
            if (existing != null) {
                if (ifNotExists) return Result.status(Result.DDL, name + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Database", name);
            }
            Database d = new Database(name, session.role, comment, account.now());
            d.schemas.put("PUBLIC", new Owned("PUBLIC", session.role, null, account.now()));
            account.databases.put(name, d);
            session.database = name;
            session.schema = "PUBLIC";
            return Result.status(Result.DDL, "Database " + name + " successfully created.");
        }

        String optionalComment() {
            String comment = null;
            c.accept("WITH");
            if (c.accept("COMMENT")) {
                c.expectSymbol("=");
                comment = c.string();
            }
            return comment;
        }

        Result createSchema(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            Name n = c.qualifiedName();
            String comment = optionalComment();
            c.expectEnd();
            if (n.database() != null) throw SnowflakeError.invalidValue("a schema name has at most two parts");
            String db = n.schema() != null ? n.schema() : session.database;
            if (db == null) throw SnowflakeError.noCurrentDatabase("CREATE SCHEMA");
            Database d = database(db);
            if (!(primaryRoles().contains(d.owner) || account.hasPrivilege(primaryRoles(), "CREATE SCHEMA", "DATABASE", db, null))) {
                throw SnowflakeError.insufficientPrivileges("database", db);
            }
            if (d.schemas.containsKey(n.name())) {
                if (ifNotExists) return Result.status(Result.DDL, n.name() + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Schema", n.name());
            }
            d.schemas.put(n.name(), new Owned(n.name(), session.role, comment, account.now()));
            session.database = db;
            session.schema = n.name();
            return Result.status(Result.DDL, "Schema " + n.name() + " successfully created.");
        }

        Result createWarehouse(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            String name = c.identifier();
            c.accept("WITH");
            String comment = null;
            while (!c.atEnd()) {
                // Size and suspend settings do not matter to an emulator without compute; they are accepted.
                String key = c.identifier();
                c.expectSymbol("=");
                if (key.equals("COMMENT")) comment = c.string();
                else if (c.atString()) c.string();
                else if (c.peek().kind() == SqlCursor.Kind.NUMBER) c.integer();
                else c.identifier();
            }
            c.expectEnd();
            requireCreatePrivilege("CREATE WAREHOUSE");
            if (account.warehouses.containsKey(name)) {
                if (ifNotExists) return Result.status(Result.DDL, name + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Warehouse", name);
            }
            account.warehouses.put(name, new Owned(name, session.role, comment, account.now()));
            session.warehouse = name;
            return Result.status(Result.DDL, "Warehouse " + name + " successfully created.");
        }

        Result createAuthPolicy(boolean orReplace, boolean orAlter) {
            boolean ifNotExists = ifNotExists();
            Name n = c.qualifiedName();
            AuthPolicy draft = new AuthPolicy("", "", n.name(), session.role, account.now());
            Set<String> named = authPolicyProperties(draft);
            c.expectEnd();
            Name q = qualify(n, "CREATE AUTHENTICATION POLICY");
            Owned schema = schemaOf(q);
            if (!mayCreateIn(schema, "CREATE AUTHENTICATION POLICY", q.database() + "." + q.schema())) {
                throw SnowflakeError.insufficientPrivileges("schema", q.database() + "." + q.schema());
            }
            String key = fqn(q);
            AuthPolicy existing = account.authPolicies.get(key);
            if (existing != null) {
                if (orAlter) {
                    if (!owns(existing)) throw SnowflakeError.insufficientPrivileges("authentication policy", key);
                    copyAuthPolicy(draft, existing, named);
                    return Result.status(Result.DDL, "Statement executed successfully.");
                }
                if (ifNotExists) return Result.status(Result.DDL, q.name() + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Authentication policy", q.name());
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
            if (named.contains("AUTHENTICATION_METHODS")) to.methods = from.methods;
            if (named.contains("CLIENT_TYPES")) to.clientTypes = from.clientTypes;
            if (named.contains("SECURITY_INTEGRATIONS")) to.securityIntegrations = from.securityIntegrations;
            if (named.contains("MFA_ENROLLMENT")) to.mfaEnrollment = from.mfaEnrollment;
            if (named.contains("COMMENT")) to.comment = from.comment;
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
                    case "SECURITY_INTEGRATIONS" -> p.securityIntegrations = c.list().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
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
            if (values.isEmpty()) throw SnowflakeError.invalidValue("invalid value [()] for parameter '" + key + "'");
            for (String v : values) {
                if (!allowed.contains(v)) throw SnowflakeError.invalidValue("invalid value ['" + v + "'] for parameter '" + key + "'");
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
                            throw SnowflakeError.invalidValue("invalid value [" + v + "] for parameter 'NETWORK_POLICY_EVALUATION'");
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
            // snowflake-pat.md §3.2: 1 <= DEFAULT_EXPIRY_IN_DAYS <= MAX_EXPIRY_IN_DAYS <= 365.
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
                    case "MODE" -> draft.mode = oneOfValues(key, "INGRESS", "EGRESS", "INTERNAL_STAGE", "POSTGRES_INGRESS", "POSTGRES_EGRESS");
                    case "TYPE" -> draft.type = oneOfValues(key, "IPV4", "HOST_PORT", "AWSVPCEID", "AZURELINKID", "GCPPSCID", "PRIVATE_HOST_PORT");
                    case "VALUE_LIST" -> draft.values = c.list();
                    case "COMMENT" -> draft.comment = c.string();
                    default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'NETWORK RULE'");
                }
            }
            c.expectEnd();
            if (draft.type.equals("IPV4")) {
                for (String v : draft.values) {
                    if (!Ipv4.isValidRange(v)) throw SnowflakeError.invalidValue("Invalid IPv4 address or range '" + v + "' in VALUE_LIST.");
                }
            }
            Name q = qualify(n, "CREATE NETWORK RULE");
            Owned schema = schemaOf(q);
            if (!mayCreateIn(schema, "CREATE NETWORK RULE", q.database() + "." + q.schema())) {
                throw SnowflakeError.insufficientPrivileges("schema", q.database() + "." + q.schema());
            }
            String key = fqn(q);
            if (account.networkRules.containsKey(key)) {
                if (ifNotExists) return Result.status(Result.DDL, q.name() + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Network rule", q.name());
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
            if (!List.of(allowed).contains(v)) throw SnowflakeError.invalidValue("invalid value [" + v + "] for parameter '" + key + "'");
            return v;
        }

        Result createNetworkPolicy(boolean orReplace) {
            boolean ifNotExists = ifNotExists();
            String name = c.identifier();
            NetworkPolicy draft = new NetworkPolicy(name, session.role, account.now());
            networkPolicyProperties(draft);
            c.expectEnd();
            requireCreatePrivilege("CREATE NETWORK POLICY");
            if (account.networkPolicies.containsKey(name)) {
                if (ifNotExists) return Result.status(Result.DDL, name + " already exists, statement succeeded.");
                if (!orReplace) throw SnowflakeError.alreadyExists("Network policy", name);
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
                if (!account.networkRules.containsKey(key)) throw SnowflakeError.doesNotExist("Network rule", raw);
                out.add(key);
            }
            return out;
        }

        List<String> ipList() {
            List<String> ips = c.list();
            for (String ip : ips) {
                if (!Ipv4.isValidRange(ip)) throw SnowflakeError.invalidValue("Invalid IP address or range '" + ip + "'.");
            }
            return ips;
        }

        /** A name inside a string literal ({@code 'db.schema.rule'}), with the identifier case rules. */
        Name parseName(String raw) {
            return new SqlCursor(raw).qualifiedName();
        }

        // ------------------------------------------------------------------ ALTER

        Result alter() {
            if (c.accept("USER")) return alterUser();
            if (c.accept("ACCOUNT")) return alterAccount();
            if (c.accept("AUTHENTICATION", "POLICY")) return alterAuthPolicy();
            if (c.accept("NETWORK", "POLICY")) return alterNetworkPolicy();
            if (c.accept("SESSION")) return alterSession();
            if (c.accept("ROLE")) return alterRole();
            throw SnowflakeError.unsupported("ALTER " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        Result alterSession() {
            if (c.accept("SET")) {
                do {
                    c.identifier();
                    c.expectSymbol("=");
                    if (c.atString()) c.string();
                    else if (c.peek().kind() == SqlCursor.Kind.NUMBER || c.atSymbol("-")) c.integer();
                    else c.identifier();
                } while (c.acceptSymbol(",") || (!c.atEnd() && c.peek().kind() == SqlCursor.Kind.WORD));
            } else {
                c.expect("UNSET");
                do c.identifier(); while (c.acceptSymbol(","));
            }
            c.expectEnd();
            return Result.status(Result.ALTER_SESSION, "Statement executed successfully.");
        }

        Result alterRole() {
            boolean ifExists = c.accept("IF", "EXISTS");
            String name = c.identifier();
            String newName = null, comment = null;
            boolean unsetComment = false;
            if (c.accept("RENAME", "TO")) newName = c.identifier();
            else if (c.accept("SET", "COMMENT")) {
                c.expectSymbol("=");
                comment = c.string();
            } else {
                c.expect("UNSET", "COMMENT");
                unsetComment = true;
            }
            c.expectEnd();
            Role r = account.roles.get(name);
            if (r == null) {
                if (ifExists) return Result.status(Result.DDL, "Statement executed successfully.");
                throw SnowflakeError.doesNotExist("Role", name);
            }
            if (!owns(r)) throw SnowflakeError.insufficientPrivileges("role", name);
            if (newName != null) throw SnowflakeError.unsupported("ALTER ROLE ... RENAME TO in the Snowflake emulator");
            r.comment = unsetComment ? null : comment;
            return Result.status(Result.DDL, "Statement executed successfully.");
        }

        Result alterUser() {
            boolean ifExists = c.accept("IF", "EXISTS");
            String name;
            if (atPatVerb()) name = session.user; // "If the user name is left out, the current user" (§1.1)
            else name = c.identifier();
            if (c.accept("ADD")) return addPat(name, ifExists);
            if (c.accept("ROTATE")) return rotatePat(name, ifExists);
            if (c.accept("MODIFY")) return modifyPat(name, ifExists);
            if (c.at("REMOVE") && (c.at("REMOVE", "PAT") || c.at("REMOVE", "PROGRAMMATIC"))) {
                c.accept("REMOVE");
                return removePat(name, ifExists);
            }
            if (c.accept("RENAME", "TO")) {
                String newName = c.identifier();
                c.expectEnd();
                User u = account.users.get(name);
                if (u == null) return missingUser(name, ifExists);
                if (!owns(u)) throw SnowflakeError.insufficientPrivileges("user", name);
                if (account.users.containsKey(newName)) throw SnowflakeError.alreadyExists("User", newName);
                throw SnowflakeError.unsupported("ALTER USER ... RENAME TO in the Snowflake emulator");
            }
            if (c.accept("SET", "AUTHENTICATION", "POLICY")) {
                Name p = c.qualifiedName();
                boolean force = c.accept("FORCE");
                c.expectEnd();
                User u = account.users.get(name);
                if (u == null) return missingUser(name, ifExists);
                String key = fqn(qualify(p, "ALTER USER"));
                if (!account.authPolicies.containsKey(key)) throw SnowflakeError.doesNotExist("Authentication policy", p.display());
                requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
                if (u.authPolicy != null && !force) {
                    throw SnowflakeError.invalidValue("Authentication policy " + u.authPolicy
                            + " is already attached to user " + name + ". Use FORCE to replace it.");
                }
                u.authPolicy = key;
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("UNSET", "AUTHENTICATION", "POLICY")) {
                c.expectEnd();
                User u = account.users.get(name);
                if (u == null) return missingUser(name, ifExists);
                requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
                u.authPolicy = null;
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("SET")) {
                User target = account.users.get(name);
                User draft = new User(name, null, account.now());
                if (target != null) copyUser(target, draft);
                userProperties(draft);
                c.expectEnd();
                if (target == null) return missingUser(name, ifExists);
                boolean self = name.equals(session.user);
                boolean onlyOwnProfile = self && onlyChanged(target, draft, "password", "displayName", "firstName", "lastName",
                        "email", "defaultRole", "defaultWarehouse", "defaultNamespace", "defaultSecondaryRoles");
                if (!owns(target) && !onlyOwnProfile) throw SnowflakeError.insufficientPrivileges("user", name);
                if (draft.networkPolicy != null && !draft.networkPolicy.equals(target.networkPolicy)) {
                    NetworkPolicy np = account.networkPolicies.get(draft.networkPolicy);
                    if (!(accountPrivilege("ATTACH POLICY") || owns(np))) throw SnowflakeError.insufficientPrivileges("network policy", np.name);
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
                    if (clash != null && clash != target) throw SnowflakeError.alreadyExists("User", draft.loginName);
                }
                boolean disabling = draft.disabled && !target.disabled;
                copyUser(draft, target);
                if (disabling) {
                    // snowflake-pat.md §1.4: disabling a user disables its tokens, and they stay disabled.
                    target.tokens.values().forEach(t -> t.disabled = true);
                }
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("UNSET")) {
                List<String> keys = new ArrayList<>();
                do keys.add(c.identifier().toUpperCase(Locale.ROOT)); while (c.acceptSymbol(","));
                c.expectEnd();
                User u = account.users.get(name);
                if (u == null) return missingUser(name, ifExists);
                if (!owns(u)) throw SnowflakeError.insufficientPrivileges("user", name);
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
                if (!ok.contains(k) && !java.util.Objects.equals(b.get(k), a.get(k))) return false;
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

        Result missingUser(String name, boolean ifExists) {
            if (ifExists) return Result.status(Result.DDL, "Statement executed successfully.");
            throw SnowflakeError.doesNotExist("User", name);
        }

        Result alterAccount() {
            if (c.accept("SET", "AUTHENTICATION", "POLICY")) {
                Name p = c.qualifiedName();
                String scope = accountPolicyScope();
                boolean force = c.accept("FORCE");
                c.expectEnd();
                String key = fqn(qualify(p, "ALTER ACCOUNT"));
                if (!account.authPolicies.containsKey(key)) throw SnowflakeError.doesNotExist("Authentication policy", p.display());
                requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
                Attachment existing = account.policyAttachments.get(scope);
                if (existing != null && !force && !existing.policy().equals(key)) {
                    throw SnowflakeError.invalidValue("An authentication policy is already attached for " + scopeText(scope)
                            + ". Unset it first or use FORCE.");
                }
                account.policyAttachments.put(scope, new Attachment(key, force));
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("UNSET", "AUTHENTICATION", "POLICY")) {
                String scope = accountPolicyScope();
                c.expectEnd();
                requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
                account.policyAttachments.remove(scope);
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("SET", "NETWORK_POLICY")) {
                c.expectSymbol("=");
                String np = networkPolicyValue();
                c.expectEnd();
                requireAccountPrivilege("ATTACH POLICY");
                account.accountNetworkPolicy = np;
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            if (c.accept("UNSET", "NETWORK_POLICY")) {
                c.expectEnd();
                requireAccountPrivilege("ATTACH POLICY");
                account.accountNetworkPolicy = null;
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            throw SnowflakeError.unsupported("ALTER ACCOUNT " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        String accountPolicyScope() {
            if (c.accept("FOR", "ALL", "PERSON", "USERS")) return "PERSON_USERS";
            if (c.accept("FOR", "ALL", "SERVICE", "USERS")) return "SERVICE_USERS";
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
                if (named.isEmpty()) throw c.unexpected();
            } else if (c.accept("UNSET")) {
                do unset.add(c.identifier().toUpperCase(Locale.ROOT)); while (c.acceptSymbol(","));
            } else {
                c.expect("RENAME", "TO");
                renameTo = c.identifier();
            }
            c.expectEnd();
            String key = fqn(qualify(n, "ALTER AUTHENTICATION POLICY"));
            AuthPolicy p = account.authPolicies.get(key);
            if (p == null) {
                if (ifExists) return Result.status(Result.DDL, "Statement executed successfully.");
                throw SnowflakeError.doesNotExist("Authentication policy", n.display());
            }
            if (!owns(p)) throw SnowflakeError.insufficientPrivileges("authentication policy", key);
            if (renameTo != null) throw SnowflakeError.unsupported("ALTER AUTHENTICATION POLICY ... RENAME TO in the Snowflake emulator");
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
                if (ifExists) return Result.status(Result.DDL, "Statement executed successfully.");
                throw SnowflakeError.doesNotExist("Network policy", name);
            }
            if (!owns(live)) throw SnowflakeError.insufficientPrivileges("network policy", name);
            live.allowedRules = draft.allowedRules;
            live.blockedRules = draft.blockedRules;
            live.allowedIps = draft.allowedIps;
            live.blockedIps = draft.blockedIps;
            live.comment = draft.comment;
            return Result.status(Result.DDL, "Statement executed successfully.");
        }

        // ------------------------------------------------------------------ PATs (snowflake-pat.md §1)

        boolean atPatVerb() {
            for (String verb : List.of("ADD", "ROTATE", "MODIFY", "REMOVE")) {
                if (c.at(verb, "PAT") || c.at(verb, "PROGRAMMATIC", "ACCESS", "TOKEN")) return true;
            }
            return false;
        }

        void patKeyword() {
            if (!c.accept("PAT")) c.expect("PROGRAMMATIC", "ACCESS", "TOKEN");
        }

        String tokenName() {
            SqlCursor.Token t = c.peek();
            String name = c.identifier();
            if (t.kind() == SqlCursor.Kind.WORD && !TOKEN_NAME.matcher(name).matches()) throw SnowflakeError.syntax(name, t.line(), t.column());
            if (name.length() > 255) throw SnowflakeError.invalidValue("Token name is too long (at most 255 characters).");
            return name;
        }

        /** Privilege to manage a user's PATs (§1.1): a person user on its own tokens, or OWNERSHIP/MODIFY PROGRAMMATIC AUTHENTICATION METHODS. */
        void requirePatPrivilege(User u, String statement) {
            if (session.viaPat()) throw SnowflakeError.inPatSession(statement);
            boolean self = u.name.equals(session.user) && !u.isService();
            if (self) return;
            if (!onObject("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "USER", u.name, u)) {
                throw SnowflakeError.insufficientPrivileges("user", u.name);
            }
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
            if (u == null) return missingUser(userName, userIfExists);
            // Checks in the order of snowflake-pat.md §1.9.
            requirePatPrivilege(u, "ADD PROGRAMMATIC ACCESS TOKEN");
            AuthPolicy policy = account.effectivePolicy(u);
            if (!policy.allows("PROGRAMMATIC_ACCESS_TOKEN")) {
                throw SnowflakeError.patRule("Programmatic access tokens are not allowed by the authentication policy that applies to user " + u.name + ".");
            }
            boolean bypassing = bypass != null && bypass > 0;
            if (policy.networkPolicyEvaluation.equals("ENFORCED_REQUIRED") && account.networkPolicyFor(u) == null && !bypassing) {
                throw SnowflakeError.patRule("A network policy is required for user " + u.name + " to generate a programmatic access token.");
            }
            if (role != null) {
                if (!account.roles.containsKey(role) || !account.availableRoles(u).contains(role)) {
                    throw SnowflakeError.patRule("Role '" + role + "' is not granted to user " + u.name + ". ROLE_RESTRICTION must name a granted role.");
                }
                if (policy.blockedRoles.contains(role)) {
                    throw SnowflakeError.patRule("Role '" + role + "' is blocked for programmatic access tokens by the authentication policy.");
                }
            } else if (u.isService() ? policy.requireRoleRestrictionForServiceUsers : policy.requireRoleRestrictionForPersonUsers) {
                throw SnowflakeError.patRule("ROLE_RESTRICTION is required for a programmatic access token of user " + u.name + ".");
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
                    // §1.2: IF NOT EXISTS on an existing name succeeds and shows no secret.
                    return new Result(Result.ALTER_USER_MANAGE_PATS).text("token_name", "token_secret").row(name, null);
                }
                throw SnowflakeError.patRule("Programmatic access token " + name + " already exists for user " + u.name + ".");
            }
            if (account.liveTokenCount(u) >= Account.MAX_TOKENS_PER_USER) {
                throw SnowflakeError.patRule("User " + u.name + " already has the maximum number of programmatic access tokens ("
                        + Account.MAX_TOKENS_PER_USER + ").");
            }
            String secret = newSecret();
            Instant now = account.now();
            Pat pat = new Pat(name, u.name, Account.hashSecret(secret), role, lifetime, now, now.plus(Duration.ofDays(lifetime)), session.user);
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
            String name = tokenName();
            Long hours = null;
            if (c.accept("EXPIRE_ROTATED_TOKEN_AFTER_HOURS")) {
                c.expectSymbol("=");
                hours = c.integer();
            }
            c.expectEnd();
            User u = account.users.get(userName);
            if (u == null) return missingUser(userName, userIfExists);
            requirePatPrivilege(u, "ROTATE PROGRAMMATIC ACCESS TOKEN");
            Pat old = u.tokens.get(name);
            if (old == null) throw SnowflakeError.patNotFound(name);
            Instant now = account.now();
            if (old.rotatedTo != null) {
                throw SnowflakeError.patRule("Programmatic access token " + name + " was rotated and can only be removed.");
            }
            if (old.expired(now)) {
                // UNCONFIRMED (§1.3): an expired token has no hours left, so rotation is refused.
                throw SnowflakeError.patRule("Programmatic access token " + name + " has expired and cannot be rotated.");
            }
            long hoursLeft = Duration.between(now, old.expiresAt).toHours();
            long h = hours == null ? Math.min(24, hoursLeft) : hours;
            if (hours != null && (hours < 0 || hours > hoursLeft)) {
                throw SnowflakeError.patRule("EXPIRE_ROTATED_TOKEN_AFTER_HOURS must be between 0 and " + hoursLeft
                        + " (the hours left before the token expires).");
            }
            if (h > 0 && account.liveTokenCount(u) >= Account.MAX_TOKENS_PER_USER) {
                // UNCONFIRMED: the rotated token counts against the limit, so a user at 15 cannot keep it.
                throw SnowflakeError.patRule("User " + u.name + " already has the maximum number of programmatic access tokens ("
                        + Account.MAX_TOKENS_PER_USER + "); rotate with EXPIRE_ROTATED_TOKEN_AFTER_HOURS = 0 or remove a token.");
            }
            long suffix = now.toEpochMilli();
            while (u.tokens.containsKey(name + "_ROTATED_" + suffix)) suffix++;
            String rotatedName = name + "_ROTATED_" + suffix;
            u.tokens.remove(name);
            old.name = rotatedName;
            old.expiresAt = now.plus(Duration.ofHours(h));
            old.rotatedTo = name;
            u.tokens.put(rotatedName, old);
            String secret = newSecret();
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
                        default -> throw SnowflakeError.invalidValue("invalid property '" + key + "' for 'PROGRAMMATIC ACCESS TOKEN'");
                    }
                    c.acceptSymbol(",");
                }
                if (disabled == null && bypass == null && comment == null) throw c.unexpected();
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
            if (u == null) return missingUser(userName, userIfExists);
            requirePatPrivilege(u, "MODIFY PROGRAMMATIC ACCESS TOKEN");
            Pat pat = u.tokens.get(name);
            if (pat == null) {
                if (ifExists) return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
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
                    throw SnowflakeError.patRule("Programmatic access token " + renameTo + " already exists for user " + u.name + ".");
                }
                u.tokens.remove(name);
                pat.name = renameTo;
                u.tokens.put(renameTo, pat);
            }
            if (disabled != null) pat.disabled = disabled;
            if (comment != null) pat.comment = comment;
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
            if (u == null) return missingUser(userName, userIfExists);
            requirePatPrivilege(u, "REMOVE PROGRAMMATIC ACCESS TOKEN");
            Pat pat = u.tokens.get(name);
            if (pat == null) {
                if (ifExists) return Result.status(Result.ALTER_USER_MANAGE_PATS, "Statement executed successfully.");
                throw SnowflakeError.patNotFound(name);
            }
            account.removeToken(u, pat);
            return Result.status(Result.ALTER_USER_MANAGE_PATS, "Programmatic access token " + name + " successfully removed.");
        }

        // ------------------------------------------------------------------ DROP

        Result drop() {
            String kind;
            if (c.accept("ROLE")) kind = "ROLE";
            else if (c.accept("USER")) kind = "USER";
            else if (c.accept("DATABASE")) kind = "DATABASE";
            else if (c.accept("SCHEMA")) kind = "SCHEMA";
            else if (c.accept("WAREHOUSE")) kind = "WAREHOUSE";
            else if (c.accept("AUTHENTICATION", "POLICY")) kind = "AUTHENTICATION POLICY";
            else if (c.accept("NETWORK", "RULE")) kind = "NETWORK RULE";
            else if (c.accept("NETWORK", "POLICY")) kind = "NETWORK POLICY";
            else throw SnowflakeError.unsupported("DROP " + c.peek().text().toUpperCase(Locale.ROOT));
            boolean ifExists = c.accept("IF", "EXISTS");
            Name n = c.qualifiedName();
            c.accept("CASCADE");
            c.accept("RESTRICT");
            c.expectEnd();
            Owned target = switch (kind) {
                case "ROLE" -> account.roles.get(n.name());
                case "USER" -> account.users.get(n.name());
                case "DATABASE" -> account.databases.get(n.name());
                case "WAREHOUSE" -> account.warehouses.get(n.name());
                case "NETWORK POLICY" -> account.networkPolicies.get(n.name());
                case "SCHEMA" -> {
                    String db = n.schema() != null ? n.schema() : session.database;
                    Database d = db == null ? null : account.databases.get(db);
                    yield d == null ? null : d.schemas.get(n.name());
                }
                case "AUTHENTICATION POLICY" -> account.authPolicies.get(fqn(qualify(n, "DROP AUTHENTICATION POLICY")));
                default -> account.networkRules.get(fqn(qualify(n, "DROP NETWORK RULE")));
            };
            if (target == null) {
                if (ifExists) return Result.status(Result.DDL, "Drop statement executed successfully (" + n.name() + " already dropped).");
                throw SnowflakeError.doesNotExist(kind.charAt(0) + kind.substring(1).toLowerCase(Locale.ROOT), n.display());
            }
            if (kind.equals("ROLE") && Account.SYSTEM_ROLES.contains(n.name())) {
                throw SnowflakeError.invalidValue("Cannot drop system role " + n.name() + ".");
            }
            if (!owns(target)) throw SnowflakeError.insufficientPrivileges(kind.toLowerCase(Locale.ROOT), n.display());
            switch (kind) {
                case "ROLE" -> dropRoleState(n.name());
                case "USER" -> dropUserState((User) target);
                case "DATABASE" -> {
                    account.databases.remove(n.name());
                    account.authPolicies.values().removeIf(p -> p.database.equals(n.name()));
                    account.networkRules.values().removeIf(r -> r.database.equals(n.name()));
                    if (n.name().equals(session.database)) {
                        session.database = null;
                        session.schema = null;
                    }
                }
                case "SCHEMA" -> {
                    String db = n.schema() != null ? n.schema() : session.database;
                    account.databases.get(db).schemas.remove(n.name());
                    account.authPolicies.values().removeIf(p -> p.database.equals(db) && p.schema.equals(n.name()));
                    account.networkRules.values().removeIf(r -> r.database.equals(db) && r.schema.equals(n.name()));
                }
                case "WAREHOUSE" -> account.warehouses.remove(n.name());
                case "NETWORK POLICY" -> {
                    if (n.name().equals(account.accountNetworkPolicy) || account.users.values().stream().anyMatch(u -> n.name().equals(u.networkPolicy))) {
                        throw SnowflakeError.invalidValue("Network policy " + n.name() + " is attached and cannot be dropped.");
                    }
                    account.networkPolicies.remove(n.name());
                }
                case "AUTHENTICATION POLICY" -> {
                    AuthPolicy p = (AuthPolicy) target;
                    if (isAttached(p.qualifiedName())) {
                        throw SnowflakeError.invalidValue("Authentication policy " + p.qualifiedName() + " is attached and cannot be dropped.");
                    }
                    account.authPolicies.remove(p.qualifiedName());
                }
                default -> account.networkRules.remove(((NetworkRule) target).qualifiedName());
            }
            return Result.status(Result.DDL, n.name() + " successfully dropped.");
        }

        void dropRoleState(String role) {
            account.roles.remove(role);
            account.roles.values().forEach(r -> r.granted.remove(role));
            account.users.values().forEach(u -> u.granted.remove(role));
            account.privilegeGrants.removeIf(g -> g.grantee().equals(role));
            // PATs restricted to the role stay listed but no longer authenticate (§0.5).
        }

        void dropUserState(User u) {
            new ArrayList<>(u.tokens.values()).forEach(t -> account.removeToken(u, t));
            account.users.remove(u.name);
            account.privilegeGrants.removeIf(g -> g.objectType().equals("USER") && g.objectName().equals(u.name));
        }

        // ------------------------------------------------------------------ GRANT / REVOKE

        Result grant() {
            if (c.accept("ROLE")) {
                String role = c.identifier();
                c.expect("TO");
                String granteeKind = c.oneOf("USER", "ROLE");
                String grantee = c.identifier();
                c.expectEnd();
                Role r = role(role);
                if (!(owns(r) || accountPrivilege("MANAGE GRANTS"))) throw SnowflakeError.insufficientPrivileges("role", role);
                if (granteeKind.equals("USER")) {
                    User u = user(grantee);
                    u.granted.putIfAbsent(role, new RoleGrant(role, account.now(), session.role));
                } else {
                    Role to = role(grantee);
                    if (account.closure(role).contains(grantee) || role.equals(grantee)) {
                        throw SnowflakeError.invalidValue("Cannot grant role " + role + " to " + grantee + ": it would create a cycle in the role hierarchy.");
                    }
                    to.granted.putIfAbsent(role, new RoleGrant(role, account.now(), session.role));
                }
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            Privileges p = privileges();
            c.expect("TO");
            c.accept("ROLE");
            String grantee = c.identifier();
            boolean ownershipTransfer = p.names.contains("OWNERSHIP");
            if (ownershipTransfer) {
                if (c.accept("COPY", "CURRENT", "GRANTS") || c.accept("REVOKE", "CURRENT", "GRANTS")) {
                    // current grants stay as they are; the emulator keeps no grant option chains to move
                }
            } else {
                c.accept("WITH", "GRANT", "OPTION");
            }
            c.expectEnd();
            role(grantee);
            Owned target = resolveTarget(p);
            boolean allowed = accountPrivilege("MANAGE GRANTS") || (target != null && owns(target));
            if (!allowed) throw SnowflakeError.insufficientPrivileges(p.objectType.toLowerCase(Locale.ROOT), p.objectName);
            if (ownershipTransfer) {
                if (target == null) throw SnowflakeError.unsupported("GRANT OWNERSHIP ON ACCOUNT");
                target.owner = grantee;
            } else {
                for (String priv : p.names) account.grantPrivilege(priv, p.objectType, p.objectName, grantee, session.role);
            }
            return Result.status(Result.DDL, "Statement executed successfully.");
        }

        Result revoke() {
            if (c.accept("ROLE")) {
                String role = c.identifier();
                c.expect("FROM");
                String granteeKind = c.oneOf("USER", "ROLE");
                String grantee = c.identifier();
                c.expectEnd();
                Role r = role(role);
                if (!(owns(r) || accountPrivilege("MANAGE GRANTS"))) throw SnowflakeError.insufficientPrivileges("role", role);
                if (granteeKind.equals("USER")) user(grantee).granted.remove(role);
                else role(grantee).granted.remove(role);
                return Result.status(Result.DDL, "Statement executed successfully.");
            }
            c.accept("GRANT", "OPTION", "FOR");
            Privileges p = privileges();
            if (p.names.contains("OWNERSHIP")) throw SnowflakeError.invalidValue("OWNERSHIP cannot be revoked; transfer it with GRANT OWNERSHIP.");
            c.expect("FROM");
            c.accept("ROLE");
            String grantee = c.identifier();
            c.accept("CASCADE");
            c.accept("RESTRICT");
            c.expectEnd();
            role(grantee);
            Owned target = resolveTarget(p);
            if (!(accountPrivilege("MANAGE GRANTS") || (target != null && owns(target)))) {
                throw SnowflakeError.insufficientPrivileges(p.objectType.toLowerCase(Locale.ROOT), p.objectName);
            }
            account.privilegeGrants.removeIf(g -> g.grantee().equals(grantee) && g.objectType().equals(p.objectType)
                    && g.objectName().equals(p.objectName) && p.names.contains(g.privilege()));
            return Result.status(Result.DDL, "Statement executed successfully.");
        }

        record Privileges(List<String> names, String objectType, String objectName) {}

        /** {@code priv [, priv] ON <type> <name>}, each privilege validated against the object type. */
        Privileges privileges() {
            List<String> names = new ArrayList<>();
            do {
                StringBuilder b = new StringBuilder();
                while (c.peek().kind() == SqlCursor.Kind.WORD && !c.at("ON")) {
                    if (b.length() > 0) b.append(' ');
                    b.append(c.identifier().toUpperCase(Locale.ROOT));
                }
                if (b.length() == 0) throw c.unexpected();
                String priv = b.toString();
                if (priv.equals("ALL PRIVILEGES")) priv = "ALL";
                names.add(priv);
            } while (c.acceptSymbol(","));
            c.expect("ON");
            String type;
            String name;
            if (c.accept("ACCOUNT")) {
                type = "ACCOUNT";
                name = account.name;
            } else {
                type = c.oneOf("USER", "DATABASE", "SCHEMA", "WAREHOUSE");
                Name n = c.qualifiedName();
                if (type.equals("SCHEMA")) {
                    String db = n.schema() != null ? n.schema() : session.database;
                    if (db == null) throw SnowflakeError.noCurrentDatabase("GRANT");
                    name = db + "." + n.name();
                } else {
                    name = n.name();
                }
            }
            for (String priv : names) {
                if (!priv.equals("OWNERSHIP") && !priv.equals("ALL") && !PRIVILEGES.get(type).contains(priv)) {
                    throw SnowflakeError.invalidValue("Invalid privilege " + priv + " for " + type + ".");
                }
            }
            if (names.contains("OWNERSHIP") && names.size() > 1) throw c.unexpected();
            return new Privileges(names, type, name);
        }

        Owned resolveTarget(Privileges p) {
            return switch (p.objectType) {
                case "ACCOUNT" -> null;
                case "USER" -> user(p.objectName);
                case "DATABASE" -> database(p.objectName);
                case "WAREHOUSE" -> {
                    Owned w = account.warehouses.get(p.objectName);
                    if (w == null) throw SnowflakeError.doesNotExist("Warehouse", p.objectName);
                    yield w;
                }
                default -> {
                    String[] parts = p.objectName.split("\\.", 2);
                    Owned s = database(parts[0]).schemas.get(parts[1]);
                    if (s == null) throw SnowflakeError.doesNotExist("Schema", p.objectName);
                    yield s;
                }
            };
        }

        // ------------------------------------------------------------------ SHOW

        Result show() {
            c.accept("TERSE");
            if (c.accept("USERS")) return showUsers();
            if (c.accept("USER", "PATS") || c.accept("USER", "PROGRAMMATIC", "ACCESS", "TOKENS")) return showPats();
            if (c.accept("GRANTS")) return showGrants();
            if (c.accept("ROLES")) return showRoles();
            if (c.accept("AUTHENTICATION", "POLICIES")) return showAuthPolicies();
            if (c.accept("NETWORK", "POLICIES")) return showNetworkPolicies();
            if (c.accept("NETWORK", "RULES")) return showNetworkRules();
            if (c.accept("DATABASES")) return showDatabases();
            if (c.accept("WAREHOUSES")) return showWarehouses();
            if (c.accept("PARAMETERS")) return showParameters();
            throw SnowflakeError.unsupported("SHOW " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        Pattern likePattern() {
            if (!c.accept("LIKE")) return null;
            String p = c.string();
            StringBuilder regex = new StringBuilder();
            for (char ch : p.toCharArray()) {
                if (ch == '%') regex.append(".*");
                else if (ch == '_') regex.append('.');
                else regex.append(Pattern.quote(String.valueOf(ch)));
            }
            return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        }

        boolean likes(Pattern like, String name) {
            return like == null || like.matcher(name).matches();
        }

        Result showUsers() {
            Pattern like = likePattern();
            c.expectEnd();
            boolean all = accountPrivilege("MANAGE GRANTS");
            Result r = new Result(Result.SHOW)
                    .text("name").column("created_on", Type.TIMESTAMP_LTZ)
                    .text("login_name", "display_name", "first_name", "last_name", "email", "mins_to_unlock", "days_to_expiry",
                            "comment", "disabled", "must_change_password", "snowflake_lock", "default_warehouse",
                            "default_namespace", "default_role", "default_secondary_roles", "ext_authn_duo", "ext_authn_uid",
                            "mins_to_bypass_mfa", "owner").column("last_success_login", Type.TIMESTAMP_LTZ)
                    .column("expires_at_time", Type.TIMESTAMP_LTZ).column("locked_until_time", Type.TIMESTAMP_LTZ)
                    .text("has_password", "has_rsa_public_key", "type", "has_mfa", "has_pat", "has_workload_identity");
            for (User u : account.users.values().stream().sorted(java.util.Comparator.comparing(x -> x.name)).toList()) {
                if (!likes(like, u.name)) continue;
                if (!all && !owns(u) && !onObject("MONITOR", "USER", u.name, u) && !u.name.equals(session.user)) continue;
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

        Result showPats() {
            String userName = session.user;
            if (c.accept("FOR", "USER")) userName = c.identifier();
            c.expectEnd();
            User u = user(userName);
            if (!u.name.equals(session.user)) {
                if (!onObject("MODIFY PROGRAMMATIC AUTHENTICATION METHODS", "USER", u.name, u)) {
                    throw SnowflakeError.insufficientPrivileges("user", u.name);
                }
            }
            Instant now = account.now();
            Result r = new Result(Result.SHOW)
                    .text("name", "user_name", "role_restriction").column("expires_at", Type.TIMESTAMP_LTZ)
                    .text("status", "comment").column("created_on", Type.TIMESTAMP_LTZ)
                    .text("created_by").column("mins_to_bypass_network_policy_requirement", Type.FIXED).text("rotated_to");
            for (Pat t : u.tokens.values()) {
                // UNCONFIRMED (§1.6): expired tokens are listed for seven days.
                if (t.expiresAt.plus(Duration.ofDays(7)).isBefore(now)) continue;
                r.row(t.name, t.user, t.roleRestriction, Result.timestamp(t.expiresAt), t.status(now), t.comment,
                        Result.timestamp(t.createdOn), t.createdBy, Result.number(t.minsToBypassLeft(now)), t.rotatedTo);
            }
            return r;
        }

        Result showGrants() {
            if (c.accept("TO", "USER")) {
                String name = c.identifier();
                c.expectEnd();
                User u = user(name);
                if (!canInspect(u)) throw SnowflakeError.insufficientPrivileges("user", name);
                // UNCONFIRMED (§4.3): role grants shown with the 2025_01 columns, PUBLIC not listed.
                Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                        .text("privilege", "granted_on", "name", "role", "granted_to", "grantee_name", "grant_option", "granted_by");
                for (RoleGrant g : u.granted.values()) {
                    r.row(Result.timestamp(g.createdOn()), "USAGE", "ROLE", g.role(), g.role(), "USER", u.name, "false", g.grantedBy());
                }
                return r;
            }
            if (c.accept("TO", "ROLE")) {
                String name = c.identifier();
                c.expectEnd();
                Role role = role(name);
                if (!(activeRoles().contains(name) || owns(role) || accountPrivilege("MANAGE GRANTS"))) {
                    throw SnowflakeError.insufficientPrivileges("role", name);
                }
                Result r = grantsResult();
                for (Map.Entry<String, ? extends Owned> e : ownedObjects().entrySet()) {
                    if (name.equals(e.getValue().owner)) {
                        String[] typeAndName = e.getKey().split(":", 2);
                        r.row(Result.timestamp(e.getValue().createdOn), "OWNERSHIP", typeAndName[0], typeAndName[1], "ROLE", name, "true", name);
                    }
                }
                for (PrivilegeGrant g : account.privilegeGrants) {
                    if (g.grantee().equals(name)) {
                        r.row(Result.timestamp(g.createdOn()), g.privilege(), g.objectType(), g.objectName(), "ROLE", name,
                                Result.bool(g.grantOption()), g.grantedBy());
                    }
                }
                for (RoleGrant g : role.granted.values()) {
                    r.row(Result.timestamp(g.createdOn()), "USAGE", "ROLE", g.role(), "ROLE", name, "false", g.grantedBy());
                }
                return r;
            }
            if (c.accept("OF", "ROLE")) {
                String name = c.identifier();
                c.expectEnd();
                Role role = role(name);
                if (!(activeRoles().contains(name) || owns(role) || accountPrivilege("MANAGE GRANTS"))) {
                    throw SnowflakeError.insufficientPrivileges("role", name);
                }
                Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("role", "granted_to", "grantee_name", "granted_by");
                for (Role other : account.roles.values()) {
                    RoleGrant g = other.granted.get(name);
                    if (g != null) r.row(Result.timestamp(g.createdOn()), name, "ROLE", other.name, g.grantedBy());
                }
                for (User u : account.users.values()) {
                    RoleGrant g = u.granted.get(name);
                    if (g != null) r.row(Result.timestamp(g.createdOn()), name, "USER", u.name, g.grantedBy());
                }
                return r;
            }
            if (c.accept("ON")) {
                String type;
                String name;
                Owned target;
                if (c.accept("ACCOUNT")) {
                    type = "ACCOUNT";
                    name = account.name;
                    target = null;
                } else {
                    type = c.oneOf("USER", "DATABASE", "WAREHOUSE");
                    name = c.identifier();
                    target = resolveTarget(new Privileges(List.of(), type, name));
                }
                c.expectEnd();
                if (!(accountPrivilege("MANAGE GRANTS") || (target != null && owns(target)))) {
                    throw SnowflakeError.insufficientPrivileges(type.toLowerCase(Locale.ROOT), name);
                }
                Result r = grantsResult();
                if (target != null) {
                    r.row(Result.timestamp(target.createdOn), "OWNERSHIP", type, name, "ROLE", target.owner, "true", target.owner);
                }
                for (PrivilegeGrant g : account.privilegeGrants) {
                    if (g.objectType().equals(type) && g.objectName().equals(name)) {
                        r.row(Result.timestamp(g.createdOn()), g.privilege(), type, name, "ROLE", g.grantee(),
                                Result.bool(g.grantOption()), g.grantedBy());
                    }
                }
                return r;
            }
            throw SnowflakeError.unsupported("SHOW GRANTS " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        Result grantsResult() {
            return new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                    .text("privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by");
        }

        Map<String, Owned> ownedObjects() {
            Map<String, Owned> out = new LinkedHashMap<>();
            account.users.values().forEach(u -> out.put("USER:" + u.name, u));
            account.roles.values().forEach(r -> out.put("ROLE:" + r.name, r));
            account.databases.values().forEach(d -> out.put("DATABASE:" + d.name, d));
            account.warehouses.values().forEach(w -> out.put("WAREHOUSE:" + w.name, w));
            account.authPolicies.values().forEach(p -> out.put("AUTHENTICATION_POLICY:" + p.qualifiedName(), p));
            account.networkPolicies.values().forEach(p -> out.put("NETWORK_POLICY:" + p.name, p));
            return out;
        }

        /** DESCRIBE USER and SHOW GRANTS TO USER: see the class comment for this rule. */
        boolean canInspect(User u) {
            return u.name.equals(session.user) || owns(u) || onObject("MONITOR", "USER", u.name, u)
                    || accountPrivilege("MANAGE GRANTS");
        }

        Result showRoles() {
            Pattern like = likePattern();
            c.expectEnd();
            User me = account.users.get(session.user);
            Set<String> mine = me == null ? Set.of() : account.availableRoles(me);
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                    .text("name", "is_default", "is_current", "is_inherited").column("assigned_to_users", Type.FIXED)
                    .column("granted_to_roles", Type.FIXED).column("granted_roles", Type.FIXED).text("owner", "comment");
            for (Role role : account.roles.values().stream().sorted(java.util.Comparator.comparing(x -> x.name)).toList()) {
                if (!likes(like, role.name)) continue;
                long users = account.users.values().stream().filter(u -> u.granted.containsKey(role.name)).count();
                long toRoles = account.roles.values().stream().filter(o -> o.granted.containsKey(role.name)).count();
                boolean isDefault = me != null && role.name.equals(me.defaultRole);
                r.row(Result.timestamp(role.createdOn), role.name, isDefault ? "Y" : "N", role.name.equals(session.role) ? "Y" : "N",
                        mine.contains(role.name) && !role.name.equals(session.role) ? "Y" : "N", Long.toString(users),
                        Long.toString(toRoles), Integer.toString(role.granted.size()), role.owner, role.comment);
            }
            return r;
        }

        Result showAuthPolicies() {
            Pattern like = likePattern();
            String onUser = null;
            boolean onAccount = false;
            if (c.accept("ON", "ACCOUNT")) onAccount = true;
            else if (c.accept("ON", "USER")) onUser = c.identifier();
            else if (c.accept("IN", "ACCOUNT")) {
                // the default scope
            }
            c.expectEnd();
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                    .text("name", "comment", "database_name", "schema_name", "kind", "owner", "owner_role_type", "options");
            boolean all = accountPrivilege("APPLY AUTHENTICATION POLICY");
            if (onAccount) {
                requireAccountPrivilege("APPLY AUTHENTICATION POLICY");
                Map<String, List<String>> scopes = new LinkedHashMap<>();
                account.policyAttachments.forEach((scope, a) -> scopes.computeIfAbsent(a.policy(), k -> new ArrayList<>()).add(scope));
                scopes.forEach((policy, list) -> {
                    AuthPolicy p = account.authPolicies.get(policy);
                    String options = "{\"target_scopes\":[" + String.join(",", list.stream().map(s -> "\"" + s + "\"").toList()) + "]}";
                    r.row(Result.timestamp(p.createdOn), p.name, p.comment, p.database, p.schema, "AUTHENTICATION_POLICY", p.owner, "ROLE", options);
                });
                return r;
            }
            if (onUser != null) {
                User u = user(onUser);
                if (!(all || canInspect(u))) throw SnowflakeError.insufficientPrivileges("user", onUser);
                if (u.authPolicy != null) {
                    AuthPolicy p = account.authPolicies.get(u.authPolicy);
                    r.row(Result.timestamp(p.createdOn), p.name, p.comment, p.database, p.schema, "AUTHENTICATION_POLICY", p.owner, "ROLE", "");
                }
                return r;
            }
            for (AuthPolicy p : account.authPolicies.values()) {
                if (!likes(like, p.name) || !(all || owns(p))) continue;
                r.row(Result.timestamp(p.createdOn), p.name, p.comment, p.database, p.schema, "AUTHENTICATION_POLICY", p.owner, "ROLE", "");
            }
            return r;
        }

        Result showNetworkPolicies() {
            c.expectEnd();
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("name", "comment")
                    .column("entries_in_allowed_ip_list", Type.FIXED).column("entries_in_blocked_ip_list", Type.FIXED)
                    .column("entries_in_allowed_network_rules", Type.FIXED).column("entries_in_blocked_network_rules", Type.FIXED);
            boolean all = accountPrivilege("ATTACH POLICY");
            for (NetworkPolicy p : account.networkPolicies.values()) {
                if (!(all || owns(p))) continue;
                r.row(Result.timestamp(p.createdOn), p.name, p.comment, Integer.toString(p.allowedIps.size()),
                        Integer.toString(p.blockedIps.size()), Integer.toString(p.allowedRules.size()), Integer.toString(p.blockedRules.size()));
            }
            return r;
        }

        Result showNetworkRules() {
            c.expectEnd();
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ)
                    .text("name", "database_name", "schema_name", "owner", "comment", "type", "mode")
                    .column("entries_in_valuelist", Type.FIXED);
            for (NetworkRule rule : account.networkRules.values()) {
                if (!owns(rule) && !accountPrivilege("MANAGE GRANTS")) continue;
                r.row(Result.timestamp(rule.createdOn), rule.name, rule.database, rule.schema, rule.owner, rule.comment, rule.type,
                        rule.mode, Integer.toString(rule.values.size()));
            }
            return r;
        }

        Result showDatabases() {
            c.expectEnd();
            Result r = new Result(Result.SHOW).column("created_on", Type.TIMESTAMP_LTZ).text("name", "is_default", "is_current", "owner", "comment");
            for (Database d : account.databases.values()) {
                if (!(owns(d) || onObject("USAGE", "DATABASE", d.name, d))) continue;
                r.row(Result.timestamp(d.createdOn), d.name, "N", d.name.equals(session.database) ? "Y" : "N", d.owner, d.comment);
            }
            return r;
        }

        /** {@code SHOW PARAMETERS [LIKE '...'] IN USER <u> | IN ACCOUNT}: the parameters the emulator models (NETWORK_POLICY). */
        Result showParameters() {
            Pattern like = likePattern();
            c.expect("IN");
            String level;
            String value;
            if (c.accept("ACCOUNT")) {
                level = "ACCOUNT";
                value = account.accountNetworkPolicy;
            } else {
                c.expect("USER");
                String name = c.identifier();
                User u = user(name);
                if (!canInspect(u)) throw SnowflakeError.insufficientPrivileges("user", name);
                level = "USER";
                value = u.networkPolicy;
            }
            c.expectEnd();
            Result r = new Result(Result.SHOW).text("key", "value", "default", "level", "description", "type");
            if (likes(like, "NETWORK_POLICY")) {
                r.row("NETWORK_POLICY", value == null ? "" : value, "", value == null ? "" : level,
                        "Network policy that applies (user level overrides account level)", "STRING");
            }
            return r;
        }

        Result showWarehouses() {
            c.expectEnd();
            Result r = new Result(Result.SHOW).text("name", "state", "type", "size").column("created_on", Type.TIMESTAMP_LTZ)
                    .text("owner", "comment");
            for (Owned w : account.warehouses.values()) {
                if (!(owns(w) || onObject("USAGE", "WAREHOUSE", w.name, w))) continue;
                r.row(w.name, "SUSPENDED", "STANDARD", "X-Small", Result.timestamp(w.createdOn), w.owner, w.comment);
            }
            return r;
        }

        // ------------------------------------------------------------------ DESCRIBE

        Result describe() {
            if (c.accept("USER")) {
                String name = c.identifier();
                c.expectEnd();
                User u = user(name);
                if (!canInspect(u)) throw SnowflakeError.insufficientPrivileges("user", name);
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
                describeRow(r, "RSA_PUBLIC_KEY_2_FP", fingerprint(u.rsaPublicKey2), null, "Fingerprint of user's second RSA public key.");
                describeRow(r, "TYPE", u.type, null, "Specifies the type of the user.");
                describeRow(r, "HAS_MFA", "false", "false", "Whether MFA is enrolled for the user.");
                describeRow(r, "HAS_PAT", Result.bool(!u.tokens.isEmpty()), "false", "Whether the user has one or more programmatic access tokens.");
                describeRow(r, "HAS_WORKLOAD_IDENTITY", "false", "false", "Whether the user has a workload identity.");
                return r;
            }
            if (c.accept("AUTHENTICATION", "POLICY")) {
                Name n = c.qualifiedName();
                c.expectEnd();
                String key = fqn(qualify(n, "DESCRIBE AUTHENTICATION POLICY"));
                AuthPolicy p = account.authPolicies.get(key);
                if (p == null) throw SnowflakeError.doesNotExist("Authentication policy", n.display());
                if (!(owns(p) || accountPrivilege("APPLY AUTHENTICATION POLICY"))) {
                    throw SnowflakeError.insufficientPrivileges("authentication policy", key);
                }
                Result r = new Result(Result.DESCRIBE).text("property", "value", "default", "description");
                r.row("NAME", p.name, null, "Name of the authentication policy.");
                r.row("OWNER", p.owner, null, "Role that owns the authentication policy.");
                r.row("COMMENT", String.valueOf(p.comment), "null", "Comment associated with authentication policy.");
                r.row("AUTHENTICATION_METHODS", "[" + String.join(", ", p.methods) + "]", "[ALL]", "Allowed authentication methods.");
                r.row("CLIENT_TYPES", "[" + String.join(", ", p.clientTypes) + "]", "[ALL]", "Allowed client types.");
                r.row("SECURITY_INTEGRATIONS", "[" + String.join(", ", p.securityIntegrations) + "]", "[ALL]", "Allowed security integrations.");
                r.row("MFA_ENROLLMENT", p.mfaEnrollment, "OPTIONAL", "Whether MFA enrollment is required.");
                r.row("CLIENT_POLICY", "{}", "{}", "Client versions allowed.");
                r.row("PAT_POLICY", patPolicyText(p), patPolicyText(Account.DEFAULT_POLICY), "Programmatic access token policy.");
                return r;
            }
            if (c.accept("NETWORK", "POLICY")) {
                String name = c.identifier();
                c.expectEnd();
                NetworkPolicy p = account.networkPolicies.get(name);
                if (p == null) throw SnowflakeError.doesNotExist("Network policy", name);
                if (!(owns(p) || accountPrivilege("ATTACH POLICY"))) throw SnowflakeError.insufficientPrivileges("network policy", name);
                Result r = new Result(Result.DESCRIBE).text("name", "value");
                if (!p.allowedIps.isEmpty()) r.row("ALLOWED_IP_LIST", String.join(",", p.allowedIps));
                if (!p.blockedIps.isEmpty()) r.row("BLOCKED_IP_LIST", String.join(",", p.blockedIps));
                if (!p.allowedRules.isEmpty()) r.row("ALLOWED_NETWORK_RULE_LIST", String.join(",", p.allowedRules));
                if (!p.blockedRules.isEmpty()) r.row("BLOCKED_NETWORK_RULE_LIST", String.join(",", p.blockedRules));
                return r;
            }
            throw SnowflakeError.unsupported("DESCRIBE " + c.peek().text().toUpperCase(Locale.ROOT));
        }

        void describeRow(Result r, String property, String value, String dflt, String description) {
            // DESCRIBE USER shows the text "null" for unset values.
            r.row(property, value == null ? "null" : value, dflt == null ? "null" : dflt, description);
        }

        String fingerprint(String base64Der) {
            if (base64Der == null) return null;
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64Der));
                return "SHA256:" + Base64.getEncoder().encodeToString(digest);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        String patPolicyText(AuthPolicy p) {
            return "{DEFAULT_EXPIRY_IN_DAYS=" + p.defaultExpiryInDays + ", MAX_EXPIRY_IN_DAYS=" + p.maxExpiryInDays
                    + ", NETWORK_POLICY_EVALUATION=" + p.networkPolicyEvaluation
                    + ", REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS=" + p.requireRoleRestrictionForServiceUsers
                    + ", REQUIRE_ROLE_RESTRICTION_FOR_PERSON_USERS=" + p.requireRoleRestrictionForPersonUsers
                    + ", BLOCKED_ROLES_LIST=[" + String.join(", ", p.blockedRoles) + "]}";
        }
    }
}

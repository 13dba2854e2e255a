-- patrol: account setup for one CLI identity, and the guardrails the pattern rests on.
--
-- Idempotent: run it again at any time, with the same or new values; it converges the account to
-- this state (a changed CIDR changes the network rules). Run it with the Snowflake CLI as a user
-- that holds ACCOUNTADMIN (it switches to the least role each step needs):
--
--   snow sql -f deploy/snowflake/setup.sql \
--     -D cli_user=ANALYST_CLI -D cli_role=ANALYST_CLI_ROLE -D warehouse=ANALYST_WH \
--     -D rotator_user=PATROL_ROTATOR -D rotator_role=PATROL_ROTATOR_ROLE \
--     -D rotator_public_key="$(grep -v -- '-----' rotator_key.pub | tr -d '\n')" \
--     -D cli_allowed_cidr=203.0.113.0/24 -D rotator_allowed_cidr=198.51.100.7/32
--
-- Variables (Snowflake CLI templating: each appears between "<%" and "%>" below):
--   cli_user              the CLI's TYPE=SERVICE user, one per CLI identity
--   cli_role              its single least-privileged role (grant it the data access the CLI needs)
--   warehouse             the warehouse the CLI uses
--   rotator_user          patrol's own service user (key-pair login only)
--   rotator_role          patrol's role: owns the CLI users, nothing else
--   rotator_public_key    the rotator's RSA public key, base64 DER without the PEM header lines
--   cli_allowed_cidr      the network range the CLI may connect from (PATs require a network policy)
--   rotator_allowed_cidr  patrol's egress address range: the only place the rotator may log in from
--
-- Objects patrol itself owns live in database PATROL_ADMIN, schema POLICIES.

-- 1. A home for the policies, and the CLI's warehouse (SYSADMIN owns databases and warehouses).
USE ROLE SYSADMIN;
CREATE DATABASE IF NOT EXISTS PATROL_ADMIN COMMENT = 'patrol: authentication and network policies';
CREATE SCHEMA IF NOT EXISTS PATROL_ADMIN.POLICIES;
CREATE WAREHOUSE IF NOT EXISTS <% warehouse %> WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 INITIALLY_SUSPENDED = TRUE;
GRANT USAGE ON DATABASE PATROL_ADMIN TO ROLE SECURITYADMIN;
GRANT USAGE, CREATE AUTHENTICATION POLICY, CREATE NETWORK RULE ON SCHEMA PATROL_ADMIN.POLICIES TO ROLE SECURITYADMIN;

-- 2. Roles and service users (USERADMIN creates users and roles). Their settings are converged in
--    step 4, by a role above the owner, because after step 3 USERADMIN no longer owns the CLI user.
USE ROLE USERADMIN;
CREATE ROLE IF NOT EXISTS <% cli_role %> COMMENT = 'The one role of CLI user <% cli_user %> (patrol)';
CREATE ROLE IF NOT EXISTS <% rotator_role %> COMMENT = 'patrol: owns the CLI users to manage their PATs';
CREATE USER IF NOT EXISTS <% cli_user %> TYPE = SERVICE DEFAULT_ROLE = <% cli_role %> DEFAULT_WAREHOUSE = <% warehouse %>
  DEFAULT_SECONDARY_ROLES = () COMMENT = 'CLI identity managed by patrol; authenticates only with a role-restricted PAT';
CREATE USER IF NOT EXISTS <% rotator_user %> TYPE = SERVICE DEFAULT_ROLE = <% rotator_role %> DEFAULT_SECONDARY_ROLES = ()
  RSA_PUBLIC_KEY = '<% rotator_public_key %>' COMMENT = 'patrol rotator (key-pair login)';

-- 3. Grants (SECURITYADMIN holds MANAGE GRANTS). The rotator owns the CLI user: Snowflake lets only
--    the owner (or a role above it) DESCRIBE the user and read its grants, which the rotator checks
--    before every mint, and ownership is what lets an incident disable the user. The CLI user holds
--    one role, so owning it gives the rotator no data access. Never ACCOUNTADMIN. The rotator role
--    rolls up to SECURITYADMIN, which could grant itself all of this anyway.
USE ROLE SECURITYADMIN;
GRANT ROLE <% cli_role %> TO USER <% cli_user %>;
GRANT ROLE <% rotator_role %> TO USER <% rotator_user %>;
GRANT ROLE <% rotator_role %> TO ROLE SECURITYADMIN;
GRANT USAGE ON WAREHOUSE <% warehouse %> TO ROLE <% cli_role %>;
GRANT OWNERSHIP ON USER <% cli_user %> TO ROLE <% rotator_role %> COPY CURRENT GRANTS;
-- What the earlier version of this script granted instead; ownership covers it (no-ops when absent).
REVOKE MONITOR, MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER <% cli_user %> FROM ROLE <% rotator_role %>;

-- 4. Network policies: a service user must be subject to one to create or use a PAT, and the
--    rotator may log in only from patrol's egress range. CREATE ... IF NOT EXISTS then ALTER, so a
--    re-run with a new CIDR changes the rule without detaching the policy from anyone.
CREATE NETWORK RULE IF NOT EXISTS PATROL_ADMIN.POLICIES.CLI_INGRESS
  MODE = INGRESS TYPE = IPV4 VALUE_LIST = ('<% cli_allowed_cidr %>');
ALTER NETWORK RULE PATROL_ADMIN.POLICIES.CLI_INGRESS SET VALUE_LIST = ('<% cli_allowed_cidr %>')
  COMMENT = 'Where CLI users may connect from (patrol)';
CREATE NETWORK POLICY IF NOT EXISTS PATROL_CLI_NETWORK_POLICY
  ALLOWED_NETWORK_RULE_LIST = ('PATROL_ADMIN.POLICIES.CLI_INGRESS');
ALTER NETWORK POLICY PATROL_CLI_NETWORK_POLICY SET ALLOWED_NETWORK_RULE_LIST = ('PATROL_ADMIN.POLICIES.CLI_INGRESS')
  COMMENT = 'CLI users (patrol)';
CREATE NETWORK RULE IF NOT EXISTS PATROL_ADMIN.POLICIES.ROTATOR_INGRESS
  MODE = INGRESS TYPE = IPV4 VALUE_LIST = ('<% rotator_allowed_cidr %>');
ALTER NETWORK RULE PATROL_ADMIN.POLICIES.ROTATOR_INGRESS SET VALUE_LIST = ('<% rotator_allowed_cidr %>')
  COMMENT = 'Where patrol connects from';
CREATE NETWORK POLICY IF NOT EXISTS PATROL_ROTATOR_NETWORK_POLICY
  ALLOWED_NETWORK_RULE_LIST = ('PATROL_ADMIN.POLICIES.ROTATOR_INGRESS');
ALTER NETWORK POLICY PATROL_ROTATOR_NETWORK_POLICY SET ALLOWED_NETWORK_RULE_LIST = ('PATROL_ADMIN.POLICIES.ROTATOR_INGRESS')
  COMMENT = 'patrol rotator';

-- The users' settings, converged on every run (SECURITYADMIN is above both owners). A service user
-- cannot have a password; no secondary roles, so a session is its one role.
ALTER USER <% cli_user %> SET TYPE = SERVICE DEFAULT_ROLE = <% cli_role %> DEFAULT_WAREHOUSE = <% warehouse %>
  DEFAULT_SECONDARY_ROLES = () NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY;
ALTER USER <% rotator_user %> SET TYPE = SERVICE DEFAULT_ROLE = <% rotator_role %> DEFAULT_SECONDARY_ROLES = ()
  RSA_PUBLIC_KEY = '<% rotator_public_key %>' NETWORK_POLICY = PATROL_ROTATOR_NETWORK_POLICY;

-- 5. Authentication policies: person users can neither create nor use PATs; the CLI user may, only
--    with a role restriction, only under a network policy, and never for admin roles.
CREATE OR ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT
  AUTHENTICATION_METHODS = ('PASSWORD', 'SAML', 'OAUTH', 'KEYPAIR')
  COMMENT = 'patrol: person users cannot create or use programmatic access tokens';
CREATE OR ALTER AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT
  AUTHENTICATION_METHODS = ('PROGRAMMATIC_ACCESS_TOKEN', 'KEYPAIR')
  PAT_POLICY = (
    DEFAULT_EXPIRY_IN_DAYS = 30
    MAX_EXPIRY_IN_DAYS = 90
    NETWORK_POLICY_EVALUATION = ENFORCED_REQUIRED
    REQUIRE_ROLE_RESTRICTION_FOR_SERVICE_USERS = TRUE
    BLOCKED_ROLES_LIST = ('ACCOUNTADMIN', 'SECURITYADMIN', 'USERADMIN', 'SYSADMIN', 'ORGADMIN')
  )
  COMMENT = 'patrol: CLI users use key pairs or role-restricted PATs';
-- For person users FORCE is intended: it also overrides per-user policies, so no single person user
-- can be exempted from the PAT ban by a user-level policy.
ALTER ACCOUNT SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.PERSON_USERS_NO_PAT FOR ALL PERSON USERS FORCE;
-- The CLI policy is attached to each CLI user, not FOR ALL SERVICE USERS: with FORCE that would
-- override the own policy of every other service user (an OAuth or key-pair integration). FORCE here
-- replaces only this user's earlier policy, so a re-run converges. An account-wide form, for
-- accounts where every service user should follow it, is in the README (opt-in).
ALTER USER <% cli_user %> SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT FORCE;

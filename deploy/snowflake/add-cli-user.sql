-- patrol: add one more CLI identity to an account already set up with setup.sql. Idempotent, and
-- converges when re-run.
--
--   snow sql -f deploy/snowflake/add-cli-user.sql \
--     -D cli_user=DATA_ENG_CLI -D cli_role=DATA_ENG_CLI_ROLE -D warehouse=DATA_ENG_WH -D rotator_role=PATROL_ROTATOR_ROLE
--
-- Then register it in patrol: patrol.connections.data-eng.user=DATA_ENG_CLI, .role=DATA_ENG_CLI_ROLE,
-- and grant the CLI role the data access it needs (and nothing else).

USE ROLE SYSADMIN;
CREATE WAREHOUSE IF NOT EXISTS <% warehouse %> WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 INITIALLY_SUSPENDED = TRUE;

USE ROLE USERADMIN;
CREATE ROLE IF NOT EXISTS <% cli_role %> COMMENT = 'The one role of CLI user <% cli_user %> (patrol)';
CREATE USER IF NOT EXISTS <% cli_user %> TYPE = SERVICE DEFAULT_ROLE = <% cli_role %> DEFAULT_WAREHOUSE = <% warehouse %>
  DEFAULT_SECONDARY_ROLES = () COMMENT = 'CLI identity managed by patrol; authenticates only with a role-restricted PAT';

-- The rotator owns the CLI user (it must, to DESCRIBE it and read its grants; see setup.sql step 3).
USE ROLE SECURITYADMIN;
GRANT ROLE <% cli_role %> TO USER <% cli_user %>;
GRANT USAGE ON WAREHOUSE <% warehouse %> TO ROLE <% cli_role %>;
GRANT OWNERSHIP ON USER <% cli_user %> TO ROLE <% rotator_role %> COPY CURRENT GRANTS;
-- What the earlier version of this script granted instead; ownership covers it (no-ops when absent).
REVOKE MONITOR, MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER <% cli_user %> FROM ROLE <% rotator_role %>;
ALTER USER <% cli_user %> SET TYPE = SERVICE DEFAULT_ROLE = <% cli_role %> DEFAULT_WAREHOUSE = <% warehouse %>
  DEFAULT_SECONDARY_ROLES = () NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY;
ALTER USER <% cli_user %> SET AUTHENTICATION POLICY PATROL_ADMIN.POLICIES.SERVICE_USERS_PAT FORCE;

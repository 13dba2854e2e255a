-- patrol: add one more CLI identity to an account already set up with setup.sql. Idempotent.
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
  COMMENT = 'CLI identity managed by patrol; authenticates only with a role-restricted PAT';
ALTER USER <% cli_user %> SET TYPE = SERVICE DEFAULT_ROLE = <% cli_role %> DEFAULT_WAREHOUSE = <% warehouse %>
  DEFAULT_SECONDARY_ROLES = ();

USE ROLE SECURITYADMIN;
GRANT ROLE <% cli_role %> TO USER <% cli_user %>;
GRANT USAGE ON WAREHOUSE <% warehouse %> TO ROLE <% cli_role %>;
GRANT MODIFY PROGRAMMATIC AUTHENTICATION METHODS ON USER <% cli_user %> TO ROLE <% rotator_role %>;
GRANT MONITOR ON USER <% cli_user %> TO ROLE <% rotator_role %>;
ALTER USER <% cli_user %> SET NETWORK_POLICY = PATROL_CLI_NETWORK_POLICY;

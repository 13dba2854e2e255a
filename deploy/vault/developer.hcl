# A developer who runs the CLI as connection analyst_cli, and as analyst_cli_second in a second
# Snowflake account: fetch their current secrets through patrol (or straight from Vault), and see
# which connections exist. Make one such policy per developer or team, or use a templated path with
# identity metadata if your Vault login carries the connection name.
path "secret/data/snowflake-pats/analyst_cli" {
  capabilities = ["read"]
}
path "secret/data/snowflake-pats/analyst_cli_second" {
  capabilities = ["read"]
}
path "secret/metadata/snowflake-pats" {
  capabilities = ["list"]
}

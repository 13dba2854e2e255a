# A developer who runs the CLI as connection analyst_cli: fetch its current secret through patrol
# (or straight from Vault), and see which connections exist. Make one such policy per connection,
# or use a templated path with identity metadata if your Vault login carries the connection name.
path "secret/data/snowflake-pats/analyst_cli" {
  capabilities = ["read"]
}
path "secret/metadata/snowflake-pats" {
  capabilities = ["list"]
}

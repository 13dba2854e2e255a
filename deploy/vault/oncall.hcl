# On-call: rotate now, revoke and resume any connection, read the drift and posture reports.
# These are patrol's own API paths: no Vault engine serves them, patrol asks sys/capabilities-self.
# On-call does not need to read the secrets themselves.
path "patrol/connections/+/rotate" {
  capabilities = ["update"]
}
path "patrol/connections/+/revoke" {
  capabilities = ["update"]
}
path "patrol/reports" {
  capabilities = ["read"]
}
path "secret/metadata/snowflake-pats" {
  capabilities = ["list"]
}

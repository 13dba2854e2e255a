# patrol's own policy: its token records, their history and its state documents (design §3).
# Paths assume patrol.vault.kv-mount=secret and patrol.vault.path-prefix=snowflake-pats; adapt both
# prefixes if you change them. patrol never needs delete on metadata (revocation destroys versions and
# keeps the metadata for the audit trail), nor any access to other secrets.

# Current token records: created on first mint, updated on every rotation (check-and-set).
path "secret/data/snowflake-pats/*" {
  capabilities = ["create", "read", "update"]
}

# Version history (to destroy every version on revocation) and the list of records.
path "secret/metadata/snowflake-pats/*" {
  capabilities = ["read"]
}
path "secret/metadata/snowflake-pats" {
  capabilities = ["list"]
}
path "secret/destroy/snowflake-pats/*" {
  capabilities = ["update"]
}

# Per-connection state (suspension, rotation intent) and the sweep lock, check-and-set.
path "secret/data/snowflake-pats-state/*" {
  capabilities = ["create", "read", "update"]
}
path "secret/metadata/snowflake-pats-state/*" {
  capabilities = ["read"]
}

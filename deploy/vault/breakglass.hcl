# Break glass: revoke every registered connection at once (POST /api/v1/revoke-all).
# Grant it to a separate, audited identity, not to everyday on-call tokens.
path "patrol/revoke-all" {
  capabilities = ["update", "sudo"]
}

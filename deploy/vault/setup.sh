#!/bin/sh
# patrol: Vault setup with the vault CLI (VAULT_ADDR and an admin VAULT_TOKEN set). Idempotent.
# Adapt the paths in the .hcl files if you change patrol.vault.kv-mount or patrol.vault.path-prefix.
set -eu
cd "$(dirname "$0")"

# KV v2 at secret/ (skip if it exists)
vault secrets list -format=json | grep -q '"secret/"' || vault secrets enable -path=secret -version=2 kv

# One policy per audience
for p in patrol developer oncall breakglass; do
    vault policy write "patrol-$p" "$p.hcl"
done

# patrol logs in with AppRole (outside Kubernetes) ...
vault auth list -format=json | grep -q '"approle/"' || vault auth enable approle
vault write auth/approle/role/patrol token_policies=patrol-patrol token_ttl=1h token_max_ttl=24h secret_id_ttl=0
vault read -field=role_id auth/approle/role/patrol/role-id > patrol-role-id
vault write -f -field=secret_id auth/approle/role/patrol/secret-id > patrol-secret-id
chmod 600 patrol-secret-id
echo "AppRole: patrol.vault.auth.method=approle, patrol.vault.approle.role-id=$(cat patrol-role-id),"
echo "         patrol.vault.approle.secret-id-file=<path to patrol-secret-id>"

# ... or with Kubernetes (inside the cluster; see deploy/kubernetes/)
if [ "${KUBERNETES_HOST:-}" != "" ]; then
    vault auth list -format=json | grep -q '"kubernetes/"' || vault auth enable kubernetes
    vault write auth/kubernetes/config kubernetes_host="$KUBERNETES_HOST"
    vault write auth/kubernetes/role/patrol bound_service_account_names=patrol \
        bound_service_account_namespaces=patrol token_policies=patrol-patrol token_ttl=1h
fi

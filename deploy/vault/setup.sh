#!/bin/sh
# patrol: Vault setup with the vault CLI (VAULT_ADDR and an admin VAULT_TOKEN set). Idempotent: run it
# again to converge the policies and the AppRole after a change, or to issue a fresh secret id.
#
# usage: setup.sh SECRET_ID_FILE
#   SECRET_ID_FILE (or PATROL_SECRET_ID_FILE): where to write patrol's AppRole secret id, outside this
#   repository, in an existing directory; the file is created 0600 and replaced in one rename.
#   Point patrol.vault.approle.secret-id-file at it.
# Optional, from the environment (README, "Vault"):
#   PATROL_SECRET_ID_TTL          lifetime of each secret id (default 2160h, 90 days; 0 never expires)
#   PATROL_SECRET_ID_BOUND_CIDRS  comma-separated CIDRs patrol may log in from (default: any)
#   PATROL_TOKEN_BOUND_CIDRS      comma-separated CIDRs patrol's Vault tokens work from (default: any)
#   KUBERNETES_HOST               also set up Kubernetes auth for patrol (see deploy/kubernetes/)
# Adapt the paths in the .hcl files if you change patrol.vault.kv-mount or patrol.vault.path-prefix.
set -eu

here=$(cd "$(dirname "$0")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)

secret_id_file=${1:-${PATROL_SECRET_ID_FILE:-}}
if [ -z "$secret_id_file" ]; then
    echo "usage: $0 SECRET_ID_FILE   (where to write patrol's AppRole secret id, outside the repository)" >&2
    exit 2
fi
if ! secret_id_dir=$(cd "$(dirname "$secret_id_file")" 2>/dev/null && pwd -P); then
    echo "setup.sh: the directory of $secret_id_file does not exist" >&2
    exit 2
fi
secret_id_file="$secret_id_dir/$(basename "$secret_id_file")"
case "$secret_id_dir/" in
    "$repo"/*)
        echo "setup.sh: refusing to write the secret id inside the repository ($repo)" >&2
        exit 2
        ;;
esac
if [ -d "$secret_id_file" ]; then
    echo "setup.sh: $secret_id_file is a directory" >&2
    exit 2
fi

cd "$here"

# KV v2 at secret/ (skip if it exists)
vault secrets list -format=json | grep -q '"secret/"' || vault secrets enable -path=secret -version=2 kv

# One policy per audience
for p in patrol developer oncall breakglass; do
    vault policy write "patrol-$p" "$p.hcl"
done

# patrol logs in with AppRole (outside Kubernetes) ... Every setting is written on every run, so a
# variable left unset clears its binding again.
vault auth list -format=json | grep -q '"approle/"' || vault auth enable approle
vault write auth/approle/role/patrol token_policies=patrol-patrol token_ttl=1h token_max_ttl=24h \
    secret_id_ttl="${PATROL_SECRET_ID_TTL:-2160h}" secret_id_num_uses=0 \
    secret_id_bound_cidrs="${PATROL_SECRET_ID_BOUND_CIDRS:-}" token_bound_cidrs="${PATROL_TOKEN_BOUND_CIDRS:-}"
role_id=$(vault read -field=role_id auth/approle/role/patrol/role-id)

# The secret id goes into a new file that is 0600 from its creation (umask in a subshell; noclobber,
# so nothing already at the temporary name is reused), then replaces the target in one rename.
tmp="$secret_id_file.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
    umask 077
    set -C
    vault write -f -field=secret_id auth/approle/role/patrol/secret-id > "$tmp"
)
mv -f "$tmp" "$secret_id_file"
trap - EXIT
echo "AppRole: patrol.vault.auth.method=approle, patrol.vault.approle.role-id=$role_id,"
echo "         patrol.vault.approle.secret-id-file=$secret_id_file (new secret id, valid ${PATROL_SECRET_ID_TTL:-2160h})"

# ... or with Kubernetes (inside the cluster; see deploy/kubernetes/)
if [ "${KUBERNETES_HOST:-}" != "" ]; then
    vault auth list -format=json | grep -q '"kubernetes/"' || vault auth enable kubernetes
    vault write auth/kubernetes/config kubernetes_host="$KUBERNETES_HOST"
    vault write auth/kubernetes/role/patrol bound_service_account_names=patrol \
        bound_service_account_namespaces=patrol token_policies=patrol-patrol token_ttl=1h
fi

#!/usr/bin/env bash
# Writes <app-dir>/app-cds.jsa, the class-data archive patrol starts with: one training run of the
# packaged application (<app-dir>, the aot-jar layout of target/quarkus-app) against the standalone
# emulators (<emulators-jar>), from start through its first Snowflake login, a Vault lookup and a
# token fetch, archived at exit (-XX:ArchiveClassesAtExit). Every class that start-up and readiness
# load is then mapped from the archive instead of being read, verified and linked again. An archive
# only works with the JVM build that wrote it and the same jar files, so it is written where it is
# used: by the container build (deploy/docker/Dockerfile) and by src/test/bench/startup.sh.
#   usage: deploy/docker/cds-training.sh <app-dir> <emulators-jar>
# Needs bash, java, sed, stat and mktemp (no curl: bash's /dev/tcp asks patrol); JAVA_OPTS are passed
# to the training run (use the production ones, without -XX:SharedArchiveFile).
set -euo pipefail
# Only the settings below reach the emulators and patrol: none inherited from the caller's environment.
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(PATROL|QUARKUS)_' || true)
app="$(cd "$1" && pwd)"
emulators="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
work="$(mktemp -d)"
emu=""
pid=""
# Without errexit: a process that already ended fails its kill, and the rest (the emulators, the
# directory holding the rotator's private key) must go all the same.
cleanup() {
  set +e
  [ -z "$pid" ] || kill "$pid" 2>/dev/null
  [ -z "$emu" ] || kill "$emu" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A process that ended, or a wait that ran out, is reported with the process's log: the exit trap deletes it.
alive() { kill -0 "$1" 2>/dev/null || { echo "cds-training: $2 ended early; its log:" >&2; cat "$3" >&2; exit 1; }; }
give_up() { [ "$SECONDS" -lt 180 ] || { echo "cds-training: $1 after 180 s; its log:" >&2; cat "$2" >&2; exit 1; }; }

PATROL_DEVSERVICES_SNOWFLAKE_ROTATOR_KEY_FILE="$work/rotator.p8" java -jar "$emulators" >"$work/emulators.log" 2>&1 &
emu=$!
until grep -qs '^patrol emulators ready' "$work/emulators.log"; do
  alive "$emu" "the emulators" "$work/emulators.log"; give_up "the emulators not ready" "$work/emulators.log"; sleep 0.1
done
sf=$(sed -n 's/^patrol emulators ready: snowflake \(\S*\) vault \(\S*\)$/\1/p' "$work/emulators.log")
vault=$(sed -n 's/^patrol emulators ready: snowflake \(\S*\) vault \(\S*\)$/\2/p' "$work/emulators.log")
token=$(sed -n 's/^  Vault dev token for patrol: //p' "$work/emulators.log")
developer=$(sed -n 's/^  Vault dev token for developer: //p' "$work/emulators.log")

rm -f "$app/app-cds.jsa"
port=""
# true when GET <path> (with a bearer token, if given) answers 200
http_ok() {
  local status="" auth=""
  [ -z "${2:-}" ] || auth="Authorization: Bearer $2"$'\r\n'
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n' "$1" "$auth" >&3
  read -r -t 30 status <&3 || true
  exec 3<&-
  [[ "$status" == *" 200 "* ]]
}
# Run from the application's directory as run-java.sh does: the archive records the class path as the JVM saw it.
(cd "$app" && SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SNOWFLAKE_DISABLE_MINICORE=true \
  PATROL_SNOWFLAKE_ACCOUNT=PATROLDEV PATROL_SNOWFLAKE_URL="$sf" PATROL_SNOWFLAKE_USER=PATROL_ROTATOR \
  PATROL_SNOWFLAKE_ROLE=PATROL_ROTATOR_ROLE PATROL_SNOWFLAKE_PRIVATE_KEY_FILE="$work/rotator.p8" \
  PATROL_VAULT_ADDRESS="$vault" PATROL_VAULT_TOKEN="$token" PATROL_ROTATION_CHECK_EVERY=1s \
  QUARKUS_HTTP_PORT=0 QUARKUS_HTTP_HOST=127.0.0.1 \
  exec java ${JAVA_OPTS:-} -XX:ArchiveClassesAtExit=app-cds.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
    -Dpatrol.connections.analyst_cli.user=ANALYST_CLI -Dpatrol.connections.analyst_cli.role=ANALYST_CLI_ROLE \
    -jar quarkus-run.jar) >"$work/patrol.log" 2>&1 &
pid=$!
# a free port chosen by patrol itself, read from its log: nothing else on the machine is asked
until [ -n "$port" ]; do
  alive "$pid" patrol "$work/patrol.log"; give_up "patrol not started" "$work/patrol.log"; sleep 0.1
  port=$(sed -n 's|.*Listening on: http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/patrol.log" | head -1)
done
until http_ok /q/health/ready; do
  alive "$pid" patrol "$work/patrol.log"; give_up "patrol not ready" "$work/patrol.log"; sleep 0.2
done
# the first sweep (a mint) and a developer's fetch, so their classes are in the archive too
until http_ok /api/v1/connections/analyst_cli/token "$developer"; do
  alive "$pid" patrol "$work/patrol.log"; give_up "no token fetched" "$work/patrol.log"; sleep 0.2
done
kill "$pid"
wait "$pid" || true
pid=""
test -s "$app/app-cds.jsa"
echo "cds-training: wrote $app/app-cds.jsa ($(($(stat -c %s "$app/app-cds.jsa") / 1048576)) MiB)"

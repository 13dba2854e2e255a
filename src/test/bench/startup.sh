#!/usr/bin/env bash
# Start-up benchmark of the packaged production application against the standalone emulators.
# Run after ./mvnw package: prints, per run and as medians, seconds from exec to Quarkus's
# "started" line, seconds to /q/health/ready answering UP (which includes a Snowflake login and a
# Vault lookup), and the resident set size once ready.
#   usage: src/test/bench/startup.sh [runs]      (default 5)
# JAVA_OPTS defaults to the garbage collector the container image uses (deploy/docker/Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-5}"
work="$(mktemp -d)"
emu=""
trap '[ -z "$emu" ] || { kill "$emu" 2>/dev/null; wait "$emu" 2>/dev/null; }; rm -rf "$work"' EXIT

PATROL_DEVSERVICES_SNOWFLAKE_ROTATOR_KEY_FILE="$work/rotator.p8" java -jar target/patrol-emulators.jar >"$work/emulators.log" 2>&1 &
emu=$!
until grep -q '^patrol emulators ready' "$work/emulators.log"; do kill -0 "$emu"; sleep 0.1; done
sf=$(sed -n 's/^patrol emulators ready: snowflake \(\S*\) vault \(\S*\)$/\1/p' "$work/emulators.log")
vault=$(sed -n 's/^patrol emulators ready: snowflake \(\S*\) vault \(\S*\)$/\2/p' "$work/emulators.log")
token=$(sed -n 's/^  Vault dev token for patrol: //p' "$work/emulators.log")

now() { date +%s.%N; }
printf '%-5s %10s %10s %10s %10s\n' run started_s ready_s rss_mib stop_s
for i in $(seq 1 "$runs"); do
  port=$((18500 + i))
  t0=$(now)
  PATROL_SNOWFLAKE_ACCOUNT=PATROLDEV PATROL_SNOWFLAKE_URL="$sf" PATROL_SNOWFLAKE_USER=PATROL_ROTATOR \
  PATROL_SNOWFLAKE_ROLE=PATROL_ROTATOR_ROLE PATROL_SNOWFLAKE_PRIVATE_KEY_FILE="$work/rotator.p8" \
  PATROL_VAULT_ADDRESS="$vault" PATROL_VAULT_TOKEN="$token" QUARKUS_HTTP_PORT=$port QUARKUS_HTTP_HOST=127.0.0.1 \
    java ${JAVA_OPTS:--XX:+UseSerialGC} -Dpatrol.connections.analyst_cli.user=ANALYST_CLI -Dpatrol.connections.analyst_cli.role=ANALYST_CLI_ROLE \
    -jar target/quarkus-app/quarkus-run.jar >"$work/patrol-$i.log" 2>&1 &
  pid=$!
  started=""
  ready=""
  while [ -z "$ready" ]; do
    kill -0 "$pid"
    if [ -z "$started" ] && grep -q ' started in ' "$work/patrol-$i.log"; then started=$(awk -v a="$(now)" -v b="$t0" 'BEGIN {print a - b}'); fi
    if curl -sf -o /dev/null "http://127.0.0.1:$port/q/health/ready"; then
      ready=$(awk -v a="$(now)" -v b="$t0" 'BEGIN {print a - b}')
      [ -n "$started" ] || started=$ready
    else
      sleep 0.02
    fi
  done
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  t1=$(now)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  stop=$(awk -v a="$(now)" -v b="$t1" 'BEGIN {print a - b}')
  printf '%-5s %10.2f %10.2f %10s %10.2f\n' "$i" "$started" "$ready" "$rss" "$stop"
  echo "$started $ready $rss $stop" >>"$work/results"
done
median() { cut -d' ' -f"$1" "$work/results" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf 'median of %s runs: started %.2f s, ready %.2f s, RSS %s MiB, stop %.2f s\n' "$runs" "$(median 1)" "$(median 2)" "$(median 3)" "$(median 4)"

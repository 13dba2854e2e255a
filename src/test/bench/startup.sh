#!/usr/bin/env bash
# Start-up benchmark of the packaged production application against the standalone emulators.
# Run after ./mvnw package: prints, per run and as medians, seconds from exec to Quarkus's
# "started" line, seconds to /q/health/ready answering UP (which includes a Snowflake login and a
# Vault lookup), and the resident set size once ready.
#   usage: src/test/bench/startup.sh [runs]      (default 5)
# JAVA_OPTS defaults to what the JVM in the container image gets (deploy/docker/Dockerfile): the
# image's run-java.sh defaults under the 512 MiB limit of deploy/kubernetes/patrol.yaml (-XX:MaxRAM
# stands in for the limit), then the Dockerfile's GC_CONTAINER_OPTIONS and JAVA_OPTS_APPEND, read
# from it; like run-java.sh it starts the JVM in the application's directory, where a training run
# (deploy/docker/cds-training.sh, as the image build does) first writes app-cds.jsa. "started" is the time of Quarkus's started line (its log timestamp), "ready"
# the first 200 from /q/health/ready.
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-5}"
dockerfile_env() { sed -n "s/^ *$1=\"\([^\"]*\)\".*/\1/p" deploy/docker/Dockerfile; }
image_defaults="-XX:MaxRAM=512m -XX:MaxRAMPercentage=50.0 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:GCTimeRatio=4 -XX:AdaptiveSizePolicyWeight=90 -XX:+ExitOnOutOfMemoryError"
JAVA_OPTS="${JAVA_OPTS-$image_defaults $(dockerfile_env GC_CONTAINER_OPTIONS) $(dockerfile_env JAVA_OPTS_APPEND)}"
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true SNOWFLAKE_DISABLE_MINICORE=true
echo "JAVA_OPTS=$JAVA_OPTS"
app="$PWD/target/quarkus-app"
work="$(mktemp -d)"
emu=""
trap '[ -z "$emu" ] || { kill "$emu" 2>/dev/null; wait "$emu" 2>/dev/null; }; rm -rf "$work"' EXIT

# The class-data archive the image writes at build time, written here the same way (a training run).
JAVA_OPTS="$(echo "$JAVA_OPTS" | sed 's/-XX:SharedArchiveFile=[^ ]*//')" deploy/docker/cds-training.sh "$app" target/patrol-emulators.jar

PATROL_DEVSERVICES_SNOWFLAKE_ROTATOR_KEY_FILE="$work/rotator.p8" java -jar target/patrol-emulators.jar >"$work/emulators.log" 2>&1 &
emu=$!
until grep -qs '^patrol emulators ready' "$work/emulators.log"; do kill -0 "$emu"; sleep 0.1; done
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
    bash -c 'cd "$1" && shift && exec java "$@"' - "$app" $JAVA_OPTS \
    -Dpatrol.connections.analyst_cli.user=ANALYST_CLI -Dpatrol.connections.analyst_cli.role=ANALYST_CLI_ROLE \
    -jar quarkus-run.jar >"$work/patrol-$i.log" 2>&1 &
  pid=$!
  ready=""
  # a probe sent during the first login is answered only once the login is: the started time is
  # therefore read from the log line's own timestamp afterwards, not from this loop
  while [ -z "$ready" ]; do
    kill -0 "$pid"
    if curl -sf -o /dev/null "http://127.0.0.1:$port/q/health/ready"; then
      ready=$(awk -v a="$(now)" -v b="$t0" 'BEGIN {print a - b}')
    else
      sleep 0.02
    fi
  done
  stamp=$(sed -n 's/^\([0-9-]* [0-9:]*\),\([0-9]*\) .* started in .*/\1.\2/p' "$work/patrol-$i.log" | head -1)
  started=$(awk -v a="$(date -d "$stamp" +%s.%N)" -v b="$t0" 'BEGIN {print a - b}')
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  t1=$(now)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  stop=$(awk -v a="$(now)" -v b="$t1" 'BEGIN {print a - b}')
  printf '%-5s %10.2f %10.2f %10s %10.2f\n' "$i" "$started" "$ready" "$rss" "$stop"
  echo "$started $ready $rss $stop" >>"$work/results"
done
median() { cut -d' ' -f"$1" "$work/results" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf 'median of %s runs: started %.2f s, ready %.2f s, RSS %s MiB, stop %.2f s\n' "$runs" "$(median 1)" "$(median 2)" "$(median 3)" "$(median 4)"

#!/usr/bin/env bash
# One float32 allreduce by size between NPROC (default 2) ranks on 127.0.0.1, through ddpm4j's c10d Gloo
# group (bench/AllreduceBench.java, run from source): the allreduce figures of docs/distributed.md.
#
#   bench/allreduce.sh [NPROC]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-2}"
[[ -f "$ROOT/target/ddpm4j.jar" ]] || (cd "$ROOT" && mvn -B -ntp -q -DskipTests package)
CP="$ROOT/target/ddpm4j.jar:$(cat "$ROOT/target/runtime-classpath.txt")"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true' EXIT
for ((r = 0; r < N; r++)); do
  RANK=$r LOCAL_RANK=$r WORLD_SIZE=$N MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT DDPM4J_DIST_TIMEOUT=120 \
    java -cp "$CP" "$ROOT/bench/AllreduceBench.java" | grep -v '^\[Gloo\]' &
  pids+=($!)
done
wait "${pids[@]}"

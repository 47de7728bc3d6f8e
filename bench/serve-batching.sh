#!/usr/bin/env bash
# Throughput and latency of `ddpm4j serve` for C concurrent clients against the same requests one at a time: the
# measurement behind docs/serve.md. One server (MODEL, default the built-in fashion-mnist) on a loopback port; each
# client sends REQUESTS requests of N images (default 1) with its own seeds, UniPC with STEPS steps (default 20), one
# after the other. Appends one line per client count to OUT/batching.tsv: clients, requests, images, wall seconds,
# images/s, median and 95th-percentile latency, the server's network batches, CPU and date. C=0 is the baseline: every
# request alone, in sequence.
#
#   bench/serve-batching.sh OUT [CLIENTS...]        e.g. bench/serve-batching.sh /tmp/serve 0 1 4 16
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bench/serve-batching.sh OUT [CLIENTS...]}"
shift
CLIENTS=("$@")
[ ${#CLIENTS[@]} -gt 0 ] || CLIENTS=(0 1 4 16)
MODEL="${MODEL:-fashion-mnist}" REQUESTS="${REQUESTS:-8}" N="${N:-1}" STEPS="${STEPS:-20}" PORT="${PORT:-18181}"
mkdir -p "$OUT"
CPU="$(bash "$ROOT/bench/cpu-name.sh")"
[ -f "$OUT/batching.tsv" ] || printf 'clients\trequests\timages\tseconds\timages_per_s\tlatency_median_s\tlatency_p95_s\tbatches\tcpu\tdate\n' > "$OUT/batching.tsv"
"$ROOT/ddpm4j" serve --model "$MODEL" --port "$PORT" --queue 64 2> "$OUT/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 600); do grep -q "serving" "$OUT/serve.log" && break; sleep 0.1; done
grep -q "serving" "$OUT/serve.log" || { cat "$OUT/serve.log" >&2; exit 1; }
request() { # seed: one request's latency in seconds
  curl -sf -o /dev/null -w '%{time_total}\n' -X POST "$URL/v1/generate" \
    -d "{\"n\": $N, \"seed\": $1, \"steps\": $STEPS, \"format\": \"npy\"}"
}
export -f request; export URL N STEPS
request 0 > /dev/null   # warm-up: the first call pays for libtorch's lazy set-up
batches() { curl -sf "$URL/v1/stats" | sed 's/.*"batches":\([0-9]*\).*/\1/'; }
for c in "${CLIENTS[@]}"; do
  k=$(( c == 0 ? 1 : c ))
  total=$(( k * REQUESTS ))
  before=$(batches)
  start=$(date +%s.%N)
  if [ "$c" = 0 ]; then
    seq 1 "$total" | xargs -P 1 -I{} bash -c 'request {}' > "$OUT/latencies.txt"
  else
    seq 1 "$total" | xargs -P "$c" -I{} bash -c 'request {}' > "$OUT/latencies.txt"
  fi
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  after=$(batches)
  sort -n "$OUT/latencies.txt" > "$OUT/sorted.txt"
  median=$(awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}' "$OUT/sorted.txt")
  p95=$(awk '{a[NR]=$1} END {i=int(NR*0.95+0.999); if (i<1) i=1; print a[i]}' "$OUT/sorted.txt")
  printf '%s\t%s\t%s\t%.2f\t%.2f\t%.3f\t%.3f\t%s\t%s\t%s\n' "$c" "$total" $(( total * N )) "$seconds" \
    "$(echo "$total * $N / $seconds" | bc -l)" "$median" "$p95" $(( after - before )) "$CPU" "$(date -u +%FT%TZ)" >> "$OUT/batching.tsv"
done
cat "$OUT/batching.tsv"

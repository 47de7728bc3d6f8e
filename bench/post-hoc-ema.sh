#!/usr/bin/env bash
# Post-hoc EMA (EDM2's power-function profiles) against the fixed-decay EMA on a short run: EDM's objective on the
# quick28 network, all 60,000 Fashion-MNIST training images, batch 64, Adam 1e-3 after 100 warm-up steps, the fixed
# EMA 0.999 with warm-up (the quickstart's), no flips, seed 0, two profiles (0.05 and 0.10) snapshotted every 250
# steps. At MID and TOTAL steps the judge FID of N images (seed 0, fp32, EDM's Heun, 18 steps = 35 passes) of the
# fixed EMA and of the EMA reconstructed at each relative length in SIGMAS go to OUT/fid.tsv.
# Resumable: run it again and it goes on from the last checkpoint; a score already in fid.tsv is not measured again.
#
#   bench/post-hoc-ema.sh OUT      (TOTAL=2000 MID=1000 N=1000 SIGMAS="0.02 0.04 0.07 0.10 0.15 0.20 0.28")
# Beside another measurement: DDPM4J_JAVA_OPTS=-XX:ActiveProcessorCount=1 gives each JVM one core.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bench/post-hoc-ema.sh OUT}"
TOTAL="${TOTAL:-2000}"
MID="${MID:-1000}"
N="${N:-1000}"
SIGMAS="${SIGMAS:-0.02 0.04 0.07 0.10 0.15 0.20 0.28}"
mkdir -p "$OUT"
CPU="$(bash "$ROOT/bench/cpu-name.sh")"
[ -f "$OUT/fid.tsv" ] || printf 'step\tema\tjudge_fid\tsampler\tn\tcpu\tdate\n' > "$OUT/fid.tsv"
RUN="$OUT/run"
step_of() { [ -s "$RUN/metrics.jsonl" ] && tail -1 "$RUN/metrics.jsonl" | sed 's/^{"step":\([0-9]*\).*/\1/' || echo 0; }
scored() { awk -F'\t' -v s="$1" -v e="$2" '$1 == s && $2 == e { found = 1 } END { exit !found }' "$OUT/fid.tsv"; }
fid() { # step, label, model directory
  scored "$1" "$2" && return 0
  local f
  f=$("$ROOT/ddpm4j" eval fid --model "$3" --n "$N" --seed 0 --precision fp32 --batch-size 50 --scheduler heun --steps 18 2>> "$OUT/eval.log" | grep -o '[0-9.]*' | head -1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$f" heun-18 "$N" "$CPU" "$(date -u +%FT%TZ)" >> "$OUT/fid.tsv"
}
train_to() {
  if [ -d "$RUN/training_state" ]; then
    "$ROOT/ddpm4j" train --resume --data fashion-mnist:train --steps "$1" --out "$RUN" 2>> "$OUT/train.log"
  else
    "$ROOT/ddpm4j" train --data fashion-mnist:train --preset quick28 --objective edm --batch-size 64 --lr 1e-3 --warmup 100 \
      --ema-decay 0.999 --ema-warmup --no-flip --seed 0 --ema-profiles 0.05,0.10 --ema-snapshot-every 250 \
      --checkpoint-every 250 --sample-every 0 --steps "$1" --out "$RUN" 2>> "$OUT/train.log"
  fi
}
for target in "$MID" "$TOTAL"; do
  [ "$(step_of)" -lt "$target" ] && train_to "$target"
  if ! scored "$target" fixed-0.999; then
    [ "$(step_of)" -eq "$target" ] || { echo "the run is past step $target: its fixed EMA there is gone" >&2; exit 1; }
    fid "$target" fixed-0.999 "$RUN"
  fi
  for s in $SIGMAS; do
    scored "$target" "sigma_rel-$s" && continue
    "$ROOT/ddpm4j" ema --run "$RUN" --sigma-rel "$s" --step "$target" --out "$OUT/ema-$target-$s" 2>> "$OUT/eval.log" > /dev/null
    fid "$target" "sigma_rel-$s" "$OUT/ema-$target-$s"
    rm -rf "$OUT/ema-$target-$s"
  done
done
cat "$OUT/fid.tsv"

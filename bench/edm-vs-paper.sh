#!/usr/bin/env bash
# Time to quality, EDM's objective (or the fast recipe's) against the paper's, on the built-in model's network (fmnist28) and recipe (batch 64,
# Adam 5e-4 with 500 warm-up steps, EMA 0.9995 with warm-up, no flips, seed 0) on all 60,000 Fashion-MNIST training
# images. The two runs train in alternating chunks of CHUNK steps, so both see the machine as it is at the time; each
# chunk's wall time goes to OUT/chunks.tsv, and every EVAL_EVERY steps the judge FID of N images (seed 0, fp32) to
# OUT/fid.tsv: the paper's model with DDIM 50 steps (its published sampler), EDM's with EDM's Heun, 18 steps (35 passes),
# v-prediction's and the fast recipe's with DDIM 50 steps as the paper's (the same sampler, so the training alone differs).
# RECIPES (default "paper edm") chooses the runs: paper, edm, vpred (--prediction v_prediction --min-snr-gamma 5), fast
# (train --recipe fast's process and loss: v-prediction, min-SNR-5, cosine β's; the optimisation stays the one above).
# Resumable: run the same command again (after a crash, or with a larger TOTAL) and it goes on from the last chunk.
#
#   bench/edm-vs-paper.sh OUT [TOTAL_STEPS]      (CHUNK=500 EVAL_EVERY=1500 N=1000 by default)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bench/edm-vs-paper.sh OUT [TOTAL_STEPS]}"
TOTAL="${2:-12000}"
CHUNK="${CHUNK:-500}"
EVAL_EVERY="${EVAL_EVERY:-1500}"
N="${N:-1000}"
RECIPES="${RECIPES:-paper edm}"
mkdir -p "$OUT"
CPU="$(bash "$ROOT/bench/cpu-name.sh")"
[ -f "$OUT/chunks.tsv" ] || printf 'recipe\tfrom\tto\tseconds\tprecision\tcpu\tdate\n' > "$OUT/chunks.tsv"
[ -f "$OUT/fid.tsv" ] || printf 'recipe\tstep\ttrain_seconds\tjudge_fid\tsampler\tpasses\tn\tcpu\tdate\n' > "$OUT/fid.tsv"
COMMON=(--data fashion-mnist:train --preset fmnist28 --batch-size 64 --lr 5e-4 --warmup 500 --ema-decay 0.9995 --ema-warmup
  --no-flip --checkpoint-every "$CHUNK" --sample-every "$EVAL_EVERY" --samples 36 --seed 0)
extra() {
  case "$1" in
    edm) echo "--objective edm" ;;
    vpred) echo "--prediction v_prediction --min-snr-gamma 5" ;;
    fast) echo "--recipe fast" ;;
  esac
}
sampler() { [ "$1" = edm ] && echo "--scheduler heun --steps 18" || echo "--scheduler ddim --steps 50"; }
passes() { [ "$1" = edm ] && echo 35 || echo 50; }
step_of() { # the step of the run's last checkpoint (where --resume goes on from), 0 before it starts
  local latest="$OUT/$1/training_state/latest"
  [ -s "$latest" ] && sed 's/^step-0*\([0-9]\)/\1/' "$latest" || echo 0
}
trained_seconds() { awk -F'\t' -v r="$1" '$1 == r { s += $4 } END { printf "%.0f", s }' "$OUT/chunks.tsv"; }
while :; do
  done_all=1
  for recipe in $RECIPES; do
    from=$(step_of $recipe)
    [ "$from" -ge "$TOTAL" ] && continue
    done_all=0
    to=$(( (from / CHUNK + 1) * CHUNK ))
    resume=(); [ -d "$OUT/$recipe/training_state" ] && resume=(--resume)
    start=$(date +%s.%N)
    if [ ${#resume[@]} -eq 0 ]; then
      "$ROOT/ddpm4j" train "${COMMON[@]}" $(extra $recipe) --steps "$to" --out "$OUT/$recipe" 2> "$OUT/$recipe.log"
    else
      "$ROOT/ddpm4j" train --resume --data fashion-mnist:train --steps "$to" --out "$OUT/$recipe" 2>> "$OUT/$recipe.log"
    fi
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    precision=$(grep -m1 -o 'precision [a-z0-9]*' "$OUT/$recipe.log" | head -1 | cut -d' ' -f2)
    printf '%s\t%s\t%s\t%.1f\t%s\t%s\t%s\n' $recipe "$from" "$to" "$seconds" "$precision" "$CPU" "$(date -u +%FT%TZ)" >> "$OUT/chunks.tsv"
    if [ $((to % EVAL_EVERY)) -eq 0 ]; then
      fid=$("$ROOT/ddpm4j" eval fid --model "$OUT/$recipe" --n "$N" --seed 0 --precision fp32 --batch-size 50 $(sampler $recipe) 2>> "$OUT/$recipe.log" \
        | grep -o '[0-9.]*' | head -1)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $recipe "$to" "$(trained_seconds $recipe)" "$fid" "$(sampler $recipe | tr ' ' '_')" \
        "$(passes $recipe)" "$N" "$CPU" "$(date -u +%FT%TZ)" >> "$OUT/fid.tsv"
    fi
  done
  [ $done_all -eq 1 ] && break
done
cat "$OUT/fid.tsv"

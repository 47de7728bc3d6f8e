#!/usr/bin/env bash
# Time to quality of training recipes: each RECIPE@SEED trains PRESET (default quick28, the quickstart's network) on DATA
# with batch 64 and no flips for STEPS steps, scored as it trains (train --eval-every EVAL: the judge FID of EVAL_IMAGES
# seeded images, 50 network passes: DDIM-50 clipped for a process of β's, EDM's Heun for EDM), against DATA's images.
# Each run's scores and minutes in training steps are in OUT/RECIPE-sSEED/metrics.jsonl; at the end 'figure training'
# draws OUT/fid.png (against minutes) and OUT/fid-steps.png, with the points in OUT/fid.csv.
#
#   bench/recipes.sh OUT DATA STEPS EVAL RECIPE[@SEED]...
#   e.g. bench/recipes.sh /work/runs/recipes quickstart 1440 240 paper minsnr vpred edm paper@1 edm@1
#
# DATA: quickstart (the first 8,000 Fashion-MNIST training images, the quickstart's own, written once to OUT as .npy
# with python3-numpy) or any data spec (fashion-mnist:train). The recipes (learning rate, warm-up and EMA are the
# quickstart's unless a recipe changes them):
#   paper   the 2020 paper's process and loss (ε, L_simple)      minsnr  paper + --min-snr-gamma 5
#   vpred   minsnr + --prediction v_prediction                   edm     --objective edm (EDM's preconditioning and noise levels)
#   edm-lr2 edm with --lr 2e-3                                   edm-ema edm with --ema-decay 0.9995
#   vpred-lr2 vpred with --lr 2e-3                               recipe:NAME  train --recipe NAME
#   vpred-decay vpred, the learning rate falling linearly to zero over the last half (--lr-decay)
#   vpred-b99 vpred with --adam-betas 0.9,0.99                   vpred-cos vpred on the cosine schedule (squaredcos_cap_v2)
#   vpred-cos-lr2 / vpred-cos-lr05 / vpred-cos-b99: vpred-cos with --lr 2e-3 / --lr 5e-4 / --adam-betas 0.9,0.99
# PRESET (default quick28) names the network; runs of another are named PRESET-RECIPE-sSEED.
# RECIPE/bN trains at batch N instead of 64 for the same number of images (STEPS, EVAL and the warm-up scaled by 64/N).
# Resumable: a run with a checkpoint resumes, a finished one is skipped. JVM options (e.g. one core per run beside
# another job: -XX:ActiveProcessorCount=1) through DDPM4J_JAVA_OPTS.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 5 ] || { sed -n '2,20p' "$0" >&2; exit 2; }
OUT="$1" DATA="$2" STEPS="$3" EVAL="$4"
shift 4
PRESET="${PRESET:-quick28}"
EVAL_IMAGES="${EVAL_IMAGES:-1000}"
mkdir -p "$OUT"
if [ "$DATA" = quickstart ]; then
  DATA="$OUT/quickstart-8000.npy"
  [ -f "$DATA" ] || /usr/bin/python3 - "$DATA" <<'PY'
import gzip, sys, numpy as np
raw = gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz').read()
np.save(sys.argv[1], np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28, 1)[:8000])
PY
fi
QUICK=(--lr 1e-3 --warmup 100 --ema-decay 0.999 --ema-warmup)
flags() {
  case "$1" in
    vpred-decay) echo "${QUICK[*]} --min-snr-gamma 5 --prediction v_prediction --lr-decay $(( $2 / 2 ))" ;;
    vpred-cos) echo "${QUICK[*]} --min-snr-gamma 5 --prediction v_prediction --schedule squaredcos_cap_v2" ;;
    vpred-cos-lr2) echo "--lr 2e-3 --warmup 100 --ema-decay 0.999 --ema-warmup --min-snr-gamma 5 --prediction v_prediction --schedule squaredcos_cap_v2" ;;
    vpred-cos-lr05) echo "--lr 5e-4 --warmup 100 --ema-decay 0.999 --ema-warmup --min-snr-gamma 5 --prediction v_prediction --schedule squaredcos_cap_v2" ;;
    vpred-cos-b99) echo "${QUICK[*]} --min-snr-gamma 5 --prediction v_prediction --schedule squaredcos_cap_v2 --adam-betas 0.9,0.99" ;;
    vpred-b99) echo "${QUICK[*]} --min-snr-gamma 5 --prediction v_prediction --adam-betas 0.9,0.99" ;;
    paper) echo "${QUICK[*]}" ;;
    minsnr) echo "${QUICK[*]} --min-snr-gamma 5" ;;
    vpred) echo "${QUICK[*]} --min-snr-gamma 5 --prediction v_prediction" ;;
    vpred-lr2) echo "--lr 2e-3 --warmup 100 --ema-decay 0.999 --ema-warmup --min-snr-gamma 5 --prediction v_prediction" ;;
    edm) echo "${QUICK[*]} --objective edm" ;;
    edm-lr2) echo "--lr 2e-3 --warmup 100 --ema-decay 0.999 --ema-warmup --objective edm" ;;
    edm-ema) echo "--lr 1e-3 --warmup 100 --ema-decay 0.9995 --ema-warmup --objective edm" ;;
    recipe:*) echo "--recipe ${1#recipe:}" ;;
    *) echo "unknown recipe '$1'" >&2; exit 2 ;;
  esac
}
step_of() { [ -s "$1/metrics.jsonl" ] && grep '"loss"' "$1/metrics.jsonl" | tail -1 | sed 's/^{"step":\([0-9]*\).*/\1/' || echo 0; }
RUNS=()
for spec in "$@"; do
  recipe="${spec%@*}"; seed=0; [ "$spec" != "$recipe" ] && seed="${spec#*@}"
  batch=64; [[ "$recipe" == */b* ]] && { batch="${recipe##*/b}"; recipe="${recipe%/b*}"; }
  steps=$(( STEPS * 64 / batch )) eval=$(( EVAL * 64 / batch ))
  name="$([ "$PRESET" = quick28 ] || echo "$PRESET-")${recipe//:/-}$([ "$batch" = 64 ] || echo "-b$batch")-s$seed"; dir="$OUT/$name"
  RUNS+=(--run "$name=$dir")
  [ "$(step_of "$dir")" -ge "$steps" ] && continue
  if [ -d "$dir/training_state" ]; then
    "$ROOT/ddpm4j" train --resume --data "$DATA" --steps "$steps" --out "$dir" 2>> "$OUT/$name.log"
  else
    f=$(flags "$recipe" "$steps")
    [ "$batch" = 64 ] || f="$(sed "s/--warmup \([0-9]*\)/--warmup \$(( \1 * 64 \/ $batch ))/" <<< "$f")"
    "$ROOT/ddpm4j" train --data "$DATA" --preset "$PRESET" --batch-size "$batch" --no-flip --seed "$seed" --steps "$steps" \
      --eval-every "$eval" --eval-images "$EVAL_IMAGES" --sample-every 0 --checkpoint-every "$eval" $(eval echo "$f") \
      --out "$dir" 2> "$OUT/$name.log"
  fi
done
"$ROOT/ddpm4j" figure training "${RUNS[@]}" --out "$OUT/fid.png" --csv "$OUT/fid.csv"
"$ROOT/ddpm4j" figure training "${RUNS[@]}" --x steps --out "$OUT/fid-steps.png" > /dev/null

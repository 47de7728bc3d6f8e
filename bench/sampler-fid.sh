#!/usr/bin/env bash
# Judge FID and wall time of each scheduler at several network-pass counts on the built-in Fashion-MNIST
# model: the measurement behind docs/samplers.md. One line per run is appended to OUT/results.tsv
# (scheduler, steps, passes, seed, fid, seconds), so an interrupted run resumes where it stopped. PNDM runs with
# skip_prk_steps (PLMS from the start, S+1 passes), Heun with S = (passes+1)/2 steps (2S-1 passes).
#
#   bench/sampler-fid.sh OUT_DIR [SCHEDULERS] [PASSES] [SEEDS]
#   e.g. bench/sampler-fid.sh /tmp/fid "ddim dpmsolver euler heun" "5 10 15 20 50" "1 2"
#   a scheduler may carry keys: "heun:use_karras_sigmas=true,s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003" (EDM's sampler)
#
# JAR (default target/ddpm4j.jar) lets a copy of the jar run while the sources change. PRECISION (default fp32)
# is passed to eval fid and recorded in the seventh column; a point already measured in another precision is not rerun.
# The reference statistics (the 60,000 training images' judge features) are computed once.
# PARTS (default 1) makes each point's 1,000 images in that many parts (sample --first-image), each kept in
# OUT/parts/ as it finishes, so a long point (ancestral-1000) resumes part by part across interruptions; the
# parts together are the images of one run, scored by eval fid --samples (concatenated with python3-numpy).
# MODEL (default fashion-mnist, the built-in model) is any model directory; THREADS (default 2) its libtorch threads.
# With plot: gnuplot (Debian gnuplot-nox) draws OUT/fid.png from the table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: sampler-fid.sh OUT_DIR [SCHEDULERS] [PASSES] [SEEDS]}"
SCHEDULERS="${2:-ddim dpmsolver euler heun lms euler-ancestral}"
PASSES="${3:-5 10 15 20 50}"
SEEDS="${4:-1 2}"
JAR="${JAR:-$ROOT/target/ddpm4j.jar}"
PRECISION="${PRECISION:-fp32}"
PARTS="${PARTS:-1}"
MODEL="${MODEL:-fashion-mnist}"
THREADS="${THREADS:-2}"
CP="$JAR:$(cat "$(dirname "$JAR")/runtime-classpath.txt")"
mkdir -p "$OUT"
run() { java -cp "$CP" ddpm4j.cli.Main "$@"; }

[[ -f "$OUT/ref.npz" ]] || run eval stats --data fashion-mnist:train --out "$OUT/ref.npz" --threads "$THREADS" >&2
[[ -f "$OUT/results.tsv" ]] || printf 'scheduler\tsteps\tpasses\tseed\tfid\tseconds\tprecision\n' > "$OUT/results.tsv"

for token in $SCHEDULERS; do
  s=${token%%:*}                     # a scheduler, or a scheduler with keys: heun:use_karras_sigmas=true,s_churn=40
  sets=(); [[ $token == *:* ]] && IFS=',' read -ra sets <<< "${token#*:}"
  for p in $PASSES; do
    steps=$p; extra=()
    for kv in "${sets[@]}"; do extra+=(--set "$kv"); done
    [[ $s == heun ]] && steps=$(( (p + 1) / 2 ))       # Heun: 2S-1 passes
    [[ $s == pndm ]] && { steps=$(( p - 1 )); extra+=(--set skip_prk_steps=true); }   # PLMS: S+1 passes
    passes=$steps
    [[ $s == heun ]] && passes=$(( 2 * steps - 1 ))
    [[ $s == pndm ]] && passes=$(( steps + 1 ))
    for seed in $SEEDS; do
      if awk -F'\t' -v s="$token" -v st="$steps" -v k="$seed" '$1==s && $2==st && $4==k {found=1} END {exit !found}' "$OUT/results.tsv"; then
        continue
      fi
      start=$(date +%s.%N)
      if (( PARTS == 1 )); then
        run eval fid --model "$MODEL" --scheduler "$s" --steps "$steps" "${extra[@]}" --n 1000 --seed "$seed" --batch-size 100 \
          --threads "$THREADS" --precision "$PRECISION" --ref "$OUT/ref.npz" --json "$OUT/run.json" >&2
      else
        per=$(( 1000 / PARTS )); files=()
        mkdir -p "$OUT/parts"
        for (( i = 0; i < PARTS; i++ )); do
          part="$OUT/parts/${token//[:,=]/_}-$steps-$seed-$PRECISION-$i-of-$PARTS.npy"
          files+=("$part")
          [[ -f "$part" ]] && continue
          t0=$(date +%s.%N)
          run sample --model "$MODEL" --scheduler "$s" --steps "$steps" "${extra[@]}" --n "$per" --first-image $(( i * per )) \
            --seed "$seed" --batch-size 100 --threads "$THREADS" --precision "$PRECISION" --out "$part.tmp.npy" >&2
          echo "$(date +%s.%N) - $t0" | bc > "$part.seconds"
          mv "$part.tmp.npy" "$part"
        done
        seconds=$(cat "${files[@]/%/.seconds}" | paste -sd+ | bc)  # the parts' own times, not the resumptions
        /usr/bin/python3 -c 'import sys, numpy as np; np.save(sys.argv[1], np.concatenate([np.load(f) for f in sys.argv[2:]]))' \
          "$OUT/parts/all.npy" "${files[@]}"
        run eval fid --samples "$OUT/parts/all.npy" --ref "$OUT/ref.npz" --json "$OUT/run.json" >&2
      fi
      end=$(date +%s.%N)
      (( PARTS == 1 )) && seconds=$(echo "$end - $start" | bc)
      fid=$(sed -n 's/.*"fid" : \([0-9.eE+-]*\).*/\1/p' "$OUT/run.json")
      printf '%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$token" "$steps" "$passes" "$seed" "$fid" "$seconds" "$PRECISION" >> "$OUT/results.tsv"
    done
  done
done

if command -v gnuplot > /dev/null; then
  plots=""
  for s in $(awk -F'\t' 'NR>1 {print $1}' "$OUT/results.tsv" | awk '!seen[$0]++'); do
    awk -F'\t' -v s="$s" 'NR>1 && $1==s {sum[$3]+=$5; n[$3]++} END {for (p in sum) print p, sum[p]/n[p]}' "$OUT/results.tsv" \
      | sort -n > "$OUT/$s.dat"
    plots="$plots${plots:+, }'$OUT/$s.dat' using 1:2 with linespoints title '$s'"
  done
  gnuplot -e "set terminal pngcairo size 900,560; set output '$OUT/fid.png'; set logscale x; set logscale y;
    set xlabel 'network passes'; set ylabel 'judge FID (mean of seeds), 1,000 images'; set grid; plot $plots" 2>/dev/null \
    || gnuplot -e "set terminal png size 900,560; set output '$OUT/fid.png'; set logscale x; set logscale y;
    set xlabel 'network passes'; set ylabel 'judge FID (mean of seeds), 1,000 images'; set grid; plot $plots"
fi
column -t "$OUT/results.tsv"

#!/usr/bin/env bash
# Judge FID and wall time of each scheduler at several network-pass counts on the built-in Fashion-MNIST
# model: the measurement behind docs/samplers.md. One line per run is appended to OUT/results.tsv
# (scheduler, steps, passes, seed, fid, seconds), so an interrupted run resumes where it stopped. PNDM runs with
# skip_prk_steps (PLMS from the start, S+1 passes), Heun with S = (passes+1)/2 steps (2S-1 passes).
#
#   bench/sampler-fid.sh OUT_DIR [SCHEDULERS] [PASSES] [SEEDS]
#   e.g. bench/sampler-fid.sh /tmp/fid "ddim dpmsolver euler heun" "5 10 15 20 50" "1 2"
#
# JAR (default target/ddpm4j.jar) lets a copy of the jar run while the sources change. PRECISION (default fp32)
# is passed to eval fid and recorded in the seventh column; a point already measured in another precision is not rerun.
# The reference statistics (the 60,000 training images' judge features) are computed once.
# With plot: gnuplot (Debian gnuplot-nox) draws OUT/fid.png from the table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: sampler-fid.sh OUT_DIR [SCHEDULERS] [PASSES] [SEEDS]}"
SCHEDULERS="${2:-ddim dpmsolver euler heun lms euler-ancestral}"
PASSES="${3:-5 10 15 20 50}"
SEEDS="${4:-1 2}"
JAR="${JAR:-$ROOT/target/ddpm4j.jar}"
PRECISION="${PRECISION:-fp32}"
CP="$JAR:$(cat "$(dirname "$JAR")/runtime-classpath.txt")"
mkdir -p "$OUT"
run() { java -cp "$CP" ddpm4j.cli.Main "$@"; }

[[ -f "$OUT/ref.npz" ]] || run eval stats --data fashion-mnist:train --out "$OUT/ref.npz" --threads 2 >&2
[[ -f "$OUT/results.tsv" ]] || printf 'scheduler\tsteps\tpasses\tseed\tfid\tseconds\tprecision\n' > "$OUT/results.tsv"

for s in $SCHEDULERS; do
  for p in $PASSES; do
    steps=$p; extra=()
    [[ $s == heun ]] && steps=$(( (p + 1) / 2 ))       # Heun: 2S-1 passes
    [[ $s == pndm ]] && { steps=$(( p - 1 )); extra=(--set skip_prk_steps=true); }   # PLMS: S+1 passes
    passes=$steps
    [[ $s == heun ]] && passes=$(( 2 * steps - 1 ))
    [[ $s == pndm ]] && passes=$(( steps + 1 ))
    for seed in $SEEDS; do
      if awk -F'\t' -v s="$s" -v st="$steps" -v k="$seed" '$1==s && $2==st && $4==k {found=1} END {exit !found}' "$OUT/results.tsv"; then
        continue
      fi
      start=$(date +%s.%N)
      run eval fid --model fashion-mnist --scheduler "$s" --steps "$steps" "${extra[@]}" --n 1000 --seed "$seed" --batch-size 100 \
        --threads 2 --precision "$PRECISION" --ref "$OUT/ref.npz" --json "$OUT/run.json" >&2
      end=$(date +%s.%N)
      fid=$(sed -n 's/.*"fid" : \([0-9.eE+-]*\).*/\1/p' "$OUT/run.json")
      printf '%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n' "$s" "$steps" "$passes" "$seed" "$fid" "$(echo "$end - $start" | bc)" "$PRECISION" >> "$OUT/results.tsv"
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

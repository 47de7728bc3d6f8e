#!/usr/bin/env bash
# Training step time with 1 process (all cores) and with `launch --nproc 2` (the cores split), and the time
# the ranks spend in collectives (metrics.jsonl's allreduce_s), for three network sizes: the measurement
# behind docs/distributed.md. Random uint8 images are enough for timing.
#
#   bench/distributed.sh OUT_DIR [STEPS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: distributed.sh OUT_DIR [STEPS]}"
STEPS="${2:-30}"
mkdir -p "$OUT"
cores=$(nproc)
/usr/bin/python3 - "$OUT" <<'PY'
import sys, numpy as np
r = np.random.default_rng(0)
np.save(sys.argv[1] + "/gray28.npy", r.integers(0, 256, (512, 28, 28, 1), dtype=np.uint8))
np.save(sys.argv[1] + "/rgb32.npy", r.integers(0, 256, (512, 32, 32, 3), dtype=np.uint8))
PY
printf 'preset\tparameters\tbatch\tranks\timg_per_s\tstep_s\tallreduce_s\n' > "$OUT/results.tsv"
for spec in "quick28 gray28 32" "small28 gray28 32" "cifar10 rgb32 8"; do
  read -r preset data batch <<< "$spec"
  for ranks in 1 2; do
    run="$OUT/$preset-$ranks"
    rm -rf "$run"
    args=(train --data "$OUT/$data.npy" --out "$run" --preset "$preset" --steps "$STEPS" --batch-size "$batch"
          --log-every 1 --checkpoint-every 100000 --sample-every 0 --samples 1 --sample-steps 1 --precision fp32)
    if [[ $ranks == 1 ]]; then
      "$ROOT/ddpm4j" "${args[@]}" --threads "$cores" 2> "$run.log" || { cat "$run.log"; exit 1; }
    else
      "$ROOT/ddpm4j" launch --nproc "$ranks" "${args[@]}" 2> "$run.log" || { cat "$run.log"; exit 1; }
    fi
    params=$(sed -n 's/.*: \([0-9,]*\) parameters.*/\1/p' "$run.log" | tr -d ,)
    # medians over the steps after the first five (warm-up of the kernels and the JIT)
    /usr/bin/python3 - "$run/metrics.jsonl" "$preset" "$params" "$batch" "$ranks" >> "$OUT/results.tsv" <<'PY'
import sys, json, statistics
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][5:]
ips = statistics.median(l["img_per_s"] for l in lines)
ar = statistics.median(l.get("allreduce_s", 0.0) for l in lines)
print("\t".join([sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], "%.2f" % ips, "%.4f" % (int(sys.argv[4]) / ips), "%.4f" % ar]))
PY
  done
done
cat "$OUT/results.tsv"

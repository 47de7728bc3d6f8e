#!/bin/bash
# ddpm4j against PyTorch (Debian's python3-torch) on this machine, back to back: same preset,
# mode, batch and precision; prints both and the ratio of images per second (ddpm4j / PyTorch), and
# for PRECISION=bf16 also ddpm4j in bf16 against PyTorch in its default fp32. Each ddpm4j row also gives its
# step's GFLOP/s as a share of libtorch's own sgemm (bench --sgemm), PyTorch's sgemm is printed first.
# Both sides run untimed steps for WARMUP seconds (default 5) before timing.
#   [PRECISION=fp32|bf16] [WARMUP=SECONDS] bench/compare.sh [PRESET MODE BATCH ITERS]...
#   e.g. bench/compare.sh cifar10 train 8 5 small28 sample 64 10
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] && set -- cifar10 train 8 5 cifar10 sample 16 5 small28 train 64 10 small28 sample 64 10
PRECISION=${PRECISION:-fp32}
WARMUP=${WARMUP:-5}
OUT=$(mktemp -d)
/usr/bin/python3 bench/pytorch_bench.py --sgemm
while [ $# -ge 4 ]; do
  P=$1 M=$2 B=$3 N=$4; shift 4
  ./ddpm4j bench --preset "$P" --mode "$M" --batch-size "$B" --iters "$N" --warmup "$WARMUP" --precision "$PRECISION" --sgemm --json "$OUT/j.json"
  /usr/bin/python3 bench/pytorch_bench.py --preset "$P" --mode "$M" --batch-size "$B" --iters "$N" --warmup "$WARMUP" --precision "$PRECISION" --json "$OUT/p.json"
  [ "$PRECISION" != fp32 ] && /usr/bin/python3 bench/pytorch_bench.py --preset "$P" --mode "$M" --batch-size "$B" --iters "$N" --warmup "$WARMUP" --json "$OUT/p32.json"
  /usr/bin/python3 -c "
import json, os; j = json.load(open('$OUT/j.json')); p = json.load(open('$OUT/p.json'))
print(f\"ratio $P $M b$B $PRECISION: ddpm4j {j['imagesPerSecond']:.2f} / pytorch {p['imagesPerSecond']:.2f} img/s = {j['imagesPerSecond'] / p['imagesPerSecond']:.2f}x\")
if os.path.exists('$OUT/p32.json'):
    q = json.load(open('$OUT/p32.json'))
    print(f\"ratio $P $M b$B ddpm4j $PRECISION / pytorch fp32: {j['imagesPerSecond']:.2f} / {q['imagesPerSecond']:.2f} img/s = {j['imagesPerSecond'] / q['imagesPerSecond']:.2f}x\")"
  rm -f "$OUT/p32.json"
done
rm -rf "$OUT"

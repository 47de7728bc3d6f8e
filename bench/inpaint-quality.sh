#!/usr/bin/env bash
# Inpainting quality on the built-in Fashion-MNIST model: the first 500 test images with their left half masked
# (docs/mask-left-half.png), inpainted by RePaint and by the replacement method, then the judge FID of each set
# against the 10,000 test images, next to the FIDs of the 500 originals, of the masked inputs and of 500
# unconditional samples. The measurement behind docs/editing.md; a step already done (its file exists) is skipped.
#
#   bench/inpaint-quality.sh OUT_DIR
#
# JAR (default target/ddpm4j.jar) lets a copy of the jar run while the sources change. Needs python3-numpy.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: inpaint-quality.sh OUT_DIR}"
JAR="${JAR:-$ROOT/target/ddpm4j.jar}"
CP="$JAR:$(cat "$(dirname "$JAR")/runtime-classpath.txt")"
MASK="$ROOT/docs/mask-left-half.png"
mkdir -p "$OUT" && cd "$OUT"
run() { java -cp "$CP" ddpm4j.cli.Main "$@"; }
timed() { local name=$1; shift; local s; s=$(date +%s.%N); "$@"; echo "$name $(echo "$(date +%s.%N) - $s" | bc)" >> seconds.txt; }
inpaint() { run edit inpaint --model fashion-mnist --image fashion-mnist:test --limit 500 --mask "$MASK" --batch-size 100 \
  --threads 2 --precision fp32 "$@"; }

[[ -f repaint.npy ]] || timed repaint inpaint --steps 50 --jump-length 5 --jump-n-sample 5 --out repaint.npy --json repaint.json
[[ -f replace50.npy ]] || timed replace50 inpaint --method replace --steps 50 --out replace50.npy --json replace50.json
[[ -f replace230.npy ]] || timed replace230 inpaint --method replace --steps 230 --out replace230.npy --json replace230.json

[[ -f test.npz ]] || run eval stats --data fashion-mnist:test --out test.npz --threads 2
[[ -f originals.npy ]] || run edit img2img --model fashion-mnist --image fashion-mnist:test --limit 500 --strength 0 --out originals.npy
[[ -f masked.npy ]] || /usr/bin/python3 -c 'import numpy as np; m = np.load("originals.npy"); m[:, :, :14] = 128; np.save("masked.npy", m)'
for f in originals masked repaint replace50 replace230; do
  [[ -f fid-$f.json ]] || run eval fid --samples $f.npy --ref test.npz --json fid-$f.json
done
[[ -f fid-unconditional.json ]] || run eval fid --model fashion-mnist --n 500 --seed 1 --batch-size 100 --threads 2 --precision fp32 \
  --ref test.npz --json fid-unconditional.json
grep -H '"fid"' fid-*.json
grep -H 'mse' repaint.json replace50.json replace230.json
cat seconds.txt

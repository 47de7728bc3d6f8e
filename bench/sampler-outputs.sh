#!/usr/bin/env bash
# Seeded outputs of every scheduler (with their main variants), img2img and RePaint, as raw float32 .npy files in
# OUT: run once before a refactoring of sample/ and once after, then `cmp` each pair (issue 35's acceptance).
# Usage: bench/sampler-outputs.sh OUT     (about 10 minutes on 2 cores; fp32, the built-in Fashion-MNIST model;
# an interrupted run resumes, keeping the outputs it made)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?usage: bench/sampler-outputs.sh OUT}"
mkdir -p "$OUT"
run() { # NAME ARGS...: one command, its raw output in OUT/NAME.npy
  local name="$1"; shift
  [ -s "$OUT/$name.npy" ] && return 0 # made by an earlier, interrupted run
  "$ROOT/ddpm4j" "$@" --precision fp32 --raw --out "$OUT/$name.npy" 2> "$OUT/$name.log" || { cat "$OUT/$name.log"; exit 1; }
}
common=(--model fashion-mnist --n 3 --seed 11)
run ddpm sample "${common[@]}" --scheduler ddpm --steps 30
run ddim sample "${common[@]}" --scheduler ddim --steps 12
run ddim-eta sample "${common[@]}" --scheduler ddim --steps 12 --eta 1
run pndm sample "${common[@]}" --scheduler pndm --steps 12
run pndm-plms sample "${common[@]}" --scheduler pndm --steps 12 --set skip_prk_steps=true
final() { # diffusers defines final_sigmas_type zero for the data-prediction algorithms only
  case "$1" in dpmsolver|sde-dpmsolver) echo sigma_min ;; *) echo zero ;; esac
}
orders() { # the SDE variants have orders 1 and 2
  case "$1" in sde-*) echo 1 2 ;; *) echo 1 2 3 ;; esac
}
for algorithm in dpmsolver++ dpmsolver sde-dpmsolver++ sde-dpmsolver; do
  for order in $(orders $algorithm); do
    run "dpm-$algorithm-$order" sample "${common[@]}" --scheduler dpmsolver --steps 9 --set algorithm_type=$algorithm --set solver_order=$order \
      --set final_sigmas_type=$(final $algorithm)
  done
done
run dpm-heun sample "${common[@]}" --scheduler dpmsolver --steps 9 --set solver_type=heun
run dpm-karras sample "${common[@]}" --scheduler dpmsolver --steps 9 --set use_karras_sigmas=true
run dpm-lu sample "${common[@]}" --scheduler dpmsolver --steps 9 --set use_lu_lambdas=true
for algorithm in dpmsolver++ dpmsolver sde-dpmsolver++; do
  for order in $(orders $algorithm); do
    run "single-$algorithm-$order" sample "${common[@]}" --scheduler dpmsolver-singlestep --steps 9 --set algorithm_type=$algorithm \
      --set solver_order=$order --set final_sigmas_type=$(final $algorithm)
  done
done
for order in 1 2 3; do
  run "unipc-$order" sample "${common[@]}" --scheduler unipc --steps 9 --set solver_order=$order
  run "deis-$order" sample "${common[@]}" --scheduler deis --steps 9 --set solver_order=$order
done
run unipc-bh1 sample "${common[@]}" --scheduler unipc --steps 9 --set solver_type=bh1
run unipc-not-lower-final sample "${common[@]}" --scheduler unipc --steps 9 --set lower_order_final=false
run unipc-thresholding sample "${common[@]}" --scheduler unipc --steps 9 --set thresholding=true
for s in euler euler-ancestral heun lms; do
  run "$s" sample "${common[@]}" --scheduler $s --steps 9
done
run euler-karras sample "${common[@]}" --scheduler euler --steps 9 --set use_karras_sigmas=true
run lms-karras sample "${common[@]}" --scheduler lms --steps 9 --set use_karras_sigmas=true
run ddim-trailing sample "${common[@]}" --scheduler ddim --steps 12 --spacing trailing
for s in ddim unipc heun pndm euler-ancestral dpmsolver-singlestep; do
  run "img2img-$s" edit img2img --model fashion-mnist --image fashion-mnist:test --limit 3 --seed 4 --strength 0.55 --scheduler $s --steps 10
done
run repaint edit inpaint --model fashion-mnist --image fashion-mnist:test --limit 2 --seed 4 --mask "$ROOT/docs/mask-left-half.png" \
  --steps 20 --jump-length 4 --jump-n-sample 3
run repaint-eta edit inpaint --model fashion-mnist --image fashion-mnist:test --limit 2 --seed 4 --mask "$ROOT/docs/mask-left-half.png" \
  --steps 20 --jump-length 4 --jump-n-sample 3 --eta 1
run replace edit inpaint --model fashion-mnist --image fashion-mnist:test --limit 2 --seed 4 --mask "$ROOT/docs/mask-left-half.png" \
  --method replace --steps 20
ls "$OUT"/*.npy | wc -l | sed 's/$/ outputs in '"${OUT//\//\\/}"'/'

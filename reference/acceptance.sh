#!/usr/bin/env bash
# Checks ./ddpm4j against the independent PyTorch reference (reference/ddpm_reference.py):
# a random-weight network saved in the diffusers layout, run by `predict` and by 10-step DDIM.
# Needs Debian's python3-torch and python3-numpy:  apt-get install python3-torch python3-numpy
#   reference/acceptance.sh [tiny|cifar10] [WORKDIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PRESET="${1:-cifar10}"
WORK="${2:-$(mktemp -d)}"
PY=/usr/bin/python3

"$PY" "$ROOT/reference/ddpm_reference.py" fixture "$WORK" --preset "$PRESET" --n 2
"$ROOT/ddpm4j" predict --model "$WORK/model" --x "$WORK/x.npy" --t "$WORK/t.npy" --out "$WORK/java_out.npy"
"$ROOT/ddpm4j" predict --model "$WORK/model_bin" --x "$WORK/x.npy" --t "$WORK/t.npy" --out "$WORK/java_out_bin.npy"
"$ROOT/ddpm4j" sample --model "$WORK/model" --sampler ddim --steps 10 --eta 0 --no-clip --raw \
  --noise "$WORK/xT.npy" --out "$WORK/java_ddim10.npy"
"$PY" - "$WORK" <<'PYEOF'
import sys
import numpy as np
w = sys.argv[1]
ok = True
for ref, got, tol in [('out', 'java_out', 1e-4), ('out', 'java_out_bin', 1e-4), ('ddim10', 'java_ddim10', 1e-3)]:
    r, g = np.load(f'{w}/{ref}.npy'), np.load(f'{w}/{got}.npy')
    err = np.abs(r - g).max() / np.abs(r).max()
    ok &= bool(err < tol)
    print(f'{got:14s} max|diff|/max|ref| = {err:.3e}  (limit {tol:g})  {"ok" if err < tol else "FAIL"}')
sys.exit(0 if ok else 1)
PYEOF

#!/bin/bash
# FID Inception acceptance: random weights in pytorch-fid's layout (legacy and zip files) from an
# independent torchvision-based reference; ddpm4j's Inception statistics and logits must agree.
# Needs python3-torch, python3-torchvision, python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/ddpm4j-inception-acceptance}
/usr/bin/python3 reference/fid_inception_reference.py fixture "$DIR" --n 8
for f in legacy zip; do
  ./ddpm4j eval stats --features inception --inception "$DIR/$f.pth" --data "$DIR/images.npy" --out "$DIR/java-$f.npz" 2>/dev/null
done
/usr/bin/python3 - "$DIR" <<'PY'
import sys, numpy as np
d = sys.argv[1]
ref = np.load(d + '/stats.npz')
for f in ('legacy', 'zip'):
    got = np.load(d + '/java-%s.npz' % f)
    for k in ('mu', 'sigma'):
        err = np.abs(got[k] - ref[k]).max() / np.abs(ref[k]).max()
        print(f'{f}: {k} max |diff| / max |ref| = {err:.2e}')
PY
./ddpm4j eval is --features inception --inception "$DIR/legacy.pth" --samples "$DIR/images.npy" --splits 2 --json "$DIR/java-is.json" >/dev/null 2>&1
/usr/bin/python3 - "$DIR" <<'PY'
import sys, json, numpy as np
d = sys.argv[1]
logits = np.load(d + '/logits.npy').astype(np.float64)
p = np.exp(logits - logits.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
scores = []
for part in np.array_split(p, 2):
    py = part.mean(0)
    scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))
want = np.mean(scores)
got = json.load(open(d + '/java-is.json'))['is']
print(f'IS (2 splits): reference {want:.6f}  ddpm4j {got:.6f}  relative difference {abs(got - want) / want:.2e}')
PY

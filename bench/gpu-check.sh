#!/bin/bash
# On a machine with an NVIDIA GPU: builds the CUDA variant (mvn -Pcuda), then on the GPU runs
#   1. the reference-parity tests (network output and 10 DDIM steps against PyTorch's fixtures,
#      every parameter gradient against the float64 reference, finite differences) and the
#      meta-device tests,
#   2. two training steps through the CLI, checked to log finite losses,
#   3. bench: sampling and training of cifar10 in fp32, bf16 and fp16,
# and prints the results. Nothing here runs without a GPU; the CPU build and CI never call it.
#   bench/gpu-check.sh [DEVICE]     (default cuda, e.g. cuda:1)
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${1:-cuda}
export DDPM4J_MAVEN_ARGS=-Pcuda

if ! nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader; then
  echo "gpu-check: nvidia-smi found no GPU or no driver; nothing to check here" >&2
  exit 1
fi
# JavaCPP 1.5.13 ships the CUDA runtime but not these (see pom.xml's cuda profile)
missing=()
for lib in libcublas.so.13 libcublasLt.so.13 libcusparse.so.12 libcudnn.so.9 libnccl.so.2; do
  found=0
  for dir in ${LD_LIBRARY_PATH//:/ }; do [ -e "$dir/$lib" ] && found=1; done
  ldconfig -p | grep -q "$lib " && found=1
  [ $found = 1 ] || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "gpu-check: the dynamic linker finds no ${missing[*]}; install CUDA 13's libraries and cuDNN 9" \
       "(e.g. apt-get install cuda-libraries-13-1 libcudnn9-cuda-13 libnccl2) or add them to LD_LIBRARY_PATH" >&2
  exit 1
fi

echo "== build (mvn -Pcuda package)"
mvn -B -ntp -q -Pcuda -DskipTests package

echo "== reference parity and meta-device tests on $DEVICE"
mvn -B -ntp -Pcuda test -Dtest='ReferenceAgreementTest,GradientParityTest,MetaDeviceTest,PrecisionTest' \
    -Dsurefire.failIfNoSpecifiedTests=false -Dtest.jvm.args="-Dddpm4j.test.device=$DEVICE" \
  | grep -E 'Tests run:|FAIL|ERROR' || true

echo "== two training steps on $DEVICE (Fashion-MNIST: apt-get install dataset-fashion-mnist)"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
./ddpm4j train --device "$DEVICE" --data fashion-mnist --preset small28 --steps 2 --batch-size 32 --log-every 1 \
    --samples 4 --sample-steps 2 --out "$OUT/run"
/usr/bin/env python3 -c "
import json, math
rows = [json.loads(l) for l in open('$OUT/run/metrics.jsonl')]
ok = rows and all(math.isfinite(r['loss']) for r in rows)
print('training steps:', 'ok' if ok else 'FAILED', rows)"

echo "== bench on $DEVICE"
for precision in fp32 bf16 fp16; do
  for mode in sample train; do
    ./ddpm4j bench --device "$DEVICE" --precision "$precision" --preset cifar10 --mode "$mode" --batch-size 64 --iters 10 --warmup 5
  done
done

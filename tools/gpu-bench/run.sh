#!/usr/bin/env bash
# GPU benchmark of @byolmed3d/tfjs-webgpu on a Linux NVIDIA machine, in one
# command, where Node may be absent:
#
#   tools/gpu-bench/run.sh            # from the repository root (or anywhere)
#
# - Node: ./node/bin/node (an unpacked x86-64 Node archive, e.g.
#   node-v20.19.x-linux-x64.tar.xz extracted and renamed to ./node, next to
#   this script or at the repository root), else `node` on PATH.
# - node_modules: the repository's (npm ci done here or carried along); if it
#   is missing and npm is usable, `npm ci` runs first.
# - Vulkan / EGL loader libraries: a ./lib folder beside this script (or
#   GPU_BENCH_LIBS) is put first on LD_LIBRARY_PATH, for containers without
#   libvulkan1 / libegl1. The NVIDIA driver's Vulkan ICD must be visible
#   (NVIDIA_DRIVER_CAPABILITIES must include graphics); set VK_ICD_FILENAMES
#   if it is not in the default place.
# - PyTorch peer: python3 (or GPU_BENCH_PYTHON) with torch + torchvision
#   (written for torch 2.11 / CUDA 13); skipped with a note when absent.
#
# Rows: Conv3D fwd/dx/dw GFLOP/s (ours vs tfjs naive), fused training batch
# norm fwd+bwd GB/s (vs tfjs's unfused webgpu ops), conv fwd with f16 tiles vs
# fp32 GFLOP/s (only where the device has shader-f16), r3d_18 fwd+bwd and the
# BYOL step ms/step with the PyTorch CUDA fp32 / bf16 autocast peers.
# Writes bench/results/tfjs-webgpu.json and prints the rows. Environment of
# packages/tfjs-webgpu/bench/index.ts applies (BENCH_SHAPES, BENCH_REPEATS,
# BENCH_WARMUP, BENCH_PARTS: conv,bn,f16,fwdbwd,byol,torch).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

node=""
for c in "$here/node/bin/node" "$root/node/bin/node"; do
  [ -x "$c" ] && node="$c" && break
done
if [ -z "$node" ]; then
  node="$(command -v node || true)"
fi
if [ -z "$node" ]; then
  echo "gpu-bench: no Node: unpack an x86-64 Node >= 20.19 archive to $here/node (node/bin/node)" >&2
  exit 2
fi
export PATH="$(dirname "$node"):$PATH"
echo "gpu-bench: node $("$node" --version) at $node"

libs="${GPU_BENCH_LIBS:-$here/lib}"
if [ -d "$libs" ]; then
  export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "gpu-bench: loader libraries from $libs"
fi
for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then export VK_ICD_FILENAMES="$icd"; fi
done
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

if [ ! -d node_modules/@tensorflow/tfjs-backend-webgpu ] || [ ! -f node_modules/webgpu/dist/linux-x64/dawn.node ]; then
  if [ -f "$(dirname "$node")/npm" ] || command -v npm >/dev/null; then
    echo "gpu-bench: installing node_modules (npm ci)"
    npm ci --no-audit --no-fund
  else
    echo "gpu-bench: node_modules missing and no npm: carry the repository's node_modules along" >&2
    exit 2
  fi
fi

export BENCH_PYTHON="${GPU_BENCH_PYTHON:-${BENCH_PYTHON:-python3}}"
if "$BENCH_PYTHON" -c 'import torch; print("gpu-bench: torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>/dev/null; then :; else
  echo "gpu-bench: $BENCH_PYTHON has no torch: the PyTorch peer will be skipped"
fi

cd packages/tfjs-webgpu
exec "$node" "$root/node_modules/tsx/dist/cli.mjs" --conditions=@byolmed3d/source bench/index.ts

"""PyTorch CUDA peer of the tfjs-webgpu benchmark.

Times torchvision r3d_18 forward+backward (training-mode batch norm) or a BYOL
step (two views; online encoder+projector+predictor forward+backward, target
encoder+projector forward, SGD-momentum step, EMA target update) on the GPU,
in fp32 (TF32 off, so it computes what WebGPU's fp32 computes) or bf16
autocast, channels_last_3d. Prints one JSON line; {"skipped": reason} when
torch or CUDA is missing. Written for torch 2.x (tested API: torch.autocast,
torch.cuda.synchronize, torch.cuda.max_memory_allocated).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "bench"))
from torch_common import byol_step  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["fwdbwd", "byol"], default="fwdbwd")
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--shape", default="2,16,112,112")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--proj", type=int, default=256)
    a = ap.parse_args()
    try:
        import torch
        import torch.nn as nn
        from torchvision.models.video import r3d_18
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"skipped": f"torch/torchvision not importable: {e}"}))
        return
    if not torch.cuda.is_available():
        print(json.dumps({"skipped": f"torch {torch.__version__} sees no CUDA device"}))
        return
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    torch.manual_seed(0)
    n, t, h, w = (int(v) for v in a.shape.split(","))
    mf = torch.channels_last_3d

    enc = r3d_18()
    enc.fc = nn.Identity()
    enc = enc.to(dev).to(memory_format=mf).train()
    v1 = torch.randn(n, 3, t, h, w, device=dev).to(memory_format=mf)
    v2 = torch.randn(n, 3, t, h, w, device=dev).to(memory_format=mf)
    amp = torch.autocast("cuda", dtype=torch.bfloat16, enabled=a.dtype == "bf16")

    if a.mode == "fwdbwd":
        params = list(enc.parameters())

        def step():
            for p in params:
                p.grad = None
            with amp:
                out = enc(v1).float().sum()
            out.backward()

    else:
        step = byol_step(enc, a.hidden, a.proj, v1, v2, lambda: amp, device=dev)

    for _ in range(a.warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(a.repeats):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    s = sorted(times)
    print(json.dumps({
        "mode": a.mode, "dtype": a.dtype, "shape": [n, t, h, w], "times": times,
        "median": s[len(s) // 2], "best": s[0], "torch": torch.__version__,
        "cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0),
        "max_memory_gb": torch.cuda.max_memory_allocated() / 2**30,
    }))


if __name__ == "__main__":
    sys.exit(main())

"""PyTorch peer of the tfjs-onednn benchmark (run with Debian's /usr/bin/python3).

Times torchvision r3d_18 forward+backward (training-mode batch norm) or a BYOL
step (two views, online encoder+projector+predictor forward+backward, target
encoder+projector forward, SGD-momentum step, EMA target update) at the
given batch and clip size, in NCDHW or channels_last_3d, in fp32 or (--precision
bf16) under torch.autocast('cpu', dtype=torch.bfloat16) around the forward
passes and the loss (PyTorch's mixed-precision recipe: parameters, gradients
and optimizer state stay fp32). Prints one JSON line:
per-step seconds, peak RSS (this process only), CPU seconds per step.

With --serve it warms up, prints {"ready": true}, then reads commands from
stdin, one per line: "run K" times K steps and prints {"times": [...],
"cpus": [...]}; "quit" prints {"maxrss_mb": ..., "torch": ...} and exits.
The benchmark uses this to interleave PyTorch's steps with its own, so a
drifting machine speed hits both alike.
"""
import sys
import argparse
import json
import os
import resource
import time

import torch
import torch.nn as nn
from torchvision.models.video import r3d_18

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "bench"))
from torch_common import byol_step  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["fwdbwd", "byol"], default="fwdbwd")
    ap.add_argument("--format", choices=["ncdhw", "cl"], default="ncdhw")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shape", default="2,16,112,112")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--proj", type=int, default=256)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n, t, h, w = (int(v) for v in a.shape.split(","))
    mf = torch.channels_last_3d if a.format == "cl" else torch.contiguous_format

    def amp():
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16")

    enc = r3d_18()
    enc.fc = nn.Identity()
    enc.train()
    enc = enc.to(memory_format=mf)
    v1 = torch.randn(n, 3, t, h, w).to(memory_format=mf)
    v2 = torch.randn(n, 3, t, h, w).to(memory_format=mf)

    if a.mode == "fwdbwd":
        params = list(enc.parameters())

        def step():
            for p in params:
                p.grad = None
            with amp():
                out = enc(v1).float().sum()
            out.backward()

    else:
        step = byol_step(enc, a.hidden, a.proj, v1, v2, amp)

    for _ in range(a.warmup):
        step()

    def timed(k):
        times, cpus = [], []
        for _ in range(k):
            c0 = time.process_time()
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        return times, cpus

    if a.serve:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            cmd = line.split()
            if cmd and cmd[0] == "run":
                times, cpus = timed(int(cmd[1]))
                print(json.dumps({"times": times, "cpus": cpus}), flush=True)
            elif cmd and cmd[0] == "quit":
                break
        print(json.dumps({
            "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "torch": torch.__version__,
        }), flush=True)
        return
    times, cpus = timed(a.repeats)
    s = sorted(times)
    print(json.dumps({
        "mode": a.mode, "format": a.format, "precision": a.precision, "threads": a.threads, "shape": [n, t, h, w],
        "times": times, "median": s[len(s) // 2], "best": s[0], "cpu_seconds": sorted(cpus)[len(cpus) // 2],
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()

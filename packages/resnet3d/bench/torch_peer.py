#!/usr/bin/python3
"""PyTorch peer of packages/resnet3d/bench/index.ts (Debian's torch 1.13 + torchvision 0.14).

argv: T H W batch mode memory_format threads repeats
  mode: fwd (eval, no_grad) | fwdbwd (train-mode batch norm, backward of sum(logits * r))
  memory_format: ncdhw | channels_last_3d
Prints one JSON line {"ms": median milliseconds per step}.
"""
import json
import sys
import time

import torch
import torchvision

t, h, w, batch = (int(v) for v in sys.argv[1:5])
mode, fmt, threads, repeats = sys.argv[5], sys.argv[6], int(sys.argv[7]), int(sys.argv[8])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torchvision.models.video.r3d_18()
x = torch.randn(batch, 3, t, h, w)
if fmt == 'channels_last_3d':
    model = model.to(memory_format=torch.channels_last_3d)
    x = x.contiguous(memory_format=torch.channels_last_3d)
r = torch.randn(batch, 400)


def step():
    if mode == 'fwd':
        with torch.no_grad():
            model(x)
    else:
        model.zero_grad(set_to_none=True)
        (model(x) * r).sum().backward()


model.train(mode != 'fwd')
step()  # warm-up
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    step()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2]}))

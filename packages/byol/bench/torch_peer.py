#!/usr/bin/python3
"""PyTorch peer of packages/byol/bench/index.ts (Debian's torch 1.13, one thread).

argv: case seconds
  ema: one EMA update of r3d_18's 60 parameter tensors (33.2M floats), ms
  byol|simsiam|simclr: one training step (dense stand-in encoder 8192->512,
       heads 512->2048->128, micro-batch 8, SGD), ms
Prints one JSON line {"ms": ...}.
"""
import copy
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
case, seconds = sys.argv[1], float(sys.argv[2])


def timed(fn):
    fn()
    times = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end or len(times) < 3:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True), nn.Linear(h, o))


if case == "ema":
    import torchvision

    online = torchvision.models.video.r3d_18()
    online.fc = nn.Identity()
    target = copy.deepcopy(online)
    tau = 0.99

    @torch.no_grad()
    def ema():
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(tau).add_(o, alpha=1 - tau)

    print(json.dumps({"ms": timed(ema)}))
    sys.exit(0)

encoder = nn.Sequential(nn.Flatten(), nn.Linear(8192, 512), nn.ReLU())
projector = mlp(512, 2048, 128)
predictor = mlp(128, 2048, 128) if case in ("byol", "simsiam") else None
params = list(encoder.parameters()) + list(projector.parameters()) + (list(predictor.parameters()) if predictor else [])
opt = torch.optim.SGD(params, lr=0.05)
t_enc, t_proj = copy.deepcopy(encoder), copy.deepcopy(projector)
for p in list(t_enc.parameters()) + list(t_proj.parameters()):
    p.requires_grad_(False)
a = torch.randn(8, 1, 8, 32, 32)
b = torch.randn(8, 1, 8, 32, 32)


def byol_rows(p, z):
    return 2 - 2 * (F.normalize(p, dim=1) * F.normalize(z, dim=1)).sum(1)


def step():
    opt.zero_grad()
    za, zb = projector(encoder(a)), projector(encoder(b))
    if case == "byol":
        with torch.no_grad():
            ta, tb = t_proj(t_enc(a)), t_proj(t_enc(b))
        loss = (byol_rows(predictor(za), tb) + byol_rows(predictor(zb), ta)).mean()
    elif case == "simsiam":
        loss = -(F.cosine_similarity(predictor(za), zb.detach()).mean() + F.cosine_similarity(predictor(zb), za.detach()).mean()) / 2
    else:
        z = F.normalize(torch.cat([za, zb]), dim=1)
        sim = z @ z.T / 0.1
        sim.fill_diagonal_(float("-inf"))
        labels = torch.cat([torch.arange(8, 16), torch.arange(0, 8)])
        loss = F.cross_entropy(sim, labels)
    loss.backward()
    opt.step()
    if case == "byol":
        with torch.no_grad():
            online = list(encoder.parameters()) + list(projector.parameters())
            for t, o in zip(list(t_enc.parameters()) + list(t_proj.parameters()), online):
                t.mul_(0.99).add_(o, alpha=0.01)
    return loss.item()


print(json.dumps({"ms": timed(step)}))

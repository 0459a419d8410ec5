"""Per-operator CPU time of one torchvision r3d_18 forward+backward (training
BN) under torch.autograd.profiler, for comparing with this package's per-layer
probe. /usr/bin/python3 bench/torch_profile.py [--format ncdhw|cl] [--precision fp32|bf16]"""
import argparse
import torch
from torchvision.models.video import r3d_18

ap = argparse.ArgumentParser()
ap.add_argument("--format", choices=["ncdhw", "cl"], default="ncdhw")
ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--shape", default="2,16,112,112")
a = ap.parse_args()
torch.set_num_threads(a.threads)
n, t, h, w = (int(v) for v in a.shape.split(","))
mf = torch.channels_last_3d if a.format == "cl" else torch.contiguous_format
m = r3d_18().train().to(memory_format=mf)
x = torch.randn(n, 3, t, h, w).to(memory_format=mf)


def step():
    for p in m.parameters():
        p.grad = None
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16"):
        out = m(x).float().sum()
    out.backward()


step()
step()
with torch.autograd.profiler.profile() as prof:
    step()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=14))

"""torchvision peer of the augment3d bench: the same two-view pipelines.

Usage: /usr/bin/python3 torchvision_peer.py FRAMES HEIGHT WIDTH CHANNELS SECONDS [repeat]
Prints one JSON line {"clips_per_s": ..., "threads": 1}. Clips are float32
[T, C, H, W] in [0, 1]; one draw per clip applies to all frames (torchvision
transforms on a batched tensor), as in the seed code.
"""
import json
import sys
import time

import torch
import torchvision.transforms as T

torch.set_num_threads(1)
frames, height, width, channels, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
# 'repeat': the input is grey and repeated to 3 channels first (the seed code's order).
repeat = len(sys.argv) > 6 and sys.argv[6] == 'repeat'


class ZScore(torch.nn.Module):
    def forward(self, x):
        m = x.mean(dim=(0, 2, 3), keepdim=True)
        s = x.std(dim=(0, 2, 3), keepdim=True, unbiased=False)
        return (x - m) / s


def view(blur_p):
    return T.Compose([
        T.RandomResizedCrop(224, scale=(0.5, 1.0), antialias=False),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.2, 0.1)], p=0.8),
        T.RandomApply([T.GaussianBlur(23, (0.8, 2.0))], p=blur_p),
        ZScore(),
    ])


v1, v2 = view(0.6), view(0.4)
torch.manual_seed(0)
x = torch.rand(frames, channels, height, width)


def sample(x):
    if repeat:
        x = x.repeat(1, 3, 1, 1)
    return v1(x), v2(x)


sample(x)  # warm-up
n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < seconds:
    a, b = sample(x)
    n += 1
dt = time.perf_counter() - t0
print(json.dumps({'clips_per_s': n / dt, 'clips': n, 'threads': torch.get_num_threads(), 'torch': torch.__version__}))

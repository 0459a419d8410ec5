"""Pieces shared by the PyTorch peers of the benchmarks
(packages/tfjs-onednn/bench/torch_peer.py on the CPU,
packages/tfjs-webgpu/bench/torch_cuda_peer.py on CUDA): the BYOL MLP head
and the BYOL learner around an encoder. torch is imported inside the
functions, so a peer can import this module and still report a missing torch
itself. The peers find it through sys.path (tools/bench from the repository
root)."""
import copy


def mlp(i, hidden, o):
    """BYOL projector / predictor: Linear, BatchNorm1d, ReLU, Linear."""
    import torch.nn as nn

    return nn.Sequential(nn.Linear(i, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, o))


def byol_learner(enc, hidden, proj_dim, device=None, lr=0.05, momentum=0.9):
    """Projector and predictor on top of `enc` (512 features), frozen target
    copies of the encoder and projector, and an SGD-momentum optimizer over
    the online parameters. Returns (proj, pred, tenc, tproj, target params,
    online params the EMA follows (encoder + projector), optimizer)."""
    import torch

    proj = mlp(512, hidden, proj_dim)
    pred = mlp(proj_dim, hidden, proj_dim)
    if device is not None:
        proj, pred = proj.to(device), pred.to(device)
    tenc, tproj = copy.deepcopy(enc), copy.deepcopy(proj)
    for p in list(tenc.parameters()) + list(tproj.parameters()):
        p.requires_grad_(False)
    online = list(enc.parameters()) + list(proj.parameters()) + list(pred.parameters())
    target = list(tenc.parameters()) + list(tproj.parameters())
    online_ema = list(enc.parameters()) + list(proj.parameters())
    opt = torch.optim.SGD(online, lr=lr, momentum=momentum)
    return proj, pred, tenc, tproj, target, online_ema, opt

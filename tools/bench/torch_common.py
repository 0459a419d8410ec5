"""Pieces shared by the PyTorch peers of the benchmarks
(packages/tfjs-onednn/bench/torch_peer.py on the CPU,
packages/tfjs-webgpu/bench/torch_cuda_peer.py on CUDA): the BYOL MLP head
the BYOL learner around an encoder, and one BYOL step. torch is imported inside the
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


def byol_step(enc, hidden, proj_dim, v1, v2, amp, device=None, tau=0.99):
    """One BYOL training step as a closure: both views through the online
    network under `amp()` (a context-manager factory: autocast or a null
    context), the target under no_grad, the symmetric cosine loss in fp32,
    SGD-momentum, then the EMA update of the target with `tau`."""
    import torch
    import torch.nn.functional as F

    proj, pred, tenc, tproj, target, online_ema, opt = byol_learner(enc, hidden, proj_dim, device=device)

    def loss_fn(p, z):
        return (2 - 2 * F.cosine_similarity(p.float(), z.float(), dim=-1)).mean()

    def step():
        with amp():
            with torch.no_grad():
                z1 = tproj(tenc(v1))
                z2 = tproj(tenc(v2))
            p1 = pred(proj(enc(v1)))
            p2 = pred(proj(enc(v2)))
            loss = loss_fn(p1, z2) + loss_fn(p2, z1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for tp, op in zip(target, online_ema):
                tp.mul_(tau).add_(op, alpha=1 - tau)

    return step

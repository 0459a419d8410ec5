"""Peer timings for packages/metrics/bench: scikit-learn on the same data.

usage: sklearn_peer.py LABELS.u8 SCORES.f64 REPEATS
Prints one JSON line: roc_auc_score median seconds and value, and the time of a
stratified bootstrap of the AUC (2000 resamples) on the first 1000 cases.
"""
import json
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

y = np.fromfile(sys.argv[1], dtype=np.uint8)
s = np.fromfile(sys.argv[2], dtype=np.float64)
repeats = int(sys.argv[3])
roc_auc_score(y[:1000], s[:1000])
ts = []
auc = None
for _ in range(repeats):
    t0 = time.perf_counter()
    auc = roc_auc_score(y, s)
    ts.append(time.perf_counter() - t0)
ts.sort()

yb, sb = y[:1000], s[:1000]
pos = np.where(yb == 1)[0]
neg = np.where(yb == 0)[0]
rng = np.random.default_rng(0)
t0 = time.perf_counter()
for _ in range(2000):
    idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
    roc_auc_score(yb[idx], sb[idx])
tb = time.perf_counter() - t0
print(json.dumps({'seconds': ts[len(ts) // 2], 'auc': float(auc), 'bootstrapSeconds': tb}))

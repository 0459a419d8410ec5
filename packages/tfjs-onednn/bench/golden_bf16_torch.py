"""How far PyTorch 1.13 bf16 autocast lands from the fp32 torchvision goldens
(testdata/golden), by the same maxRelErr the tests use: the yardstick for the
bf16 tolerance in test/golden.test.ts. Run from the repository root with
/usr/bin/python3 packages/tfjs-onednn/bench/golden_bf16_torch.py."""
import sys, json, math, torch
sys.path.insert(0, 'tools/fixtures')
from resnet3d import fill, uniform_vec
import torchvision.models.video as tvr
import numpy as np
def mre(got, want):
    got=np.array(got).ravel(); want=np.array(want).ravel(); s=np.abs(want).max()
    return float((np.abs(got-want)/np.maximum(np.abs(want),0.05*s)).max())
torch.set_num_threads(1)
for f in ['r2plus1d_18_1x3x8x32x32_eval.json','r3d_18_2x3x8x32x32_eval.json','r3d_18_2x3x8x32x32_train.json']:
    g=json.load(open('testdata/golden/'+f))
    m = tvr.r2plus1d_18() if g['arch']=='r2plus1d_18' else tvr.r3d_18()
    fill(m); m.train(g['mode']=='train')
    shape=tuple(g['input_shape_ncdhw']); x=uniform_vec('input', int(math.prod(shape))).float().reshape(shape)
    for cl in [False, True]:
        mm = m.to(memory_format=torch.channels_last_3d) if cl else m
        xx = x.to(memory_format=torch.channels_last_3d) if cl else x
        feats={}
        h=mm.fc.register_forward_hook(lambda mod,inp,o: feats.__setitem__('f',inp[0].float()))
        sd={k:v.clone() for k,v in mm.state_dict().items()}
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
            lo=mm(xx).float()
        mm.load_state_dict(sd)
        h.remove()
        print(f, 'cl' if cl else 'ncdhw', 'features', mre(feats['f'].tolist(), g['features']), 'logits', mre(lo.tolist(), g['logits']))

"""A small CTR-GCN learns the synthetic 3D actions far above chance within
a short schedule (configs/eppnet/synthetic_ntu3d_joint.py), and test.py
dumps its raw scores."""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from mmactx.evaluation import load_predictions
from mmactx.testing import run_script as run

CONFIG = 'configs/eppnet/synthetic_ntu3d_joint.py'
pytestmark = pytest.mark.slow


def test_synthetic_gcn_learns(tmp_path):
    ann = str(tmp_path / 'ntu3d.pkl')
    run([sys.executable, 'tools/data/generate_synthetic.py', ann,
         '--layout', 'ntu3d'])
    opts = ['--cfg-options'] + [
        f'{k}={v}' for k, v in {
            'train_dataloader.dataset.ann_file': ann,
            'val_dataloader.dataset.ann_file': ann,
            'test_dataloader.dataset.ann_file': ann,
            'train_dataloader.num_workers': 1,
            'train_dataloader.persistent_workers': False,
            'val_dataloader.num_workers': 0,
            'val_dataloader.persistent_workers': False,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False,
        }.items()
    ]
    work = str(tmp_path / 'work')
    run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', work,
         '--seed', '0'] + opts)
    with open(osp.join(work, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    dump = str(tmp_path / 'scores.pkl')
    run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir', work,
         '--dump', dump] + opts)
    scores, labels = load_predictions(dump)
    assert scores.shape == (120, 12)
    assert not np.allclose(scores.sum(1), 1)  # raw scores, as EPP-Net fuses
    top1 = float((scores.argmax(1) == labels).mean())
    assert top1 >= 0.5, f'top-1 {top1:.3f}; chance is 1/12'
    out = run([sys.executable, 'tools/ensemble.py', dump, '--json'])
    assert json.loads(out.stdout)['fused']['top1'] == pytest.approx(top1)

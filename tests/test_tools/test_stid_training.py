"""STID end to end on the built-in synthetic 3D data: the fusion network
trains on a CPU (configs/stid/synthetic_ntu3d_fuse5.py, shortened), is
tested with ``--dump``, reaches far above chance, and its fused head is at
least as good as the best single-descriptor head; the dump keeps every
head as a stream for ``tools/ensemble.py``."""
import os.path as osp
import sys

import pytest

from mmactx.evaluation import accuracy_report, dump_streams, load_predictions
from mmactx.testing import run_script

CONFIG = 'configs/stid/synthetic_ntu3d_fuse5.py'
EPOCHS = 5
DESCRIPTORS = ('gd', 'fdd', 'jdd', 'add', 'lad')


@pytest.mark.slow
def test_fusion_network_trains_and_its_fused_head_leads(tmp_path):
    ann, work = str(tmp_path / 'ntu3d.pkl'), str(tmp_path / 'work')
    run_script([sys.executable, 'tools/data/generate_synthetic.py', ann,
                '--layout', 'ntu3d', '--val-per-class', '20'])
    options = ['--ann-file', ann, '--cfg-options',
               f'train_cfg.max_epochs={EPOCHS}',
               f'train_cfg.val_interval={EPOCHS}']
    run_script([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                work, '--seed', '0'] + options)
    dump = str(tmp_path / 'stid.pkl')
    run_script([sys.executable, 'tools/test.py', CONFIG,
                osp.join(work, f'epoch_{EPOCHS}.pth'), '--work-dir', work,
                '--dump', dump] + options)

    assert dump_streams(dump) == list(DESCRIPTORS) + ['gd+fdd',
                                                      'jdd+add+lad']
    top1 = {stream: accuracy_report(*load_predictions(dump, stream))['top1']
            for stream in (None, ) + DESCRIPTORS}
    print({k or 'fused': round(v, 3) for k, v in top1.items()})
    assert top1[None] > 0.6  # 12 classes: chance is 0.083
    assert top1[None] >= max(top1[d] for d in DESCRIPTORS)

    # late fusion of the single heads' dumps, as of five separate models
    out = run_script([sys.executable, 'tools/ensemble.py'] +
                     [f'{dump}:{d}' for d in DESCRIPTORS] +
                     ['--weights', '1', '1', '1', '1', '1']).stdout
    assert 'fused (240 samples): top1' in out

"""The STID commands of the issue on NTU RGB+D files written here in the
raw release's format: convert, train a single-descriptor model and the
fusion network (``configs/stid/ntu60_xsub_*.py`` at a CPU-sized width),
test them with ``--dump``, fuse dumps, export and draw the descriptors."""
import os
import sys

import numpy as np
import pytest

from mmactx.datasets.synthetic import generate_sample
from mmactx.evaluation import dump_streams, load_predictions
from mmactx.testing import kinect_rows, run_script, write_ntu_sample

# the width option: base_channels 4 (features of 16), and a short run
SMALL = ['model.backbone.base_channels=4', 'model.cls_head.in_channels=16',
         'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4',
         'val_dataloader.batch_size=4', 'train_dataloader.num_workers=0',
         'val_dataloader.num_workers=0', 'test_dataloader.num_workers=0',
         'train_dataloader.persistent_workers=False',
         'val_dataloader.persistent_workers=False',
         'test_dataloader.persistent_workers=False']


@pytest.fixture(scope='module')
def ntu60_3d(tmp_path_factory):
    """tools/data/convert_ntu.py's ntu60_3d.pkl of 12 raw files: subjects 1
    and 2 (X-Sub train) and 3 (X-Sub val), one or two bodies."""
    root = tmp_path_factory.mktemp('stid_ntu')
    raw = root / 'nturgb+d_skeletons'
    raw.mkdir()
    for i in range(12):
        rec = generate_sample(np.random.default_rng(i), i % 4, 'ntu3d',
                              num_frames=30 + 5 * i,
                              num_persons=1 + i % 2)
        bodies = [(f'72057594037{i:04d}{m}', 0, kinect_rows(kp))
                  for m, kp in enumerate(rec['keypoint'])]
        name = f'S001C00{1 + i % 3}P00{1 + i % 3}R00{1 + i // 3}A00{1 + i % 4}'
        write_ntu_sample(str(raw), name, bodies, rec['total_frames'])
    run_script([sys.executable, 'tools/data/convert_ntu.py', str(raw),
                '--dataset', 'ntu60', '--out-dir', str(root / 'skeleton')])
    return str(root / 'skeleton' / 'ntu60_3d.pkl')


@pytest.mark.slow
def test_train_test_and_fuse_on_converted_ntu(ntu60_3d, tmp_path):
    dumps = {}
    for name in ('gd', 'fuse5'):
        config = f'configs/stid/ntu60_xsub_{name}.py'
        work = str(tmp_path / name)
        options = ['--ann-file', ntu60_3d, '--cfg-options'] + SMALL
        run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                    work] + options)
        dumps[name] = str(tmp_path / f'{name}.pkl')
        run_script([sys.executable, 'tools/test.py', config,
                    os.path.join(work, 'epoch_1.pth'), '--work-dir', work,
                    '--dump', dumps[name]] + options)
    scores, labels = load_predictions(dumps['gd'])
    assert scores.shape == (4, 60)  # the 4 X-Sub val files (subject 3)
    assert dump_streams(dumps['fuse5']) == [
        'gd', 'fdd', 'jdd', 'add', 'lad', 'gd+fdd', 'jdd+add+lad']
    fused, _ = load_predictions(dumps['fuse5'])  # the fused head
    np.testing.assert_allclose(fused.sum(1), 1, rtol=1e-5)
    out = run_script([sys.executable, 'tools/ensemble.py', dumps['gd'],
                      dumps['fuse5'] + ':jdd', dumps['fuse5'] + ':add',
                      dumps['fuse5'] + ':lad', dumps['fuse5'] + ':fdd',
                      '--weights', '1', '1', '1', '1', '1']).stdout
    assert 'fused (4 samples): top1' in out


def test_export_and_draw_converted_ntu(ntu60_3d, tmp_path):
    out = tmp_path / 'export'
    run_script([sys.executable, 'tools/data/export_stid_descriptors.py',
                ntu60_3d, str(out), '--split', 'xsub_val'])
    assert sorted(p.name for p in (out / 'lad').iterdir()) == sorted(
        f'{i}_{label}.png' for i, label in enumerate(_labels(ntu60_3d)))
    run_script([sys.executable, 'tools/visualize_stid.py', ntu60_3d,
                '--num', '4', '--out', str(tmp_path / 'stid.png')])
    assert (tmp_path / 'stid.png').stat().st_size > 1000


def _labels(path):
    """1-based labels of the X-Sub val records, in split order."""
    from mmactx.datasets import load_annotations
    return [r['label'] + 1 for r in load_annotations(path, 'xsub_val')]

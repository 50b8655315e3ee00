"""NW-UCLA end to end: all_sqe json files -> tools/data/convert_nwucla.py ->
a short training of configs/eppnet/nwucla_xview_joint.py; the split counts
of a modelled full release; the published schedule of the configs."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config

from mmactx.datasets import safe_load_pickle
from mmactx.datasets.converters.nwucla import ACTIONS
from mmactx.testing import run_script as run
from mmactx.testing.schedules import epoch_lrs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/eppnet/nwucla_xview_joint.py'
STREAMS = ('joint', 'bone', 'joint_motion', 'bone_motion')
# samples per view in the full NW-UCLA release (CTR-GCN's lists)
RELEASE_VIEWS = {1: 516, 2: 504, 3: 464}


def write_sample(folder, name, frames, rng, label=None):
    """One all_sqe file: ``skeletons`` [T][20][3] Kinect metres, a person
    about 3 m from the camera whose arms swing at a class-dependent rate."""
    action = int(name[1:3])
    t = np.arange(frames)[:, None]
    body = rng.normal(0, 0.25, (1, 20, 3)) + [0.1, 0.2, 3.0]
    swing = np.sin(t * (0.1 + 0.01 * action))
    skel = np.repeat(body, frames, axis=0)
    skel[:, 4:12, 1] += 0.3 * swing  # the arms
    skel += rng.normal(0, 0.01, skel.shape)
    data = dict(file_name=name, skeletons=skel.round(5).tolist())
    data['label'] = ACTIONS.index(action) + 1 if label is None else label
    (folder / f'{name}.json').write_text(json.dumps(data))


def convert(json_dir, out):
    run([sys.executable, 'tools/data/convert_nwucla.py', str(json_dir),
         '--out', str(out)])
    return safe_load_pickle(str(out))


def test_converter_split_counts_of_the_full_release(tmp_path):
    """A modelled release with the real number of files per view (516,
    504, 464), plus two files the converter skips: 1020 train / 464 val."""
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for view, count in RELEASE_VIEWS.items():
        for i in range(count):
            action = ACTIONS[i % 10]
            write_sample(folder, f'a{action:02d}_s{i // 10 % 10 + 1:02d}_'
                         f'e{i // 100:02d}_v{view:02d}', 1, rng)
    write_sample(folder, 'a07_s01_e00_v01', 3, rng, label=7)  # no action 7
    (folder / 'a01_s01_e09_v03.json').write_text('{"skeletons": [')
    out = tmp_path / 'nwucla_3d.pkl'
    data = convert(folder, out)
    assert len(data['split']['xview_train']) == 1020
    assert len(data['split']['xview_val']) == 464
    assert len(data['annotations']) == 1484
    report = (tmp_path / 'nwucla_3d_report.txt').read_text()
    assert 'converted: 1484' in report and 'skipped: 2' in report


@pytest.mark.parametrize('stream', STREAMS)
def test_configs_have_the_published_recipe(stream):
    cfg = Config.fromfile(osp.join(ROOT, f'configs/eppnet/nwucla_xview_'
                                   f'{stream}.py'))
    assert cfg.ann_file == 'data/skeleton/nwucla_3d.pkl'
    train = cfg.train_dataloader
    assert train.batch_size == 16 and train.drop_last is True
    assert train.dataset.type == 'RepeatDataset' and train.dataset.times == 5
    assert train.dataset.dataset.split == 'xview_train'
    assert cfg.val_dataloader.dataset.split == 'xview_val'
    assert cfg.train_cfg.max_epochs == 65
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.nesterov, optimizer.weight_decay) == ('SGD', 0.1, 0.9,
                                                            True, 1e-4)
    expected = [0.1 * min(e + 1, 5) / 5 * 0.1**(e >= 50) for e in range(65)]
    np.testing.assert_allclose(epoch_lrs(cfg, 65), expected, rtol=1e-6)

    feats = dict(joint=['j'], bone=['b'], joint_motion=['jm'],
                 bone_motion=['bm'])[stream]
    steps = {
        'train': train.dataset.dataset.pipeline,
        'test': cfg.test_dataloader.dataset.pipeline
    }
    names = {k: [t['type'] for t in v] for k, v in steps.items()}
    assert names['train'] == [
        'CenterOnJoint', 'RandomViewTransform', 'MinMaxScale',
        'PoolSampleFrames', 'PoseDecode', 'SkeletonFeatures',
        'FormatGCNInput', 'PackActionInputs'
    ]
    assert names['test'] == names['train'][:1] + names['train'][2:]
    for kind, pipeline in steps.items():
        by_type = {t['type']: t for t in pipeline}
        assert by_type['CenterOnJoint']['joint'] == 'spine'
        assert by_type['PoolSampleFrames']['clip_len'] == cfg.window == 52
        assert by_type['PoolSampleFrames'].get('test_mode', False) == (
            kind == 'test')
        assert by_type['SkeletonFeatures']['feats'] == feats
    view = next(t for t in steps['train'] if t['type'] ==
                'RandomViewTransform')
    assert view['max_angle'] == 60 and tuple(view['scale_range']) == (0.5,
                                                                      1.5)


@pytest.mark.slow
def test_nwucla_joint_trains_on_converted_files(tmp_path):
    folder = tmp_path / 'all_sqe'
    folder.mkdir()
    rng = np.random.default_rng(1)
    lengths = [1, 9, 30, 52, 75, 120]  # short, the window, long
    for i, action in enumerate(ACTIONS):
        for view in (1, 2, 3):
            write_sample(folder, f'a{action:02d}_s01_e00_v{view:02d}',
                         lengths[(i + view) % len(lengths)], rng)
    ann = tmp_path / 'nwucla_3d.pkl'
    data = convert(folder, ann)
    assert {k: len(v) for k, v in data['split'].items()} == dict(
        xview_train=20, xview_val=10)

    opts = ['--cfg-options'] + [
        f'{k}={v}' for k, v in {
            'train_dataloader.dataset.dataset.ann_file': ann,
            'val_dataloader.dataset.ann_file': ann,
            'test_dataloader.dataset.ann_file': ann,
            'train_dataloader.num_workers': 0,
            'train_dataloader.persistent_workers': False,
            'val_dataloader.num_workers': 0,
            'val_dataloader.persistent_workers': False,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False,
            'model.backbone.base_channels': 16,
            'model.cls_head.in_channels': 64,
            'train_cfg.max_epochs': 1,
            'default_hooks.logger.interval': 1,
        }.items()
    ]
    work = tmp_path / 'work'
    run([sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work),
         '--seed', '0'] + opts)

    assert (work / 'epoch_1.pth').is_file()
    assert (work / 'last_checkpoint').read_text().strip().endswith(
        'epoch_1.pth')
    logs = list(work.glob('*/vis_data/scalars.json'))
    assert len(logs) == 1
    records = [json.loads(line) for line in logs[0].read_text().split('\n')
               if line]
    train = [r for r in records if 'loss' in r]
    # 20 samples x 5 repeats, batches of 16, the last partial one dropped
    assert len(train) == 100 // 16
    assert all(np.isfinite(r['loss']) for r in train)
    val = [r for r in records if 'acc/top1' in r]
    assert len(val) == 1
    assert 0 <= val[0]['acc/top1'] <= 1

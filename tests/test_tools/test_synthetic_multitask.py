"""Luvizon et al.'s recipe end to end on the built-in synthetic data, with
the README's commands: SPNet learns the poses of single frames
(``synthetic_spnet_pose.py``), then poses and actions train together on
alternating batches (``synthetic_multitask.py``, from the pose
checkpoint), and ``test.py --dump`` scores the actions.

It asserts what the recipe is for: the pose error falls, far below the
error of always predicting the mean pose (a model that learnt nothing of
the images), and the actions are recognised far above chance. To stay
within minutes the schedules are shorter than the configs'; the README
gives the numbers of ``tools/quickstart_multitask.sh``."""
import json
import os.path as osp
import sys

import numpy as np
import pytest
import torch

from mmactx.evaluation import accuracy_report, load_predictions
from mmactx.testing import run_script

pytestmark = pytest.mark.slow

NUM_CLASSES = 6
POSE_EPOCHS, MULTITASK_EPOCHS = 30, 4
# the datasets of synthetic_multitask.py's loaders
MULTITASK = dict(train=['.datasets.0', '.datasets.1'],
                 val=['.datasets.0', '.datasets.1'], test=[''])


def options(data: str, parts: dict, **opts) -> list:
    """``--ann-file`` and ``--cfg-options`` pointing a config at ``data``:
    ``parts`` maps each loader to its datasets' keys (``''`` for a single
    dataset, ``'.datasets.0'`` ... for the parts of a ConcatDataset)."""
    videos = osp.join(data, 'videos')
    for loader, keys in parts.items():
        for key in keys:
            opts[f'{loader}_dataloader.dataset{key}.data_prefix.video'] = \
                videos
    return ['--ann-file', osp.join(data, 'coco2d.pkl'), '--cfg-options'] + [
        f'{k}={v}' for k, v in opts.items()]


def schedule(epochs: int, validations: int) -> dict:
    return {'train_cfg.max_epochs': epochs,
            'train_cfg.val_interval': epochs // validations,
            'param_scheduler.0.T_max': epochs,
            'default_hooks.checkpoint.interval': epochs}


def val_metrics(work) -> list:
    """The validation metrics of a training run, in order."""
    log = next(work.glob('*/vis_data/scalars.json'))
    rows = [json.loads(line) for line in open(log)]
    return [r for r in rows if 'pose/error2d' in r or 'acc/top1' in r]


def mean_pose_error(data: str) -> float:
    """2D error (% of the crop) of always answering the validation frames'
    mean pose, in the pose config's crops."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmactx.registry import DATASETS
    init_default_scope('mmactx')
    cfg = Config.fromfile('configs/multitask/synthetic_spnet_pose.py')
    cfg.val_dataloader.dataset.update(
        ann_file=osp.join(data, 'coco2d.pkl'),
        data_prefix=dict(video=osp.join(data, 'videos')))
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    gt = torch.stack([dataset[i]['data_samples'].gt_coords[:, :2]
                      for i in range(len(dataset))])
    return 100 * (gt - gt.mean(0)).norm(dim=-1).mean().item()


def test_poses_then_poses_and_actions_together(tmp_path):
    data, work = str(tmp_path / 'data'), tmp_path / 'work'
    run_script([sys.executable, 'tools/data/generate_synthetic.py',
                osp.join(data, 'coco2d.pkl'), '--multitask', '--videos',
                osp.join(data, 'videos'), '--train-per-class', '40',
                '--val-per-class', '10'])
    run_script([sys.executable, 'tools/train.py',
                'configs/multitask/synthetic_spnet_pose.py', '--work-dir',
                str(work / 'pose'), '--seed', '0'] +
               options(data, dict(train=[''], val=['']),
                       **schedule(POSE_EPOCHS, 3)))
    pose = [m['pose/error2d'] for m in val_metrics(work / 'pose')]
    baseline = mean_pose_error(data)
    assert len(pose) == 3
    # the error falls, and ends well below the mean pose's
    assert pose[-1] < pose[0] and pose[-1] < 0.8 * baseline

    run_script([sys.executable, 'tools/train.py',
                'configs/multitask/synthetic_multitask.py', '--work-dir',
                str(work / 'multitask'), '--seed', '0', '--partial-load'] +
               options(data, MULTITASK, **schedule(MULTITASK_EPOCHS, 2)) +
               [f'load_from={work}/pose/epoch_{POSE_EPOCHS}.pth'])
    both = val_metrics(work / 'multitask')
    assert all(m['pose/error2d'] < baseline for m in both)
    checkpoint = str(work / 'multitask' / f'epoch_{MULTITASK_EPOCHS}.pth')
    dump = str(work / 'val.pkl')
    run_script([sys.executable, 'tools/test.py',
                'configs/multitask/synthetic_multitask.py', checkpoint,
                '--work-dir', str(work / 'test'), '--dump', dump] +
               options(data, MULTITASK, **{
                   'test_dataloader.dataset.pipeline.0.max_test_clips': 2}))
    scores, labels = load_predictions(dump)
    assert scores.shape == (10 * NUM_CLASSES, NUM_CLASSES)
    np.testing.assert_allclose(scores.sum(1), 1, atol=1e-4)
    chance = 100 / NUM_CLASSES
    assert 100 * accuracy_report(scores, labels)['top1'] > chance + 30

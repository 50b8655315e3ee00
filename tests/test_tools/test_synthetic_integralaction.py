"""IntegralAction's three stages end to end on the built-in synthetic data,
with the issue's commands: rgb_only and pose_only train, their checkpoints
merge (no --config: the published stage 3), rgb+pose trains with both
backbones frozen, and every model is tested with ``--dump``.

The data is built so that appearance misleads, as Mimetics does: in train
and val each motion comes with its own prop, in the ``mimed`` split with
another class's. The RGB model learns the props and fails on the mimed
clips; the pose-gated model keeps to the pose and stays right there.

To stay within minutes on one thread the data is smaller and the schedules
shorter than the configs' (16 / 16 / 6 epochs); the README gives the
numbers of ``tools/quickstart_integralaction.sh``."""
import os.path as osp
import sys

import pytest

from mmactx.evaluation import accuracy_report, load_predictions
from mmactx.testing import run_script

NUM_CLASSES = 4
EPOCHS = {'rgb_only': 12, 'pose_only': 12, 'rgbpose': 4}
TEST_CLIPS = 2  # of the configs' 10, for speed


def options(data: str, epochs: int = 1, split: str = None) -> list:
    """--ann-file and --cfg-options that point a ``synthetic_*.py`` config
    at ``data``, shorten its schedule and, given ``split``, test on it."""
    opts = {'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': epochs,
            'param_scheduler.0.T_max': epochs,
            'test_dataloader.dataset.pipeline.0.num_clips': TEST_CLIPS}
    for loader in ('train', 'val', 'test'):
        opts[f'{loader}_dataloader.dataset.data_prefix.video'] = osp.join(
            data, 'videos')
    if split is not None:
        opts['test_dataloader.dataset.split'] = split
    return ['--ann-file', osp.join(data, 'coco2d.pkl'), '--cfg-options'] + [
        f'{k}={v}' for k, v in opts.items()]


def top1(dump: str) -> float:
    scores, labels = load_predictions(dump)
    return accuracy_report(scores, labels)['top1']


@pytest.mark.slow
def test_pose_gate_stays_right_where_appearance_misleads(tmp_path):
    data, work = str(tmp_path / 'data'), tmp_path / 'work'
    run_script([sys.executable, 'tools/data/generate_synthetic.py',
                osp.join(data, 'coco2d.pkl'), '--videos',
                osp.join(data, 'videos'), '--train-per-class', '24',
                '--val-per-class', '6', '--mimed-per-class', '8'])
    checkpoints, acc = {}, {}
    for name in ('rgb_only', 'pose_only', 'rgbpose'):
        config = f'configs/integralaction/synthetic_{name}.py'
        extra = []
        if name == 'rgbpose':
            init = str(work / 'merged.pth')
            run_script([sys.executable, 'tools/integralaction_merge.py',
                        checkpoints['rgb_only'], checkpoints['pose_only'],
                        '--out', init])
            extra = [f'load_from={init}']
        run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                    str(work / name), '--seed', '0'] +
                   options(data, EPOCHS[name]) + extra)
        checkpoints[name] = str(work / name / f'epoch_{EPOCHS[name]}.pth')
        if name == 'pose_only':
            continue  # its own accuracy is not what is tested (the README
            # gives it)
        for split in ('val', 'mimed'):
            dump = str(work / f'{name}_{split}.pkl')
            run_script([sys.executable, 'tools/test.py', config,
                        checkpoints[name], '--work-dir', str(work / name),
                        '--dump', dump] + options(data, split=split))
            acc[name, split] = top1(dump)
    print(', '.join(f'{name} {split} {value:.3f}'
                    for (name, split), value in acc.items()))
    chance = 1 / NUM_CLASSES
    # the RGB stream learns the props, which mislead it on the mimed clips
    assert acc['rgb_only', 'val'] > chance + 0.25
    assert acc['rgb_only', 'mimed'] < acc['rgb_only', 'val'] - 0.25
    # the gated model, which also sees the pose, is misled less. On these
    # 32 mimed clips runs differ by a few clips (one CI run: 40.6 against
    # 31.2, +9.4 points), so the margin is 2 clips, not the README's
    # +22.5 points of the full quickstart
    assert acc['rgbpose', 'mimed'] > acc['rgb_only', 'mimed'] + 0.06

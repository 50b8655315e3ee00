"""RGBPose-Conv3D end to end on the built-in synthetic RGB + pose data, with
the commands of tools/quickstart_rgbpose.sh: the RGB-only and pose-only
streams train, their checkpoints merge, the two-stream model fine-tunes,
each model is tested (10 clips) with ``--dump``, and the two streams of
RGBPose-Conv3D fused 1:1 beat each single-stream model.

To stay within minutes on one thread, the test uses the first 4 classes
(2 motions x 2 objects: a pose model can be right on at most half of them,
an RGB model that sees only the objects too) and shorter schedules than the
configs; the README gives the numbers of the full quickstart."""
import os.path as osp
import sys

import pytest

from mmactx.evaluation import accuracy_report, fuse_scores, load_predictions
from mmactx.testing import run_script

NUM_CLASSES = 4
# shorter schedules than the configs' (24 / 12 / 6 epochs)
EPOCHS = {'rgb_only': 10, 'pose_only': 6, 'rgbpose': 2}


def options(name: str, data: str) -> list:
    """--ann-file and --cfg-options that point ``synthetic_{name}.py`` at
    the data in ``data`` and shorten its schedule."""
    epochs = EPOCHS[name]
    opts = {'train_cfg.max_epochs': epochs, 'train_cfg.val_interval': epochs,
            'param_scheduler.0.T_max': epochs}
    if name != 'pose_only':
        train = ('train_dataloader.dataset' if name == 'rgbpose' else
                 'train_dataloader.dataset.dataset')
        for dataset in (train, 'val_dataloader.dataset',
                        'test_dataloader.dataset'):
            opts[f'{dataset}.data_prefix.video'] = osp.join(data, 'videos')
    return ['--ann-file', osp.join(data, 'coco2d.pkl'), '--cfg-options'] + [
        f'{k}={v}' for k, v in opts.items()]


def top1(dump: str, *streams: str) -> float:
    """Top-1 accuracy of a ``test.py --dump`` file: a single-stream dump,
    one stream of a two-stream dump, or the 1:1 sum of several."""
    scores, labels = zip(*(load_predictions(dump, stream)
                           for stream in streams or (None, )))
    return accuracy_report(fuse_scores(scores), labels[0])['top1']


@pytest.mark.slow
def test_two_streams_fused_beat_each_stream(tmp_path):
    data, work = str(tmp_path / 'data'), tmp_path / 'work'
    run_script([sys.executable, 'tools/data/generate_synthetic.py',
                osp.join(data, 'coco2d.pkl'), '--videos',
                osp.join(data, 'videos'), '--num-classes',
                str(NUM_CLASSES)])
    dumps = {}
    for name in ('rgb_only', 'pose_only', 'rgbpose'):
        config = f'configs/rgbpose/synthetic_{name}.py'
        extra = []
        if name == 'rgbpose':
            init = str(work / 'init.pth')
            run_script([sys.executable, 'tools/rgbpose_merge.py',
                        str(work / 'rgb_only' / f'epoch_{EPOCHS["rgb_only"]}'
                            '.pth'),
                        str(work / 'pose_only' /
                            f'epoch_{EPOCHS["pose_only"]}.pth'), '--config',
                        config, '--out', init])
            extra = [f'load_from={init}']
        run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                    str(work / name), '--seed', '0'] + options(name, data) +
                   extra)
        dumps[name] = str(work / f'{name}.pkl')
        checkpoint = str(work / name / f'epoch_{EPOCHS[name]}.pth')
        run_script([sys.executable, 'tools/test.py', config, checkpoint,
                    '--work-dir', str(work / name), '--dump', dumps[name]] +
                   options(name, data))

    rgb, pose = top1(dumps['rgb_only']), top1(dumps['pose_only'])
    fused = top1(dumps['rgbpose'], 'rgb', 'pose')
    chance = 1 / NUM_CLASSES
    print(f'rgb_only {rgb:.3f}, pose_only {pose:.3f}, rgbpose 1:1 '
          f'{fused:.3f} (rgb stream {top1(dumps["rgbpose"], "rgb"):.3f}, '
          f'pose stream {top1(dumps["rgbpose"], "pose"):.3f})')
    assert rgb > chance + 0.1 and pose > chance + 0.1  # both streams learn
    assert fused > max(rgb, pose) + 0.1

    # the published fusion command gives the same number
    out = run_script([sys.executable, 'tools/ensemble.py',
                      dumps['rgbpose'] + ':rgb', dumps['rgbpose'] + ':pose',
                      '--weights', '1', '1']).stdout
    assert f'fused ({NUM_CLASSES * 10} samples): top1 {fused:.4f}' in out

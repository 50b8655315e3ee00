"""Luvizon et al.'s commands (the issue's) on real files: MPII (mmpose's
fixture: images, json, a head-box file written here) through the 2D pose
config's training and per-block PCKh test, Human3.6M (mmpose's fixture)
through the 3D config's per-block MPJPE, and NTU RGB+D (the real raw
skeleton and colour video) through the depth converter, the multitask
config's alternating training, ``test.py --dump``, the demo and the
frames/s benchmark. The published widths (SPNet 2 x 4 at 256 x 256 for
NTU; 2 pyramids instead of 8 for MPII, for time) for one epoch."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import load_annotations
from mmactx.evaluation import load_predictions
from mmactx.testing import load_script, run_script
from mmactx.testing.mpii import stand_in_head_boxes, write_headbox_file

pytestmark = pytest.mark.slow


def loader_options(loader: str, **fields) -> dict:
    """One-process ``--cfg-options`` of a data loader's dataset fields."""
    opts = {f'{loader}_dataloader.num_workers': 0,
            f'{loader}_dataloader.persistent_workers': False}
    opts.update({f'{loader}_dataloader.dataset.{k}': v
                 for k, v in fields.items()})
    return opts


def as_args(opts: dict) -> list:
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def test_ntu60_xsub_multitask(shared_data, tmp_path):
    name = 'S001C001P001R001A001'
    raw, avi = tmp_path / 'skeletons', tmp_path / 'rgb'
    raw.mkdir()
    avi.mkdir()
    os.symlink(shared_data(f'ntu_sample/{name}.skeleton'),
               raw / f'{name}.skeleton')
    os.symlink(shared_data(f'ntu_sample/{name}_rgb.avi'),
               avi / f'{name}_rgb.avi')
    out = tmp_path / 'skeleton_ntu25_depth'
    load_script('tools/data/convert_ntu.py').main(
        [str(raw), '--dataset', 'ntu60', '--layout-2d', 'ntu',
         '--with-depth', '--out-dir', str(out), '--workers', '0'])
    videos = str(tmp_path / 'videos')
    load_script('tools/data/compress_ntu_videos.py').main(
        [str(avi), videos, '--short-side', '270', '--workers', '0',
         '--no-progress'])
    ann = str(out / 'ntu60_2d.pkl')
    record = load_annotations(ann, split='xsub_train')[0]
    assert record['keypoint_depth'].shape == record['keypoint'].shape[:3]

    # subject 1 is in X-Sub's training half: every split reads it
    data = dict(ann_file=ann, split='xsub_train',
                **{'data_prefix.video': videos})
    opts = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 100,
            # one frame, then one clip (the published 32 and 4 need
            # more than one video)
            'train_dataloader.batch_sampler.batch_sizes': '[1,1]',
            'test_dataloader.dataset.pipeline.0.max_test_clips': 1}
    for part in (0, 1):
        opts.update(loader_options(
            'train', **{f'datasets.{part}.{k}': v for k, v in data.items()}))
    for loader in ('val', 'test'):
        opts.update(loader_options(loader, **data))
    config = 'configs/multitask/ntu60_xsub_spnet_multitask.py'
    work = tmp_path / 'work'
    run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                str(work)] + as_args(opts))
    checkpoint = str(work / 'epoch_1.pth')
    log = open(next(work.glob('*/*.log'))).read()
    # both batch kinds trained: pose losses and action losses were logged
    assert 'loss_coord' in log and 'loss_fused' in log

    dump = str(work / 'mt.pkl')
    run_script([sys.executable, 'tools/test.py', config, checkpoint,
                '--work-dir', str(work / 'test'), '--dump', dump] +
               as_args(opts))
    scores, labels = load_predictions(dump)
    assert scores.shape == (1, 60) and list(labels) == [record['label']]
    np.testing.assert_allclose(scores.sum(1), 1, atol=1e-4)

    # the demo on the real video's first 16 frames (two clips), for time
    video = str(tmp_path / 'first16.mp4')
    cap = cv2.VideoCapture(osp.join(videos, f'{name}.mp4'))
    frames = [cap.read()[1] for _ in range(16)]
    cap.release()
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 30,
                             frames[0].shape[1::-1])
    for frame in frames:
        writer.write(frame)
    writer.release()
    out_video = str(tmp_path / 'demo.mp4')
    load_script('demo/demo_multitask.py').main(
        [video, out_video, '--config', config, '--checkpoint', checkpoint])
    cap = cv2.VideoCapture(out_video)
    written = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert written == 16

    table = str(tmp_path / 'fps.json')
    load_script('tools/analysis/benchmark_multitask_fps.py').main(
        [config, '--clips', '1', '--batch', '1', '--clip-len', '1',
         '--warmup', '0', '--json', table])
    with open(table) as f:
        rows = json.load(f)
    assert rows  # one row per truncation depth, checked in its own test


def mpii_fixture(shared_data, folder) -> dict:
    """The MPII fixture plus a head-box file in MPII's format (the fixture
    has none: stand-ins around the upper neck and head top)."""
    ann_file = shared_data('mmpose_fixtures/mpii/test_mpii.json')
    with open(ann_file) as f:
        joints = np.array([r['joints'] for r in json.load(f)])
    headbox_file = str(folder / 'mpii_gt_val.mat')
    write_headbox_file(stand_in_head_boxes(joints), headbox_file)
    return dict(ann_file=ann_file, headbox_file=headbox_file,
                img=osp.dirname(ann_file) + '/')


def test_mpii_spnet_2d(shared_data, tmp_path):
    mpii = mpii_fixture(shared_data, tmp_path)
    data = {'ann_file': mpii['ann_file'], 'data_prefix.img': mpii['img']}
    opts = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 100,
            'train_dataloader.batch_size': 5,
            'model.backbone.num_pyramids': 2}
    opts.update(loader_options('train', **data))
    for loader in ('val', 'test'):
        opts.update(loader_options(loader, headbox_file=mpii['headbox_file'],
                                   **data))
    config = 'configs/multitask/mpii_spnet_2d.py'
    work = tmp_path / 'work'
    run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                str(work)] + as_args(opts))
    run_script([sys.executable, 'tools/test.py', config,
                str(work / 'epoch_1.pth'), '--work-dir', str(work / 'test')] +
               as_args(opts))
    metrics = json.load(open(next((work / 'test').glob('*/*.json'))))
    blocks = [k for k in metrics if k.startswith('mpii/PCKh_block')]
    assert len(blocks) == 2 * 3  # one PCKh per prediction block
    assert all(0 <= metrics[k] <= 100 for k in blocks)
    assert metrics['mpii/PCKh'] == max(metrics[k] for k in blocks)


def test_h36m_spnet_3d(shared_data, tmp_path):
    ann = shared_data('mmpose_fixtures/h36m/test_h36m_body3d.npz')
    root = osp.dirname(ann)
    data = {'ann_file': ann, 'data_prefix.img': root + '/',
            'camera_param_file': osp.join(root, 'cameras.pkl')}
    opts = {'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 100,
            'train_dataloader.batch_size': 4,
            'model.backbone.num_pyramids': 2}
    for loader in ('train', 'val', 'test'):
        opts.update(loader_options(loader, **data))
    config = 'configs/multitask/h36m_spnet_3d.py'
    work = tmp_path / 'work'
    run_script([sys.executable, 'tools/train.py', config, '--work-dir',
                str(work)] + as_args(opts))
    run_script([sys.executable, 'tools/test.py', config,
                str(work / 'epoch_1.pth'), '--work-dir', str(work / 'test')] +
               as_args(opts))
    metrics = json.load(open(next((work / 'test').glob('*/*.json'))))
    blocks = [k for k in metrics if k.startswith('h36m/MPJPE_block')]
    assert len(blocks) == 2 * 3
    assert all(metrics[k] > 0 for k in blocks)
    assert metrics['h36m/MPJPE'] == min(metrics[k] for k in blocks)

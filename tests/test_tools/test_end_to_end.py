"""The tools end to end on a small synthetic dataset: train, test --dump,
ensemble, resume, and dist_train.sh on 2 CPU processes."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import torch

from mmactx.testing import run_script as run

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('data') / 'syn.pkl')
    run([sys.executable, 'tools/data/generate_synthetic.py', path,
         '--num-classes', '4', '--train-per-class', '4',
         '--val-per-class', '2', '--seed', '3'])
    return path


def options(ann, epochs=1, **extra):
    opts = {
        'train_dataloader.dataset.dataset.ann_file': ann,
        'val_dataloader.dataset.ann_file': ann,
        'test_dataloader.dataset.ann_file': ann,
        'train_dataloader.dataset.dataset.num_classes': 4,
        'val_dataloader.dataset.num_classes': 4,
        'test_dataloader.dataset.num_classes': 4,
        'model.cls_head.num_classes': 4,
        'train_dataloader.batch_size': 4,
        'train_dataloader.num_workers': 1,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'test_dataloader.dataset.pipeline.0.num_clips': 2,
        'train_cfg.max_epochs': epochs,
        'train_cfg.val_interval': epochs,
        'param_scheduler.0.T_max': epochs,
        'default_hooks.logger.interval': 1,
    }
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test_train_test_dump_and_ensemble(data, tmp_path):
    dumps = []
    for stream in ('joint', 'limb'):
        cfg = f'configs/posec3d/synthetic_{stream}.py'
        work = str(tmp_path / stream)
        log = run([sys.executable, 'tools/train.py', cfg, '--work-dir', work]
                  + options(data)).stdout
        assert 'Epoch(val) [1]' in log
        dump = str(tmp_path / f'{stream}.pkl')
        show = ['--show-dir', str(tmp_path / 'vis')] * (stream == 'joint')
        run([sys.executable, 'tools/test.py', cfg, last_checkpoint(work),
             '--work-dir', work, '--dump', dump] + show + options(data))
        dumps.append(dump)

    # --show-dir: one heatmap video per test sample, 2 clips x 32 frames
    videos = sorted(os.listdir(tmp_path / 'vis'))
    assert videos == [f'test_{i}.mp4' for i in range(8)]
    cap = cv2.VideoCapture(str(tmp_path / 'vis' / videos[0]))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 32
    ok, frame = cap.read()
    assert ok and frame.shape == (256, 256, 3) and frame.max() > 100

    from mmactx.evaluation import load_predictions
    scores, labels = load_predictions(dumps[0])
    assert scores.shape == (8, 4)  # 4 classes x 2 val samples
    np.testing.assert_allclose(scores.sum(1), 1, atol=1e-5)
    assert sorted(labels.tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]

    out = run([sys.executable, 'tools/ensemble.py', *dumps, '--weights',
               '1', '1', '--json', '--out', str(tmp_path / 'fused.pkl')])
    report = json.loads(out.stdout)
    assert report['num_samples'] == 8 and len(report['streams']) == 2
    fused, _ = load_predictions(str(tmp_path / 'fused.pkl'))
    limb, _ = load_predictions(dumps[1])
    np.testing.assert_allclose(fused, scores + limb, rtol=1e-6)


def state(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    return ckpt['state_dict'], ckpt['meta']['epoch']


def kill_after_first_epoch(args, work_dir):
    """Start a training and SIGKILL it once epoch 1's checkpoint is saved."""
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pointer = osp.join(work_dir, 'last_checkpoint')
    deadline = time.time() + 600
    try:
        while time.time() < deadline and proc.poll() is None:
            if osp.isfile(pointer) and last_checkpoint(work_dir).endswith(
                    'epoch_1.pth'):
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert last_checkpoint(work_dir).endswith('epoch_1.pth')
    assert not osp.exists(osp.join(work_dir, 'epoch_2.pth'))


def test_resume_reaches_the_same_weights(data, tmp_path):
    cfg = 'configs/posec3d/synthetic_joint.py'
    # dropout draws from torch's global RNG, which checkpoints do not keep;
    # more iterations per epoch leave time to interrupt the second one
    common = {'model.cls_head.dropout_ratio': 0.0,
              'train_dataloader.dataset.times': 3,
              'val_cfg': None, 'val_dataloader': None, 'val_evaluator': None}
    full = str(tmp_path / 'full')
    run([sys.executable, 'tools/train.py', cfg, '--work-dir', full,
         '--seed', '0'] + options(data, epochs=2, **common))
    part = str(tmp_path / 'part')
    args = [sys.executable, 'tools/train.py', cfg, '--work-dir', part,
            '--seed', '0'] + options(data, epochs=2, **common)
    kill_after_first_epoch(args, part)
    log = run(args + ['--resume']).stdout
    assert 'resumed epoch: 1' in log
    a, epoch_a = state(last_checkpoint(full))
    b, epoch_b = state(last_checkpoint(part))
    assert epoch_a == epoch_b == 2
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)


def test_dist_train_on_two_cpu_processes(data, tmp_path):
    work = str(tmp_path / 'dist')
    log = run(['bash', 'tools/dist_train.sh',
               'configs/posec3d/synthetic_joint.py', '2', '--work-dir', work]
              + options(data))
    log = log.stdout + log.stderr
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # mmengine's name for the world size
    assert osp.isfile(last_checkpoint(work))

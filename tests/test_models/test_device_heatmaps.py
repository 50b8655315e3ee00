"""PoseC3D with heatmaps rendered on the model's device: the device configs'
keypoint pipelines plus HeatmapDataPreprocessor give the CPU configs'
volumes, and chunked multi-clip testing gives the all-at-once scores."""
import copy
import glob
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmactx.registry import MODELS, TRANSFORMS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEVICE = sorted(glob.glob(osp.join(ROOT, 'configs', 'posec3d', 'device',
                                   '*.py')))


def cpu_config(path):
    return osp.join(osp.dirname(osp.dirname(path)), osp.basename(path))


def record(frames=70, persons=2, seed=0):
    rng = np.random.RandomState(seed)
    kp = rng.uniform(400, 900, (persons, 1, 17, 2)) + rng.normal(
        0, 60, (persons, frames, 17, 2))
    score = rng.rand(persons, frames, 17)
    score[score < 0.1] = 0
    return dict(frame_dir='x', label=3, total_frames=frames, start_index=0,
                modality='Pose', img_shape=(1080, 1920),
                keypoint=kp.astype(np.float32),
                keypoint_score=score.astype(np.float32))


def run(pipeline, rec, seed):
    np.random.seed(seed)
    random.seed(seed)
    return Compose([TRANSFORMS.build(t) for t in pipeline])(
        copy.deepcopy(rec))


def test_every_benchmark_has_a_device_config():
    names = {osp.basename(p) for p in DEVICE}
    for split in ('ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset'):
        assert {f'{split}_joint.py', f'{split}_limb.py'} <= names


@pytest.mark.parametrize('path', DEVICE, ids=osp.basename)
def test_device_config_is_its_cpu_config_with_device_rendering(path):
    dev, cpu = Config.fromfile(path), Config.fromfile(cpu_config(path))
    assert dev.model.type == 'HeatmapRecognizer3D'
    assert dev.model.backbone == cpu.model.backbone
    assert dev.model.cls_head == cpu.model.cls_head
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        d, c = dev[loader].dataset, cpu[loader].dataset
        if loader == 'train_dataloader':
            d, c = d.dataset, c.dataset
        assert (d.ann_file, d.split) == (c.ann_file, c.split)
        assert d.pipeline[-1]['type'] == 'PackPoseClips'
        heat = next(t for t in c.pipeline
                    if t['type'] == 'GeneratePoseTarget')
        renderer = dev.model.data_preprocessor.renderer
        for key in ('sigma', 'use_score', 'with_kp', 'with_limb'):
            assert renderer.get(key) == heat.get(key), key
        assert d.pipeline[-1].get('double', False) == heat.get(
            'double', False)


def test_cpu_and_device_checkpoints_are_interchangeable():
    path = DEVICE[0]
    dev = MODELS.build(Config.fromfile(path).model)
    cpu = MODELS.build(Config.fromfile(cpu_config(path)).model)
    assert dev.state_dict().keys() == cpu.state_dict().keys()
    dev.load_state_dict(cpu.state_dict())  # strict


@pytest.mark.parametrize('name', ['ntu60_xsub_joint.py', 'ntu60_xsub_limb.py'])
@pytest.mark.parametrize('split', ['train', 'test'])
def test_device_volumes_equal_the_cpu_pipeline(name, split):
    path = osp.join(ROOT, 'configs', 'posec3d', 'device', name)
    dev, cpu = Config.fromfile(path), Config.fromfile(cpu_config(path))
    loader = f'{split}_dataloader'
    d, c = dev[loader].dataset, cpu[loader].dataset
    if split == 'train':
        d, c = d.dataset, c.dataset
    preprocessor = MODELS.build(dev.model.data_preprocessor)
    for seed in range(2):
        rec = record(seed=seed, persons=1 + seed)
        ref = run(c.pipeline, rec, seed)['inputs'].numpy()
        packed = run(d.pipeline, rec, seed)
        assert packed['inputs'].numel() * 4 < ref.size * 4 / 100
        batch = pseudo_collate([packed])
        if split == 'train':
            out = preprocessor(batch, training=True)['inputs'][0]
        else:
            img_shape, double = preprocessor.batch_meta(
                batch['data_samples'])
            assert double
            out = preprocessor.render(torch.stack(batch['inputs']),
                                      img_shape, double)[0]
        assert tuple(out.shape) == ref.shape
        np.testing.assert_allclose(out.numpy(), ref, rtol=0, atol=1e-5)


def test_chunked_test_views_give_the_all_at_once_scores():
    path = osp.join(ROOT, 'configs', 'posec3d', 'device',
                    'ntu60_xsub_limb.py')
    cfg = Config.fromfile(path)
    # a 4-clip test keeps the test quick; chunks of 3 views straddle the
    # original / mirrored boundary
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    pipeline[0]['num_clips'] = 4
    pipeline[0]['clip_len'] = 16
    batch = pseudo_collate([run(pipeline, record(seed=s), s)
                            for s in range(2)])
    torch.manual_seed(0)
    chunked = MODELS.build(cfg.model).eval()
    cfg.model.test_cfg = dict(max_testing_views=None)
    cfg.model.data_preprocessor.defer_test = False
    whole = MODELS.build(cfg.model).eval()
    whole.load_state_dict(chunked.state_dict())
    chunked.test_cfg = dict(max_testing_views=3)
    with torch.no_grad():
        a = chunked.test_step(batch)
        b = whole.test_step(batch)
    sa = torch.stack([p.pred_score for p in a])
    sb = torch.stack([p.pred_score for p in b])
    assert sa.shape == (2, 60)
    torch.testing.assert_close(sa, sb, rtol=0, atol=1e-6)


def test_training_step_on_device_volumes():
    path = osp.join(ROOT, 'configs', 'posec3d', 'device',
                    'ntu60_xsub_joint.py')
    cfg = Config.fromfile(path)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.dataset.pipeline)
    pipeline[0]['clip_len'] = 8
    batch = pseudo_collate([run(pipeline, record(seed=s), s)
                            for s in range(2)])
    model = MODELS.build(cfg.model)
    from mmengine.optim import build_optim_wrapper
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD',
                                                           lr=0.01)))
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss_cls'])


def test_deferred_test_batch_is_explicit_and_the_model_keeps_no_state():
    """The preprocessor hands the recognizer a KeypointClips through
    mmengine's test_step / val_step; the recognizer dispatches on its type
    and keeps nothing between calls."""
    from mmactx.models import KeypointClips
    path = osp.join(ROOT, 'configs', 'posec3d', 'device',
                    'ntu60_xsub_joint.py')
    cfg = Config.fromfile(path)
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    pipeline[0]['num_clips'] = 2
    pipeline[0]['clip_len'] = 8
    batch = pseudo_collate([run(pipeline, record(seed=s), s)
                            for s in range(2)])
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    data = model.data_preprocessor(batch, training=False)
    deferred = data['inputs']
    assert isinstance(deferred, KeypointClips)
    assert deferred.img_shape == (64, 64) and deferred.double
    assert tuple(deferred.clips.shape) == (2, 2, 2, 8, 17, 3)
    assert deferred.num_views == 4
    attributes = set(vars(model))
    with torch.no_grad():
        scores = [
            torch.stack([p.pred_score for p in out])
            for out in (model.test_step(batch), model.val_step(batch),
                        model(**data, mode='predict'))
        ]
    assert set(vars(model)) == attributes
    for other in scores[1:]:
        torch.testing.assert_close(other, scores[0], rtol=0, atol=0)
    # outside test mode every view is rendered at once
    volume = model.data_preprocessor.render_views(deferred)
    assert tuple(volume.shape) == (2, 4, 17, 8, 64, 64)
    with torch.no_grad():
        feats = model(deferred, mode='tensor')
        torch.testing.assert_close(feats, model(volume, mode='tensor'))
    assert feats.shape[0] == 2 * 4

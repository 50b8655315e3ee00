"""The device heatmaps on CUDA (``pytest -m cuda``; skipped without CUDA).

The torch renderer's CUDA volumes equal its CPU ones on the parity cases of
:mod:`mmactx.testing.poses` (which equal mmaction2's), a
``configs/posec3d/device/`` config trains a step and tests a 10-clip x
2-flip sample in chunks on CUDA, and the device benchmark reports training
iterations/s of both data paths there.
"""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmactx.models import HeatmapRenderer, KeypointClips
from mmactx.registry import MODELS, TRANSFORMS
from mmactx.testing import load_script
from mmactx.testing.poses import (HEATMAP_CASES, make_pose_sample,
                                  ntu_like_samples, pose_clips, spread_samples)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason='needs CUDA: torch.cuda.is_available() is '
                       'False')
]

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEVICE_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'device',
                         'ntu60_xsub_{}.py')
# plus joints and limbs in one volume, mirrored
CASES = list(HEATMAP_CASES) + [dict(with_kp=True, with_limb=True,
                                    double=True)]


@pytest.fixture(autouse=True)
def full_float32():
    """No TF32 in convolutions and matrix products, so that CUDA results
    compare with the CPU's at float32 tolerances."""
    saved = (torch.backends.cudnn.allow_tf32,
             torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    yield
    (torch.backends.cudnn.allow_tf32,
     torch.backends.cuda.matmul.allow_tf32) = saved


def volumes_on(renderer, clips, img_shape, device):
    """The renderer's volumes of clips on ``device``, mirrored views
    appended along the frame axis; returned on the CPU."""
    volume = renderer(clips.to(device), img_shape)
    assert volume.device.type == torch.device(device).type
    if renderer.double:
        volume = torch.cat([volume, renderer.mirror(volume,
                                                    clips.shape[3])], 2)
    return volume.cpu()


@pytest.mark.parametrize('kwargs', CASES)
def test_cuda_volumes_equal_the_cpu_volumes(kwargs):
    rng = np.random.RandomState(len(kwargs) * 7 + 1)
    samples = [make_pose_sample(rng, persons=1 + i % 2, spread=3 + 4 * i)
               for i in range(4)]
    clips = torch.from_numpy(pose_clips(samples, 2))
    renderer = HeatmapRenderer(**kwargs)
    img_shape = samples[0]['img_shape']
    cpu = volumes_on(renderer, clips, img_shape, 'cpu')
    cuda = volumes_on(renderer, clips, img_shape, 'cuda')
    torch.testing.assert_close(cuda, cpu, rtol=0, atol=1e-5)
    assert cpu.max() > 0.1


def test_cuda_volumes_of_long_limbs_equal_the_cpu_volumes():
    """A training batch of joints spread over the whole frame: long limbs,
    grouped with the GPU's budget on CUDA and the CPU's on the CPU."""
    rng = np.random.RandomState(3)
    samples = [dict(keypoint=rng.uniform(0, 56, (2, 48, 17, 2)),
                    keypoint_score=rng.uniform(0, 1, (2, 48, 17)))
               for _ in range(16)]
    clips = torch.from_numpy(pose_clips(samples, 2))
    for kwargs in (dict(with_kp=False, with_limb=True),
                   dict(with_limb=True, sigma=1.3)):
        renderer = HeatmapRenderer(**kwargs)
        cpu = volumes_on(renderer, clips, (56, 56), 'cpu')
        cuda = volumes_on(renderer, clips, (56, 56), 'cuda')
        torch.testing.assert_close(cuda, cpu, rtol=0, atol=1e-5)
        assert cpu.max() > 0.5


def run_pipeline(steps, record, seed):
    np.random.seed(seed)
    return Compose([TRANSFORMS.build(t) for t in steps])(
        copy.deepcopy(record))


def test_training_step_on_cuda():
    cfg = Config.fromfile(DEVICE_CONFIG.format('joint'))
    steps = cfg.train_dataloader.dataset.dataset.pipeline
    batch = pseudo_collate([run_pipeline(steps, record, seed)
                            for seed, record in enumerate(
                                ntu_like_samples(2, frames=70))])
    model = MODELS.build(cfg.model).cuda()
    rendered = model.data_preprocessor(batch, training=True)['inputs']
    assert rendered.is_cuda
    assert tuple(rendered.shape) == (2, 1, 17, 48, 56, 56)
    from mmengine.optim import build_optim_wrapper
    optim = build_optim_wrapper(model, dict(optimizer=dict(type='SGD',
                                                           lr=0.01)))
    before = [p.detach().clone() for p in model.parameters()]
    losses = model.train_step(batch, optim)
    assert torch.isfinite(losses['loss_cls'])
    assert any(not torch.equal(a, b)
               for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize('kind', ['joint', 'limb'])
def test_chunked_ten_clip_test_on_cuda(kind):
    """The config's 10-clip x 2-flip test, 4 views at a time on CUDA: the
    scores of all 20 views at once, and of the same model on the CPU."""
    cfg = Config.fromfile(DEVICE_CONFIG.format(kind))
    steps = cfg.test_dataloader.dataset.pipeline
    batch = pseudo_collate([run_pipeline(steps, spread_samples(1)[0], 0)])
    torch.manual_seed(0)
    chunked = MODELS.build(cfg.model).cuda().eval()
    assert chunked.test_cfg['max_testing_views'] == 4
    cfg.model.test_cfg = dict(max_testing_views=None)
    cfg.model.data_preprocessor.defer_test = False
    whole = MODELS.build(cfg.model).cuda().eval()
    whole.load_state_dict(chunked.state_dict())
    deferred = chunked.data_preprocessor(batch, training=False)['inputs']
    assert isinstance(deferred, KeypointClips) and deferred.clips.is_cuda
    assert deferred.num_views == 20
    with torch.no_grad():
        scores = [torch.stack([p.pred_score for p in model.test_step(batch)])
                  for model in (chunked, whole, copy.deepcopy(chunked).cpu())]
    scores = [s.cpu() for s in scores]
    assert tuple(scores[0].shape) == (1, 60)
    torch.testing.assert_close(scores[0], scores[1], rtol=0, atol=1e-5)
    torch.testing.assert_close(scores[0], scores[2], rtol=0, atol=1e-4)


def test_device_benchmark_reports_cuda_training_speed(tmp_path):
    bench = load_script('tools/analysis/benchmark_device_heatmaps.py')
    report = bench.main(['--batch', '2', '--repeats', '1', '--iters', '2',
                         '--skip-memory', '--json',
                         str(tmp_path / 'device.json')])
    assert report['device'] == 'cuda'
    for kind in ('joint', 'limb'):
        speed = report['kinds'][kind]['train_speed']
        assert speed['cpu'] > 0 and speed['device'] > 0
        assert speed['ratio'] == pytest.approx(speed['device'] /
                                               speed['cpu'])

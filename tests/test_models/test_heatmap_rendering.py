"""Heatmap volumes rendered with torch equal the CPU transform's."""
import copy

import numpy as np
import pytest
import torch

from mmactx.datasets.transforms import GeneratePoseTarget
from mmactx.models.heatmap_rendering import HeatmapRenderer
from mmactx.testing.poses import HEATMAP_CASES, make_pose_sample, pose_clips

# plus joints and limbs in one volume, mirrored
CASES = list(HEATMAP_CASES) + [dict(with_kp=True, with_limb=True,
                                    double=True)]


def clips_of(samples, persons):
    return torch.from_numpy(pose_clips(samples, persons))


@pytest.mark.parametrize('kwargs', CASES)
def test_batch_matches_the_cpu_transform(kwargs):
    rng = np.random.RandomState(len(kwargs) * 7 + 1)
    # one and two persons in one batch, several spreads
    samples = [make_pose_sample(rng, persons=1 + i % 2, spread=3 + 4 * i)
               for i in range(4)]
    renderer = HeatmapRenderer(**kwargs)
    volume = renderer(clips_of(samples, 2), samples[0]['img_shape'])
    T, V = samples[0]['keypoint'].shape[1:3]
    if kwargs.get('double'):
        volume = torch.cat([volume, renderer.mirror(volume, V)], 2)
    for i, sample in enumerate(samples):
        ref = GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']  # [T', C, H, W]
        out = volume[i].permute(1, 0, 2, 3).numpy()
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-5)
        assert ref.max() > 0.1


def test_nothing_drawn_gives_zeros():
    rng = np.random.RandomState(0)
    sample = make_pose_sample(rng)
    clips = clips_of([sample], 2)
    clips[..., 2] = 0
    for kwargs in (dict(), dict(with_kp=False, with_limb=True)):
        volume = HeatmapRenderer(**kwargs)(clips, sample['img_shape'])
        assert volume.abs().max() == 0


def long_limb_samples(rng, num, frames=16, size=(56, 48)):
    """Joints scattered over the whole frame (long limbs), and a person
    missing from one sample."""
    h, w = size
    samples = []
    for i in range(num):
        persons = 1 if i == 0 else 2
        kp = rng.uniform([0, 0], [w, h], (persons, frames, 17, 2))
        score = rng.uniform(0, 1, (persons, frames, 17))
        samples.append(dict(keypoint=kp.astype(np.float32),
                            keypoint_score=score.astype(np.float32),
                            img_shape=size))
    return samples


@pytest.mark.parametrize('kwargs', [dict(with_kp=False, with_limb=True),
                                    dict(with_limb=True, sigma=1.3)])
def test_long_limbs_match_the_cpu_transform(kwargs):
    rng = np.random.RandomState(21)
    samples = long_limb_samples(rng, 3)
    volume = HeatmapRenderer(**kwargs)(clips_of(samples, 2), (56, 48))
    for i, sample in enumerate(samples):
        ref = GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']
        np.testing.assert_allclose(volume[i].permute(1, 0, 2, 3).numpy(),
                                   ref, rtol=0, atol=1e-5)


def test_device_budgets_give_the_same_volume(monkeypatch):
    """The GPU budget (few limb groups, padded more) renders the volume of
    the CPU one, bit for bit."""
    from mmactx.models import heatmap_rendering
    from mmactx.rendering import rules
    rng = np.random.RandomState(22)
    clips = clips_of(long_limb_samples(rng, 4), 2)
    renderer = HeatmapRenderer(with_kp=False, with_limb=True)
    cpu = renderer(clips, (56, 48))
    monkeypatch.setattr(heatmap_rendering, 'TORCH_CPU_BUDGET',
                        rules.TORCH_GPU_BUDGET)
    torch.testing.assert_close(renderer(clips, (56, 48)), cpu, rtol=0,
                               atol=0)
    assert cpu.max() > 0.5


def test_renderer_and_transform_read_one_spec():
    kwargs = dict(sigma=0.7, with_limb=True, scaling=0.5, double=True)
    assert HeatmapRenderer(**kwargs).spec == GeneratePoseTarget(
        **kwargs).spec
    with pytest.raises(ValueError, match='with_kp and with_limb'):
        HeatmapRenderer(with_kp=False)

"""Heatmap volumes rendered with torch equal the CPU transform's."""
import copy

import numpy as np
import pytest
import torch

from mmactx.datasets.transforms import GeneratePoseTarget
from mmactx.models.heatmap_rendering import HeatmapRenderer
from mmactx.testing.poses import HEATMAP_CASES, make_pose_sample

# plus joints and limbs in one volume, mirrored
CASES = list(HEATMAP_CASES) + [dict(with_kp=True, with_limb=True,
                                    double=True)]


def clips_of(samples, persons):
    """Samples as one [N, persons, T, V, 3] tensor; missing persons are
    padded with NaN coordinates (not drawn)."""
    T, V = samples[0]['keypoint'].shape[1:3]
    clips = torch.full((len(samples), persons, T, V, 3), float('nan'))
    clips[..., 2] = 0
    for i, s in enumerate(samples):
        m = s['keypoint'].shape[0]
        clips[i, :m, ..., :2] = torch.from_numpy(s['keypoint'])
        clips[i, :m, ..., 2] = torch.from_numpy(s['keypoint_score'])
    return clips


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

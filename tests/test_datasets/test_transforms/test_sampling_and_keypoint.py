"""UniformSampleFrames, PoseDecode and PoseCompact against mmaction2."""
import copy
import random

import numpy as np
import pytest
from mmaction.datasets.transforms import pose_transforms as mma

from mmactx.datasets.transforms import (PoseCompact, PoseDecode,
                                        UniformSampleFrames)


@pytest.fixture
def mma_numpy2(monkeypatch):
    """mmaction2 1.2.0's PoseCompact uses np.Inf, removed in numpy 2."""
    monkeypatch.setattr(np, 'Inf', np.inf, raising=False)


def keypoints(rng, persons, frames, zero_frames=()):
    kp = rng.uniform(0, 100, (persons, frames, 17, 2)).astype(np.float32)
    for t in zero_frames:
        kp[:, t] = 0
    return kp


@pytest.mark.parametrize('total', [1, 5, 30, 47, 48, 60, 95, 96, 97, 300])
@pytest.mark.parametrize('num_clips', [1, 3, 10])
@pytest.mark.parametrize('test_mode', [False, True])
def test_uniform_sample_frames_matches(total, num_clips, test_mode):
    rng = np.random.RandomState(total)
    results = dict(
        total_frames=total,
        start_index=0,
        keypoint=keypoints(rng, 2, total, zero_frames=range(0, total, 7)))
    ref_t = mma.UniformSampleFrames(48, num_clips, test_mode=test_mode)
    our_t = UniformSampleFrames(48, num_clips, test_mode=test_mode)
    np.random.seed(7)
    ref = ref_t.transform(copy.deepcopy(results))
    np.random.seed(7)
    ours = our_t.transform(copy.deepcopy(results))
    np.testing.assert_array_equal(ours['frame_inds'], ref['frame_inds'])
    assert ours['frame_inds'].dtype == ref['frame_inds'].dtype
    for key in ('clip_len', 'num_clips', 'frame_interval'):
        assert ours[key] == ref[key]


def test_uniform_sample_test_mode_keeps_global_rng():
    np.random.seed(11)
    expected = np.random.rand()
    np.random.seed(11)
    UniformSampleFrames(48, 10, test_mode=True).transform(
        dict(total_frames=150))
    assert np.random.rand() == expected
    a = UniformSampleFrames(48, 10, test_mode=True).transform(
        dict(total_frames=150))['frame_inds']
    b = UniformSampleFrames(48, 10, test_mode=True).transform(
        dict(total_frames=150))['frame_inds']
    np.testing.assert_array_equal(a, b)


def test_uniform_sample_start_index_and_bad_length():
    out = UniformSampleFrames(4, test_mode=True).transform(
        dict(total_frames=4, start_index=10))
    np.testing.assert_array_equal(out['frame_inds'], [10, 11, 12, 13])
    with pytest.raises(ValueError, match='total_frames=5'):
        UniformSampleFrames(4).transform(
            dict(total_frames=5, keypoint=np.zeros((1, 6, 17, 2))))


def test_pose_decode_matches():
    rng = np.random.RandomState(0)
    results = dict(
        keypoint=keypoints(rng, 2, 20).astype(np.float16),
        keypoint_score=rng.rand(2, 20, 17).astype(np.float16),
        frame_inds=np.array([[3, 1, 19, 0]]),
        offset=0)
    ref = mma.PoseDecode().transform(copy.deepcopy(results))
    ours = PoseDecode().transform(copy.deepcopy(results))
    for key in ('keypoint', 'keypoint_score', 'frame_inds'):
        np.testing.assert_array_equal(ours[key], ref[key])
    assert ours['keypoint'].dtype == np.float32


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(hw_ratio=1., allow_imgpad=True),
    dict(hw_ratio=(0.8, 1.2), allow_imgpad=False),
    dict(padding=0.5, threshold=30),
])
def test_pose_compact_matches(mma_numpy2, kwargs):
    rng = np.random.RandomState(1)
    for trial in range(20):
        persons = 1 + trial % 2
        kp = keypoints(rng, persons, 8)
        kp *= rng.uniform(0.05, 1.5)
        kp[rng.rand(*kp.shape[:-1]) < 0.2] = 0  # missing joints
        kp[0, 0, 0, 0] = np.nan
        results = dict(keypoint=kp, img_shape=(120, 90))
        if trial % 3 == 0:
            results['crop_quadruple'] = (0.1, 0.2, 0.5, 0.5)
        ref = mma.PoseCompact(**kwargs).transform(copy.deepcopy(results))
        ours = PoseCompact(**kwargs).transform(copy.deepcopy(results))
        np.testing.assert_array_equal(ours['keypoint'], ref['keypoint'])
        assert tuple(ours['img_shape']) == tuple(ref['img_shape'])
        np.testing.assert_allclose(
            ours.get('crop_quadruple', (0, 0, 1, 1)),
            ref.get('crop_quadruple', (0, 0, 1, 1)))


def test_pose_compact_by_hand_and_all_missing():
    kp = np.zeros((1, 1, 17, 2), np.float32)
    kp[0, 0, :2] = [(20, 30), (60, 50)]  # box 40 x 20, centre (40, 40)
    out = PoseCompact(padding=0.5, hw_ratio=1.).transform(
        dict(keypoint=kp.copy(), img_shape=(100, 100)))
    # half sides 30 x 15 -> squared to 30 x 30: box [10, 70) x [10, 70)
    assert out['img_shape'] == (60, 60)
    np.testing.assert_array_equal(out['keypoint'][0, 0, :2],
                                  [(10, 20), (50, 40)])
    assert out['keypoint'][0, 0, 2:].max() == 0  # missing joints stay 0
    empty = PoseCompact().transform(
        dict(keypoint=np.zeros((1, 3, 17, 2), np.float32),
             img_shape=(10, 10)))
    assert empty['img_shape'] == (10, 10)


def test_mmaction_pose_compact_breaks_on_numpy2():
    """The upstream bug PoseCompact replaces (np.Inf removed in numpy 2)."""
    if hasattr(np, 'Inf'):
        pytest.skip('numpy < 2 still has np.Inf')
    kp = np.ones((1, 2, 17, 2), np.float32)
    with pytest.raises(AttributeError, match='Inf'):
        mma.PoseCompact().transform(dict(keypoint=kp, img_shape=(10, 10)))


def test_train_pipeline_matches_mmaction(mma_numpy2):
    """The whole published joint train pipeline, same random draws."""
    from mmaction.registry import TRANSFORMS as MMA_T
    from mmengine.dataset import Compose

    from mmactx.registry import TRANSFORMS
    left, right = [1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]
    steps = [
        dict(type='UniformSampleFrames', clip_len=48),
        dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(-1, 64)),
        dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
        dict(type='Resize', scale=(56, 56), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5, left_kp=left, right_kp=right),
        dict(type='GeneratePoseTarget', with_kp=True, with_limb=False),
        dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    ]
    # _scope_ pins each registry: under the mmactx default scope,
    # mmaction's registry would otherwise build mmactx's transforms
    ours = Compose(
        [TRANSFORMS.build(dict(s, _scope_='mmactx')) for s in steps])
    ref = Compose([MMA_T.build(dict(s, _scope_='mmaction')) for s in steps])
    assert type(ref.transforms[0]).__module__.startswith('mmaction.')
    assert type(ours.transforms[0]).__module__.startswith('mmactx.')
    rng = np.random.RandomState(2)
    for trial in range(6):
        total = int(rng.randint(20, 130))
        sample = dict(
            keypoint=(rng.uniform(200, 800, (1, 1, 17, 2)) + rng.normal(
                0, 30, (2, total, 17, 2))).astype(np.float16),
            keypoint_score=rng.rand(2, total, 17).astype(np.float16),
            img_shape=(1080, 1920),
            total_frames=total,
            start_index=0,
            modality='Pose',
            label=1)
        random.seed(trial)
        np.random.seed(trial)
        a = ref(copy.deepcopy(sample))
        random.seed(trial)
        np.random.seed(trial)
        b = ours(copy.deepcopy(sample))
        assert a['imgs'].shape == b['imgs'].shape == (1, 17, 48, 56, 56)
        np.testing.assert_array_equal(a['frame_inds'], b['frame_inds'])
        np.testing.assert_array_equal(a['crop_bbox'], b['crop_bbox'])
        np.testing.assert_allclose(b['imgs'], a['imgs'], rtol=0, atol=1e-5)

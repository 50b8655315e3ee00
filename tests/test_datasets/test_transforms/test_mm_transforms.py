"""Parity of mmactx's MMUniformSampleFrames, MMDecode (poses) and MMCompact
with mmaction2 1.2.0's classes of the same names (``np.Inf`` patched here
only: mmaction2's MMCompact needs it, numpy 2 removed it)."""
import copy

import numpy as np
import pytest
from mmaction.datasets import transforms as mma

from mmactx.datasets.transforms import (MMCompact, MMDecode,
                                        MMUniformSampleFrames)
from mmactx.registry import TRANSFORMS


@pytest.fixture
def np_inf(monkeypatch):
    monkeypatch.setattr(np, 'Inf', np.inf, raising=False)


def pose_record(T: int = 40, M: int = 2, V: int = 17, seed: int = 0,
                img_shape=(1080, 1920)) -> dict:
    """A 2D record in the real format: keypoint [M, T, V, 2] float16
    pixels, keypoint_score [M, T, V] float16, zeros for missing joints."""
    rng = np.random.RandomState(seed)
    h, w = img_shape
    kp = np.stack([rng.uniform(0.3 * w, 0.6 * w, (M, T, V)),
                   rng.uniform(0.2 * h, 0.8 * h, (M, T, V))], -1)
    kp[rng.rand(M, T, V) < 0.1] = 0
    return dict(
        frame_dir='S001C001P001R001A001', label=0, total_frames=T,
        img_shape=img_shape, original_shape=img_shape,
        keypoint=kp.astype(np.float16),
        keypoint_score=rng.rand(M, T, V).astype(np.float16),
        modality='Pose')


@pytest.mark.parametrize('test_mode', [False, True])
@pytest.mark.parametrize('num_clips', [1, 10])
@pytest.mark.parametrize('T', [3, 8, 12, 40, 103])
def test_sampling_parity(T, num_clips, test_mode):
    clip_len = dict(RGB=8, Pose=32)
    ours = MMUniformSampleFrames(clip_len, num_clips, test_mode)
    theirs = mma.MMUniformSampleFrames(clip_len, num_clips, test_mode)
    for trial in range(3):
        np.random.seed(trial)
        got = ours(dict(total_frames=T, modality='RGB'))
        np.random.seed(trial)
        want = theirs(dict(total_frames=T, modality='RGB'))
        assert got.keys() == want.keys()
        for mod, L in clip_len.items():
            key = f'{mod}_inds'
            assert got[key].dtype == want[key].dtype == np.int32
            assert got[key].shape == (num_clips * L, )
            np.testing.assert_array_equal(got[key], want[key])
        for key in ('clip_len', 'frame_interval', 'num_clips', 'modality'):
            assert got[key] == want[key]
        assert got['modality'] == ['RGB', 'Pose']


def test_sampling_test_mode_keeps_global_rng():
    sampler = MMUniformSampleFrames(dict(RGB=8, Pose=32), 10, True)
    np.random.seed(7)
    before = np.random.rand()
    np.random.seed(7)
    first = sampler(dict(total_frames=50, modality=['RGB', 'Pose']))
    assert np.random.rand() == before
    second = sampler(dict(total_frames=50, modality=['RGB', 'Pose']))
    np.testing.assert_array_equal(first['Pose_inds'], second['Pose_inds'])
    # a list of modalities is kept, as mmaction2 does
    assert first['modality'] == ['RGB', 'Pose']


def test_sampling_errors_and_registry():
    with pytest.raises(ValueError, match='dict of frames per modality'):
        MMUniformSampleFrames(8)
    with pytest.raises(ValueError, match='must be positive'):
        MMUniformSampleFrames(dict(RGB=0))
    with pytest.raises(ValueError, match='total_frames=0'):
        MMUniformSampleFrames(dict(RGB=8))(dict(total_frames=0,
                                                frame_dir='x'))
    built = TRANSFORMS.build(
        dict(type='MMUniformSampleFrames', clip_len=dict(RGB=8)))
    assert isinstance(built, MMUniformSampleFrames)
    assert 'RGB' in repr(built)


@pytest.mark.parametrize('with_score', [True, False])
def test_pose_decode_parity(with_score):
    rec = pose_record()
    if not with_score:
        del rec['keypoint_score']
    rec['modality'] = ['Pose']
    rec['Pose_inds'] = np.random.RandomState(0).randint(
        0, 40, (1, 32)).astype(np.int32)
    got = MMDecode()(copy.deepcopy(rec))
    want = mma.MMDecode()(copy.deepcopy(rec))
    for key in ('keypoint', 'keypoint_score', 'Pose_inds'):
        assert got[key].dtype == want[key].dtype
        np.testing.assert_array_equal(got[key], want[key])
    assert got['keypoint'].shape == (2, 32, 17, 2)


def frames_for(T: int, img_shape, seed: int = 0):
    rng = np.random.RandomState(seed)
    return [rng.randint(0, 256, img_shape + (3, ), dtype=np.uint8)
            for _ in range(T)]


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(hw_ratio=None),
    dict(hw_ratio=(0.8, 1.5), padding=0.5),
    dict(allow_imgpad=False),
    dict(padding=0.),
])
@pytest.mark.parametrize('case', ['middle', 'edge', 'tiny', 'empty', 'nan'])
def test_compact_parity(np_inf, kwargs, case):
    h, w = 120, 160
    rng = np.random.RandomState(1)
    kp = np.stack([rng.uniform(40, 110, (2, 6, 5)),
                   rng.uniform(30, 90, (2, 6, 5))], -1).astype(np.float32)
    if case == 'edge':  # the padded box leaves the image
        kp[..., 0] += 45
        kp[..., 1] -= 28
    elif case == 'tiny':
        kp = 50 + kp / 20
    elif case == 'empty':
        kp[:] = 0
    elif case == 'nan':
        kp[0, 1] = np.nan
        kp[1, :, 2] = 0
    rec = dict(imgs=frames_for(6, (h, w)), keypoint=kp, img_shape=(h, w))
    got = MMCompact(**kwargs)(copy.deepcopy(rec))
    want = mma.MMCompact(**kwargs)(copy.deepcopy(rec))
    assert got['img_shape'] == want['img_shape']
    np.testing.assert_array_equal(got['keypoint'], want['keypoint'])
    assert len(got['imgs']) == len(want['imgs'])
    for a, b in zip(got['imgs'], want['imgs']):
        assert a.shape == b.shape == tuple(got['img_shape']) + (3, )
        np.testing.assert_array_equal(a, b)
    if case == 'edge' and not kwargs:
        # the part of the box outside the image is black
        assert (got['imgs'][0][0] == 0).all()
        assert (got['imgs'][0][:, -1] == 0).all()


def test_compact_errors_and_repr():
    with pytest.raises(ValueError, match='padding must be >= 0'):
        MMCompact(padding=-1)
    assert 'hw_ratio=(1, 1)' in repr(MMCompact())
    built = TRANSFORMS.build(dict(type='MMCompact', hw_ratio=None))
    assert isinstance(built, MMCompact) and built.hw_ratio is None

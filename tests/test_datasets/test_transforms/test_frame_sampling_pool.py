"""PoolSampleFrames: CTR-GCN's NW-UCLA frame indices, by hand and by
frequency."""
import itertools

import numpy as np
import pytest

from mmactx.datasets.transforms import PoolSampleFrames
from mmactx.registry import TRANSFORMS


def counts(sampler, frames, draws):
    """How often each frame index was drawn, [draws, frames]."""
    return np.stack([np.bincount(sampler.sample(frames), minlength=frames)
                     for _ in range(draws)])


@pytest.mark.parametrize('frames,expected', [
    (3, [0, 0, 1, 1, 2]),  # linspace(0, 2, 5) = 0, .5, 1, 1.5, 2
    (1, [0, 0, 0, 0, 0]),
    (5, [0, 1, 2, 3, 4]),
    (11, [0, 2, 5, 7, 10]),  # 0, 2.5, 5, 7.5, 10
])
def test_test_mode_is_the_truncated_linspace(frames, expected):
    t = PoolSampleFrames(clip_len=5, test_mode=True)
    np.testing.assert_array_equal(t.sample(frames), expected)


def test_test_mode_52_frames():
    t = PoolSampleFrames(test_mode=True)
    np.testing.assert_array_equal(t.sample(52), np.arange(52))
    inds = t.sample(100)
    assert inds[0] == 0 and inds[-1] == 99 and inds[1] == 1  # 99/51 = 1.94
    np.testing.assert_array_equal(inds, (np.arange(52) * 99 / 51).astype(
        int))
    # deterministic, and the global generator is not touched
    state = np.random.get_state()[1].copy()
    np.testing.assert_array_equal(t.sample(100), inds)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_train_by_hand():
    # one copy of each of 3 frames, 3 draws: always every frame once
    t = PoolSampleFrames(clip_len=3, copies=1)
    np.random.seed(0)
    for _ in range(20):
        np.testing.assert_array_equal(t.sample(3), [0, 1, 2])
    # pool 0, 1, 0, 1; 3 draws leave out one entry: {0, 0, 1} or {0, 1, 1},
    # each with probability 1/2, never three of one frame
    t = PoolSampleFrames(clip_len=3, copies=2)
    seen = [tuple(t.sample(2)) for _ in range(2000)]
    assert set(seen) == {(0, 0, 1), (0, 1, 1)}
    assert abs(seen.count((0, 0, 1)) / 2000 - 0.5) < 0.05
    # a one-frame clip repeats its frame
    np.testing.assert_array_equal(PoolSampleFrames().sample(1),
                                  np.zeros(52))


def test_train_draws_from_the_global_generator():
    t = PoolSampleFrames()
    np.random.seed(4)
    inds = t.sample(30)
    np.random.seed(4)
    np.testing.assert_array_equal(
        inds, np.sort(np.random.choice(3000, 52, replace=False) % 30))


def test_train_short_clip_repeats_frames():
    """T = 10 < 52: every frame is drawn 5.2 times on average."""
    np.random.seed(1)
    c = counts(PoolSampleFrames(), 10, 2000)
    assert (c.sum(1) == 52).all()
    np.testing.assert_allclose(c.mean(0), 5.2, rtol=0.03)
    # a frame is left out of a draw now and then (about 4 % of the draws)
    assert 0 < (c.min(1) == 0).mean() < 0.1


def test_train_long_clip_skips_and_may_repeat_frames():
    """T = 200 > 52: each frame 0.26 times on average; some draws repeat a
    frame (the pool has 100 copies of each)."""
    np.random.seed(2)
    c = counts(PoolSampleFrames(), 200, 3000)
    np.testing.assert_allclose(c.mean(0), 0.26, rtol=0.15)
    assert (c.max(1) >= 2).mean() > 0.9  # most draws repeat some frame


def test_train_indices_are_sorted_and_in_range():
    t = PoolSampleFrames(clip_len=52)
    np.random.seed(3)
    for frames in (1, 2, 51, 52, 53, 201):
        inds = t.sample(frames)
        assert inds.shape == (52, )
        assert (np.diff(inds) >= 0).all()
        assert 0 <= inds.min() and inds.max() < frames


def test_copies_cap_the_repeats():
    # 2 frames x 30 copies, 52 draws: each frame between 22 and 30 times
    t = PoolSampleFrames(clip_len=52, copies=30)
    np.random.seed(5)
    c = counts(t, 2, 500)
    assert ((c >= 22) & (c <= 30)).all()
    np.testing.assert_allclose(c.mean(0), 26, rtol=0.02)


def test_transform_keys_and_start_index():
    kp = np.zeros((1, 7, 20, 3), np.float32)
    out = PoolSampleFrames(clip_len=4, test_mode=True).transform(
        dict(keypoint=kp, total_frames=7, start_index=2))
    np.testing.assert_array_equal(out['frame_inds'], [2, 4, 6, 8])
    assert out['frame_inds'].dtype == np.int32
    assert (out['clip_len'], out['num_clips'], out['frame_interval']) == (
        4, 1, None)


def test_registry_build_and_repr():
    t = TRANSFORMS.build(dict(type='PoolSampleFrames', test_mode=True))
    assert isinstance(t, PoolSampleFrames)
    assert repr(t) == ('PoolSampleFrames(clip_len=52, copies=100, '
                       'test_mode=True)')


@pytest.mark.parametrize('clip_len,copies', itertools.product([0, 5],
                                                              [0, 2]))
def test_bad_arguments(clip_len, copies):
    if clip_len and copies:
        PoolSampleFrames(clip_len, copies)
        return
    with pytest.raises(ValueError, match='must be positive'):
        PoolSampleFrames(clip_len, copies)


def test_bad_inputs():
    with pytest.raises(ValueError, match='fewer than clip_len=5'):
        PoolSampleFrames(clip_len=5, copies=2).sample(2)
    with pytest.raises(ValueError, match='at least one frame'):
        PoolSampleFrames(test_mode=True).sample(0)
    with pytest.raises(ValueError, match=r"total_frames=5 but keypoint "
                       r".*frame_dir='x'"):
        PoolSampleFrames().transform(dict(
            keypoint=np.ones((1, 4, 20, 3)), total_frames=5, frame_dir='x'))

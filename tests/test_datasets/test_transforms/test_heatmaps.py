"""GeneratePoseTarget against mmaction2 1.2.0's on randomised inputs."""
import copy
import warnings

import numpy as np
import pytest
from mmaction.datasets.transforms import pose_transforms as mma

from mmactx.datasets.transforms import GeneratePoseTarget, heatmaps
from mmactx.testing.poses import HEATMAP_CASES as CASES
from mmactx.testing.poses import make_pose_sample as make_sample


@pytest.mark.parametrize('persons', [1, 2])
@pytest.mark.parametrize('kwargs', CASES)
def test_matches_mmaction(kwargs, persons):
    rng = np.random.RandomState(persons * 100 + len(CASES))
    for trial in range(3):
        sample = make_sample(rng, persons=persons, spread=3 + 6 * trial)
        ref = mma.GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']
        out = GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']
        assert out.dtype == np.float32
        assert out.shape == ref.shape
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-5)
        assert ref.max() > 0.1  # the case actually drew something


def test_without_scores_equals_use_score_false():
    rng = np.random.RandomState(3)
    sample = make_sample(rng)
    no_score = {k: v for k, v in sample.items() if k != 'keypoint_score'}
    a = GeneratePoseTarget().transform(copy.deepcopy(no_score))['imgs']
    b = GeneratePoseTarget(use_score=False).transform(
        copy.deepcopy(sample))['imgs']
    np.testing.assert_array_equal(a, b)


def test_joint_and_limb_channels_are_stacked():
    rng = np.random.RandomState(4)
    sample = make_sample(rng)
    both = GeneratePoseTarget(with_kp=True, with_limb=True).transform(
        copy.deepcopy(sample))['imgs']
    kp = GeneratePoseTarget().transform(copy.deepcopy(sample))['imgs']
    limb = GeneratePoseTarget(with_kp=False, with_limb=True).transform(
        copy.deepcopy(sample))['imgs']
    assert both.shape[1] == 34
    np.testing.assert_array_equal(both[:, :17], kp)
    np.testing.assert_array_equal(both[:, 17:], limb)


def test_single_joint_values_by_hand():
    kp = np.zeros((1, 1, 17, 2), np.float32)
    kp[0, 0, 0] = (5.0, 4.0)
    score = np.zeros((1, 1, 17), np.float32)
    score[0, 0, 0] = 0.5
    out = GeneratePoseTarget(sigma=1.0).transform(
        dict(keypoint=kp, keypoint_score=score, img_shape=(10, 10)))['imgs']
    hm = out[0, 0]
    assert hm[4, 5] == pytest.approx(0.5)
    assert hm[4, 6] == pytest.approx(0.5 * np.exp(-0.5), rel=1e-6)
    # the window is [int(5 - 3), int(5 + 3) + 1) = [2, 9): column 9 is 0
    assert hm[4, 8] > 0 and hm[4, 9] == 0 and hm[4, 1] == 0
    assert out[0, 1:].max() == 0  # joints with score 0 are not drawn


def test_heatmap_key_when_imgs_exist():
    rng = np.random.RandomState(5)
    sample = make_sample(rng)
    sample['imgs'] = np.zeros(1)
    out = GeneratePoseTarget().transform(sample)
    assert out['heatmap_imgs'].shape == (12, 17, 56, 48)


def test_rejects_nothing_to_draw():
    with pytest.raises(ValueError, match='with_kp and with_limb'):
        GeneratePoseTarget(with_kp=False, with_limb=False)


@pytest.mark.parametrize('with_kp,with_limb', [(True, False),
                                               (False, True)])
def test_non_finite_coordinates_are_not_drawn(with_kp, with_limb):
    """Like joints with score 0 (and the limbs they end)."""
    rng = np.random.RandomState(6)
    sample = make_sample(rng, persons=2)
    gone = rng.rand(*sample['keypoint_score'].shape) < 0.3
    broken = copy.deepcopy(sample)
    broken['keypoint'][gone] = [np.nan, np.inf]
    silent = copy.deepcopy(sample)
    silent['keypoint_score'][gone] = 0
    transform = GeneratePoseTarget(with_kp=with_kp, with_limb=with_limb)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no invalid casts of NaN
        out = transform.transform(broken)['imgs']
    np.testing.assert_array_equal(out, transform.transform(silent)['imgs'])
    assert out.max() > 0.1


def test_limb_groups_and_chunks_do_not_change_the_volume(monkeypatch):
    """Limbs are rendered in size groups and chunks; any split gives the
    same volume."""
    rng = np.random.RandomState(7)
    sample = make_sample(rng, persons=2, spread=9)
    transform = GeneratePoseTarget(with_kp=False, with_limb=True)
    whole = transform.transform(copy.deepcopy(sample))['imgs']
    monkeypatch.setattr(heatmaps, 'size_splits', lambda n: 5)
    monkeypatch.setattr(heatmaps, '_CHUNK_ELEMENTS', 100)
    split = transform.transform(copy.deepcopy(sample))['imgs']
    np.testing.assert_array_equal(split, whole)
    assert whole.max() > 0.1

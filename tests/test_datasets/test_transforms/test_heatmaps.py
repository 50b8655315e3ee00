"""GeneratePoseTarget against mmaction2 1.2.0's on randomised inputs."""
import copy
import warnings

import numpy as np
import pytest
from mmaction.datasets.transforms import pose_transforms as mma

from mmactx.datasets.transforms import GeneratePoseTarget, heatmaps
from mmactx.rendering import rules
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


# The shared rules (mmactx.rendering) seen through the numpy transform.


def spread_sample(rng, persons=2, frames=24, size=(56, 56)):
    """Joints scattered over the whole frame: long limbs."""
    h, w = size
    return dict(
        keypoint=rng.uniform([0, 0], [w, h],
                             (persons, frames, 17, 2)).astype(np.float32),
        keypoint_score=rng.uniform(0.2, 1, (persons, frames,
                                            17)).astype(np.float32),
        img_shape=size)


@pytest.mark.parametrize('sigma', [0.6, 1.3])
def test_long_limbs_match_mmaction(sigma):
    rng = np.random.RandomState(11)
    kwargs = dict(with_kp=False, with_limb=True, sigma=sigma)
    for persons in (1, 2):
        sample = spread_sample(rng, persons)
        ref = mma.GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']
        out = GeneratePoseTarget(**kwargs).transform(
            copy.deepcopy(sample))['imgs']
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-5)
        # where mmaction2's Gaussian underflows: at most the exp floor
        assert out[ref == 0].max() <= np.exp(rules.EXP_FLOOR) * 1.0001


@pytest.mark.parametrize('budget', [(1 << 20, 0., 8), (1 << 20, 1e12, 8),
                                    (64, 1e4, 1), (5000, 0., 2)])
def test_limb_group_rules_do_not_change_the_volume(monkeypatch, budget):
    """Any chunk size, group cost and bound on the size classes gives the
    same volume."""
    rng = np.random.RandomState(12)
    sample = spread_sample(rng)
    transform = GeneratePoseTarget(with_kp=False, with_limb=True)
    whole = transform.transform(copy.deepcopy(sample))['imgs']
    chunk, cost, classes = budget
    monkeypatch.setattr(heatmaps, '_CHUNK_ELEMENTS', chunk)
    monkeypatch.setattr(heatmaps, 'NUMPY_BUDGET',
                        rules.RenderBudget(chunk, cost))
    monkeypatch.setattr(heatmaps, 'size_splits', lambda n: classes)
    split = transform.transform(copy.deepcopy(sample))['imgs']
    np.testing.assert_array_equal(split, whole)


def test_limb_groups_cover_every_window_once_with_little_padding():
    rng = np.random.RandomState(13)
    heights = np.concatenate([rng.randint(4, 12, 800),
                              rng.randint(4, 57, 800)])
    widths = np.concatenate([rng.randint(4, 12, 800),
                             rng.randint(4, 57, 800)])
    heights[:5] = 0  # empty windows are not drawn
    counts = np.zeros((57, 57), np.int64)
    np.add.at(counts, (heights, widths), 1)
    for cost, classes in ((1e4, 8), (0., 8), (1e4, 2), (1e12, 8)):
        plan = rules.plan_limb_groups(counts, cost, classes)
        group = plan.table[heights, widths]
        assert (group[:5] == len(plan.sizes)).all()
        drawn = group[5:]
        assert np.bincount(drawn, minlength=len(plan.sizes)).tolist() == \
            list(plan.counts)
        size = np.array(plan.sizes)[drawn]
        assert (size[:, 0] >= heights[5:]).all()
        assert (size[:, 1] >= widths[5:]).all()
        # every patch is as small as its group allows
        for g, (ph, pw) in enumerate(plan.sizes):
            assert ph == heights[5:][drawn == g].max()
            assert pw == widths[5:][drawn == g].max()
        assert len(plan.sizes) <= classes**2
        padded = (size[:, 0] * size[:, 1]).sum()
        pixels = (heights[5:] * widths[5:]).sum()
        if cost == 1e4 and classes == 8:
            assert padded < 1.7 * pixels
        if cost == 1e12:  # one group, padded to the largest window
            assert plan.sizes == ((56, 56), )


def test_joint_patch_holds_every_joint_window():
    rng = np.random.RandomState(14)
    for sigma in (0.3, 0.5, 0.6, 1.0, 1.3, 2.5):
        x = rng.uniform(-10, 70, 100000).astype(np.float32)
        first, last = rules.window(x, x, sigma, 56)
        drawn = last >= first
        widest = int((last - first)[drawn].max()) + 1
        assert widest <= rules.joint_patch_size(sigma, 56)


def test_exp_floor_inside_the_window_and_zero_outside():
    """A long diagonal limb: its window's far corners hold the floor (not
    mmaction2's smaller values), pixels outside the window stay 0."""
    kp = np.zeros((1, 1, 17, 2), np.float32)
    kp[0, 0, 0] = (5.2, 5.3)
    kp[0, 0, 1] = (40.6, 42.1)
    transform = GeneratePoseTarget(with_kp=False, with_limb=True,
                                   skeletons=((0, 1), ), left_limb=(),
                                   right_limb=())
    out = transform.transform(dict(keypoint=kp, img_shape=(48, 50)))['imgs']
    hm = out[0, 0]
    # window [int(5.2 - 1.8), int(40.6 + 1.8) + 1) x [3, 44)
    assert hm[3:44, 3:43].min() == pytest.approx(np.exp(rules.EXP_FLOOR),
                                                 rel=1e-5)
    assert hm[3:44, 3:43].max() > 0.9
    hm[3:44, 3:43] = 0
    assert not hm.any()


def test_transform_and_spec_share_the_arguments():
    transform = GeneratePoseTarget(sigma=0.7, with_limb=True, double=True)
    assert transform.spec == rules.HeatmapSpec(sigma=0.7, with_limb=True,
                                               double=True)
    assert (transform.sigma, transform.eps) == (0.7, rules.EPS)
    assert transform.left_limb == (0, 2, 4, 5, 6, 10, 11, 12)  # mmaction2's
    with pytest.raises(AttributeError):
        transform.sigma = 1.

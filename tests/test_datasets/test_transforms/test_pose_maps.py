"""IntegralAction's pose maps (joint heatmaps + PAFs) on hand-made cases,
numpy against torch, the flip, and the ``GeneratePoseMaps`` transform.

Most cases use ``img_shape`` = the grid (56 x 56), so that a pixel
coordinate is a grid coordinate, and keypoints on cell centres
(``j + 0.5``).
"""
import math

import numpy as np
import pytest
import torch
from mmengine.dataset import Compose

from mmactx.datasets.transforms import GeneratePoseMaps
from mmactx.registry import TRANSFORMS
from mmactx.rendering import (PoseMapSpec, flip_pose_maps, pose_maps,
                              render_pose_maps)
from mmactx.skeletons import NTU25, OPENPOSE18, SkeletonLayout

GRID = 56
J = OPENPOSE18.num_joints
LIMBS = OPENPOSE18.limbs
SPEC = PoseMapSpec('openpose', img_shape=(GRID, GRID))


def joint(name: str) -> int:
    return OPENPOSE18.joints.index(name)


def limb(a: str, b: str) -> int:
    """Index in ``OPENPOSE18.limbs`` of the limb (a, b)."""
    return LIMBS.index((joint(a), joint(b)))


WRIST, ELBOW, SHOULDER = (joint('right_wrist'), joint('right_elbow'),
                          joint('right_shoulder'))
FOREARM = limb('right_wrist', 'right_elbow')
UPPER_ARM = limb('right_elbow', 'right_shoulder')


def paf_x(maps: np.ndarray, index: int) -> np.ndarray:
    return maps[..., J + 2 * index, :, :]


def paf_y(maps: np.ndarray, index: int) -> np.ndarray:
    return maps[..., J + 2 * index + 1, :, :]


def empty(frames: int = 1, persons: int = 1, joints: int = J) -> np.ndarray:
    """[T, P, J, 3] keypoints with every score 0."""
    return np.zeros((frames, persons, joints, 3), np.float32)


def put(kp: np.ndarray, person: int, index: int, x: float, y: float,
        score: float = 1.) -> None:
    kp[:, person, index] = (x, y, score)


def band(row_lo: int, row_hi: int, col_lo: int, col_hi: int) -> np.ndarray:
    """Bool [GRID, GRID], True on rows/columns [lo, hi] (inclusive)."""
    mask = np.zeros((GRID, GRID), bool)
    mask[row_lo:row_hi + 1, col_lo:col_hi + 1] = True
    return mask


# -------------------------------------------------------------- hand-made


def test_horizontal_limb():
    kp = empty()
    # the wrist at cell (row 20, column 10), the elbow at column 30
    put(kp, 0, WRIST, 10.5, 20.5)
    put(kp, 0, ELBOW, 30.5, 20.5)
    maps = render_pose_maps(kp, SPEC)[0]
    assert maps.shape == (52, GRID, GRID) and maps.dtype == np.float32
    # band of half-width 1: rows 19..21 (distance exactly 1 included);
    # projection in [0, 20]: columns 10..30, the ends' cells included
    inside = band(19, 21, 10, 30)
    np.testing.assert_array_equal(paf_x(maps, FOREARM), inside)
    np.testing.assert_array_equal(paf_y(maps, FOREARM), 0)
    assert paf_x(maps, FOREARM)[20, 9] == 0
    assert paf_x(maps, FOREARM)[20, 31] == 0
    assert paf_x(maps, FOREARM)[18, 20] == 0
    assert paf_x(maps, FOREARM)[22, 20] == 0
    # the other limbs have a score-0 end: nothing
    others = [J + 2 * i + c for i in range(len(LIMBS)) if i != FOREARM
              for c in (0, 1)]
    np.testing.assert_array_equal(maps[others], 0)
    # Gaussians of sigma 0.5 at the two joints, exp(-d^2 / (2 * 0.25))
    wrist = maps[WRIST]
    assert wrist[20, 10] == 1
    assert wrist[20, 11] == pytest.approx(math.exp(-2), rel=1e-6)
    assert wrist[21, 11] == pytest.approx(math.exp(-4), rel=1e-6)
    assert wrist.argmax() == 20 * GRID + 10
    assert maps[ELBOW][20, 30] == 1
    drawn = {WRIST, ELBOW}
    np.testing.assert_array_equal(
        maps[[j for j in range(J) if j not in drawn]], 0)


def test_reversed_and_vertical_limbs():
    kp = empty()
    # wrist -> elbow points to -x
    put(kp, 0, WRIST, 30.5, 20.5)
    put(kp, 0, ELBOW, 10.5, 20.5)
    # elbow -> shoulder points down (+y, image rows)
    put(kp, 0, SHOULDER, 10.5, 40.5)
    maps = render_pose_maps(kp, SPEC)[0]
    np.testing.assert_array_equal(paf_x(maps, FOREARM),
                                  -band(19, 21, 10, 30).astype(np.float32))
    np.testing.assert_array_equal(paf_y(maps, UPPER_ARM),
                                  band(20, 40, 9, 11))
    np.testing.assert_array_equal(paf_x(maps, UPPER_ARM), 0)


def test_diagonal_limb_unit_vectors():
    kp = empty()
    put(kp, 0, WRIST, 10.5, 10.5)
    put(kp, 0, ELBOW, 30.5, 25.5)  # (20, 15): length 25
    maps = render_pose_maps(kp, SPEC)[0]
    vx, vy = paf_x(maps, FOREARM), paf_y(maps, FOREARM)
    inside = (vx != 0) | (vy != 0)
    np.testing.assert_allclose(vx[inside], 0.8, rtol=1e-6)
    np.testing.assert_allclose(vy[inside], 0.6, rtol=1e-6)
    # the band by definition, cell by cell, in exact integers: with
    # v = (4, 3) / 5, 5 * projection = 4 px + 3 py and 5 * distance =
    # |4 py - 3 px|; cells at distance exactly 1 are inside
    rows, cols = np.mgrid[:GRID, :GRID]
    px, py = cols - 10, rows - 10
    proj5, perp5 = 4 * px + 3 * py, 4 * py - 3 * px
    expected = (np.abs(perp5) <= 5) & (proj5 >= 0) & (proj5 <= 125)
    assert (expected & (np.abs(perp5) == 5)).sum() > 5
    np.testing.assert_array_equal(inside, expected)


def test_limbs_across_and_outside_the_grid():
    kp = empty(persons=2)
    # across the whole grid and beyond both edges: every column
    put(kp, 0, WRIST, -20.5, 20.5)
    put(kp, 0, ELBOW, 80.5, 20.5)
    # up from row 50 through the top edge
    put(kp, 1, WRIST, 40.5, 50.5)
    put(kp, 1, ELBOW, 40.5, -7.5)
    # above the grid: no PAF, no Gaussian
    put(kp, 1, SHOULDER, 60.5, -7.5)
    maps = render_pose_maps(kp, SPEC)[0]
    horizontal, vertical = band(19, 21, 0, GRID - 1), band(0, 50, 39, 41)
    both = horizontal & vertical
    np.testing.assert_array_equal(
        paf_x(maps, FOREARM),
        np.where(both, 0.5, horizontal.astype(np.float32)))
    np.testing.assert_array_equal(
        paf_y(maps, FOREARM),
        np.where(both, -0.5, -vertical.astype(np.float32)))
    np.testing.assert_array_equal(maps[SHOULDER], 0)
    np.testing.assert_array_equal(paf_x(maps, UPPER_ARM), 0)
    np.testing.assert_array_equal(paf_y(maps, UPPER_ARM), 0)
    # the Gaussians of the joints off the grid are all 0 (exp underflows)
    assert maps[ELBOW].max() == 0 and maps[WRIST].max() == 1
    assert maps[WRIST, 50, 40] == 1


def test_zero_length_limb_draws_no_paf():
    kp = empty()
    put(kp, 0, WRIST, 20.5, 20.5)
    put(kp, 0, ELBOW, 20.5, 20.5)
    maps = render_pose_maps(kp, SPEC)[0]
    np.testing.assert_array_equal(maps[J:], 0)
    assert maps[WRIST, 20, 20] == 1 and maps[ELBOW, 20, 20] == 1


def test_two_overlapping_persons():
    kp = empty(persons=2)
    # the same joint at the same place: 2 -> clipped at 1; its neighbours
    # sum, 2 exp(-2) < 1
    put(kp, 0, SHOULDER, 40.5, 40.5)
    put(kp, 1, SHOULDER, 40.5, 40.5)
    # person 0: wrist -> elbow along +x on row 20; person 1 along -x on the
    # same segment: the vectors cancel
    put(kp, 0, WRIST, 10.5, 20.5)
    put(kp, 0, ELBOW, 30.5, 20.5)
    put(kp, 1, WRIST, 30.5, 20.5)
    put(kp, 1, ELBOW, 10.5, 20.5)
    maps = render_pose_maps(kp, SPEC)[0]
    assert maps[SHOULDER, 40, 40] == 1
    assert maps[SHOULDER, 40, 41] == pytest.approx(2 * math.exp(-2),
                                                   rel=1e-6)
    assert maps[:J].max() == 1
    # the two wrists' Gaussians do not overlap: each peaks at 1
    assert maps[WRIST, 20, 10] == 1 and maps[WRIST, 20, 30] == 1
    np.testing.assert_array_equal(paf_x(maps, FOREARM), 0)
    np.testing.assert_array_equal(paf_y(maps, FOREARM), 0)

    # the same direction: the average of two unit vectors stays unit
    put(kp, 1, WRIST, 10.5, 20.5)
    put(kp, 1, ELBOW, 30.5, 20.5)
    maps = render_pose_maps(kp, SPEC)[0]
    np.testing.assert_array_equal(paf_x(maps, FOREARM), band(19, 21, 10, 30))

    # crossing: +x on row 20 and +y on column 20 -> (0.5, 0.5) where both
    # bands cover a cell, the single vector elsewhere
    put(kp, 1, WRIST, 20.5, 5.5)
    put(kp, 1, ELBOW, 20.5, 35.5)
    maps = render_pose_maps(kp, SPEC)[0]
    horizontal, vertical = band(19, 21, 10, 30), band(5, 35, 19, 21)
    both = horizontal & vertical
    expected_x = np.where(both, 0.5, horizontal.astype(np.float32))
    expected_y = np.where(both, 0.5, vertical.astype(np.float32))
    np.testing.assert_array_equal(paf_x(maps, FOREARM), expected_x)
    np.testing.assert_array_equal(paf_y(maps, FOREARM), expected_y)


def test_score_thresholds():
    kp = empty()
    put(kp, 0, WRIST, 10.5, 20.5, 0.1)  # <= 0.1: no Gaussian
    put(kp, 0, ELBOW, 30.5, 20.5, 0.11)  # > 0.1: full Gaussian (peak 1)
    put(kp, 0, SHOULDER, 30.5, 40.5, 0.09)
    maps = render_pose_maps(kp, SPEC)[0]
    np.testing.assert_array_equal(maps[WRIST], 0)
    np.testing.assert_array_equal(maps[SHOULDER], 0)
    assert maps[ELBOW, 20, 30] == 1
    # limbs need both ends >= 0.1: 0.1 and 0.11 draw, 0.11 and 0.09 do not
    np.testing.assert_array_equal(paf_x(maps, FOREARM), band(19, 21, 10, 30))
    np.testing.assert_array_equal(paf_y(maps, UPPER_ARM), 0)
    # another threshold
    maps = render_pose_maps(kp, PoseMapSpec('openpose', (GRID, GRID),
                                            score_thr=0.05))[0]
    assert maps[WRIST, 20, 10] == 1 and maps[SHOULDER, 40, 30] == 1
    assert paf_y(maps, UPPER_ARM)[30, 30] == 1


def test_top_k_by_mean_score():
    # 7 persons, each one wrist at its own column, and the other joints'
    # scores setting the mean score (the wrist's own score is 1)
    kp = empty(frames=2, persons=7)
    means = [0.3, 0.9, 0.5, 0.5, 0.2, 0.8, 0.5]
    for p, mean in enumerate(means):
        kp[:, p, :, 2] = (mean * J - 1) / (J - 1)
        put(kp, p, WRIST, 4.5 + 6 * p, 10.5)
    # frame 1 reverses the order of the persons
    kp[1] = kp[1, ::-1]
    maps = render_pose_maps(kp, SPEC)
    drawn = maps[:, WRIST, 10, 4::6][:, :7] == 1
    # (columns are the persons of frame 0) kept: 0.9, 0.8 and the three
    # tied at 0.5; 0.3 and 0.2 go, in either order
    np.testing.assert_array_equal(drawn[0], [0, 1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(drawn[1], [0, 1, 1, 1, 0, 1, 1])
    # ties go to the lower index: top 4 keeps persons 2 and 3 of the three
    # tied at 0.5, not person 6
    spec = PoseMapSpec('openpose', (GRID, GRID), top_k=4)
    drawn = render_pose_maps(kp, spec)[:, WRIST, 10, 4::6][:, :7] == 1
    np.testing.assert_array_equal(drawn[0], [0, 1, 1, 1, 0, 1, 0])
    # frame 1: indices reversed, so the tied persons 6, 3 and 2 of frame 0
    # are there 0, 3 and 4: 6 and 3 are kept
    np.testing.assert_array_equal(drawn[1], [0, 1, 0, 1, 0, 1, 1])
    # top_k None keeps everyone
    spec = PoseMapSpec('openpose', (GRID, GRID), top_k=None)
    drawn = render_pose_maps(kp, spec)[:, WRIST, 10, 4::6][:, :7] == 1
    assert drawn.all()


def test_nan_and_padded_persons():
    kp = empty(persons=4)
    put(kp, 0, WRIST, 10.5, 20.5)
    put(kp, 0, ELBOW, 30.5, 20.5)
    reference = render_pose_maps(kp[:, :1], SPEC)
    # person 1: NaN coordinates with score 1; person 2: padding (zeros);
    # person 3: an inf coordinate and a NaN score
    kp[:, 1, :, :2] = np.nan
    kp[:, 1, :, 2] = 1
    kp[:, 3, :, :] = (np.inf, 5.5, 1.)
    kp[:, 3, WRIST] = (40.5, 40.5, np.nan)
    maps = render_pose_maps(kp, SPEC)
    assert np.isfinite(maps).all()
    np.testing.assert_array_equal(maps, reference)
    # absent persons do not take a top-k slot from a real one
    spec = PoseMapSpec('openpose', (GRID, GRID), top_k=1)
    np.testing.assert_array_equal(render_pose_maps(kp[:, ::-1], spec),
                                  reference)


def test_grid_scaling_from_the_image():
    # a 224 x 224 image: x * 56 / 224; 42 px -> 10.5 cells
    kp = empty()
    put(kp, 0, WRIST, 42., 82.)
    put(kp, 0, ELBOW, 122., 82.)
    maps = render_pose_maps(kp, PoseMapSpec('openpose', (224, 224)))[0]
    assert maps[WRIST, 20, 10] == 1 and maps[ELBOW, 20, 30] == 1
    np.testing.assert_array_equal(paf_x(maps, FOREARM), band(19, 21, 10, 30))
    # non-square images scale x and y separately
    kp[..., 0] *= 2
    maps = render_pose_maps(kp, PoseMapSpec('openpose', (224, 448)))[0]
    np.testing.assert_array_equal(paf_x(maps, FOREARM), band(19, 21, 10, 30))


def test_channels_and_shapes():
    assert PoseMapSpec('openpose').num_channels == 18 + 2 * 17 == 52
    assert PoseMapSpec(NTU25).num_channels == 25 + 2 * 24 == 73
    rng = np.random.default_rng(0)
    clip = random_keypoints(rng, (3, 2), NTU25.num_joints)
    maps = render_pose_maps(clip, PoseMapSpec('nturgb+d'))
    assert maps.shape == (3, 73, 56, 56) and maps.dtype == np.float32
    batch = torch.from_numpy(random_keypoints(rng, (2, 4, 6), J))
    maps = render_pose_maps(batch, PoseMapSpec())
    assert maps.shape == (2, 4, 52, 56, 56) and maps.dtype == torch.float32
    spec = PoseMapSpec(grid=(28, 40))
    assert render_pose_maps(batch, spec).shape == (2, 4, 52, 28, 40)
    # no persons, no frames
    assert not render_pose_maps(np.zeros((2, 0, J, 3)), SPEC).any()
    assert render_pose_maps(np.zeros((0, 3, J, 3)), SPEC).shape == (
        0, 52, 56, 56)


def test_invalid_inputs():
    with pytest.raises(ValueError, match=r'\[\.\.\., T, P, J, 3\]'):
        render_pose_maps(np.zeros((2, 1, J, 2)), SPEC)
    with pytest.raises(ValueError, match=r'\[\.\.\., T, P, J, 3\]'):
        render_pose_maps(np.zeros((1, J, 3)), SPEC)
    with pytest.raises(ValueError, match='have 17 joints, layout '
                       "'openpose' has 18"):
        render_pose_maps(np.zeros((2, 1, 17, 3)), SPEC)
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        PoseMapSpec('body25')
    with pytest.raises(TypeError, match='layout must be'):
        PoseMapSpec(3)
    with pytest.raises(ValueError, match='top_k must be'):
        PoseMapSpec(top_k=0)
    with pytest.raises(ValueError, match='grid must be positive'):
        PoseMapSpec(grid=0)
    with pytest.raises(ValueError, match='img_shape must be'):
        PoseMapSpec(img_shape=(224, 0))
    with pytest.raises(ValueError, match='sigma and paf_sigma'):
        PoseMapSpec(sigma=0)


# ------------------------------------------------------ random skeletons


def random_keypoints(rng: np.random.Generator, lead: tuple,
                     joints: int, size: float = 224.) -> np.ndarray:
    """[*lead, J, 3]: persons as jittered clusters around a centre (limbs
    of plausible lengths), scores in [0, 1] with some exactly 0, a few NaN
    joints."""
    centre = rng.uniform(0.2, 0.8, lead + (1, 2)) * size
    xy = centre + rng.normal(0, size / 10, lead + (joints, 2))
    score = rng.uniform(0, 1, lead + (joints, 1))
    score[score < 0.15] = 0
    kp = np.concatenate([xy, score], -1)
    kp[rng.uniform(size=kp.shape[:-1]) < 0.03, :2] = np.nan
    return kp


def test_numpy_equals_torch():
    rng = np.random.default_rng(1)
    kp = random_keypoints(rng, (2, 3, 7), J)
    spec = PoseMapSpec()
    ours = render_pose_maps(kp.astype(np.float32), spec)
    theirs = render_pose_maps(torch.from_numpy(kp.astype(np.float32)), spec)
    assert isinstance(theirs, torch.Tensor)
    # elementwise rules identical; heatmaps summed by matrix products
    np.testing.assert_allclose(theirs.numpy(), ours, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(theirs.numpy()[:, :, J:] != 0,
                                  ours[:, :, J:] != 0)
    # float64 inputs are computed in float32: same maps within rounding
    for arr in (kp, torch.from_numpy(kp)):
        out = render_pose_maps(arr, spec)
        out = out.numpy() if isinstance(out, torch.Tensor) else out
        assert out.dtype == np.float32
        np.testing.assert_allclose(out, ours, rtol=0, atol=1e-6)
    # a clip at a time (numpy pipeline) == the batch (model)
    np.testing.assert_allclose(render_pose_maps(kp[1], spec), ours[1],
                               rtol=0, atol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_equals_numpy():
    rng = np.random.default_rng(2)
    kp = random_keypoints(rng, (2, 4, 6), J).astype(np.float32)
    spec = PoseMapSpec()
    maps = render_pose_maps(torch.from_numpy(kp).cuda(), spec)
    assert maps.device.type == 'cuda'
    np.testing.assert_allclose(maps.cpu().numpy(),
                               render_pose_maps(kp, spec), rtol=0,
                               atol=1e-5)


def test_paf_chunks_do_not_change_the_maps(monkeypatch):
    rng = np.random.default_rng(3)
    kp = random_keypoints(rng, (2, 5), NTU25.num_joints).astype(np.float32)
    spec = PoseMapSpec('nturgb+d')
    whole = render_pose_maps(kp, spec)
    # one limb per chunk
    monkeypatch.setattr(pose_maps, 'PAF_CHUNK_ELEMENTS', 1)
    np.testing.assert_array_equal(render_pose_maps(kp, spec), whole)
    monkeypatch.setattr(pose_maps, 'PAF_CHUNK_ELEMENTS', 2 * 5 * 56 * 56 * 7)
    np.testing.assert_array_equal(render_pose_maps(kp, spec), whole)


@pytest.mark.parametrize('layout', [OPENPOSE18, NTU25])
def test_flip_mirrors_every_frame_and_person(layout: SkeletonLayout):
    rng = np.random.default_rng(4)
    w = 224.
    kp = random_keypoints(rng, (3, 4), layout.num_joints, w)
    spec = PoseMapSpec(layout, (w, w))
    # the pipeline's flip, on all frames and persons: x -> w - x, left and
    # right swapped
    flipped = kp[..., layout.flip_index(), :].copy()
    flipped[..., 0] = w - flipped[..., 0]
    got = render_pose_maps(flipped, spec)
    maps = render_pose_maps(kp, spec)
    # expected by hand: mirror the columns, permute joint channels and
    # limb channel pairs, negate PAF x components
    j = layout.num_joints
    limb_order = list(range(len(layout.limbs)))
    for a, b in zip(*layout.limb_flip_pairs()):
        limb_order[a], limb_order[b] = b, a
    mirrored = maps[..., ::-1]
    expected = np.empty_like(maps)
    expected[:, :j] = mirrored[:, layout.flip_index()]
    for new, old in enumerate(limb_order):
        expected[:, j + 2 * new] = -mirrored[:, j + 2 * old]
        expected[:, j + 2 * new + 1] = mirrored[:, j + 2 * old + 1]
    assert np.abs(maps[:, j:]).max() > 0.5
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    np.testing.assert_allclose(flip_pose_maps(maps, spec), expected,
                               rtol=0, atol=1e-6)
    # the torch path flips the same way
    torch_maps = flip_pose_maps(torch.from_numpy(maps), spec)
    np.testing.assert_allclose(torch_maps.numpy(), expected, rtol=0,
                               atol=1e-6)


# -------------------------------------------------------------- transform


def record(rng: np.random.Generator, persons: int = 3,
           frames: int = 4) -> dict:
    """A record in mmaction2's convention: persons first."""
    kp = random_keypoints(rng, (persons, frames), J)
    return dict(keypoint=kp[..., :2].astype(np.float32),
                keypoint_score=np.nan_to_num(kp[..., 2]).astype(np.float32),
                img_shape=(224, 224), modality='Pose', frame_dir='clip')


def test_transform_in_compose():
    rng = np.random.default_rng(5)
    data = record(rng)
    expected = render_pose_maps(
        np.concatenate([data['keypoint'], data['keypoint_score'][..., None]],
                       -1).transpose(1, 0, 2, 3), PoseMapSpec())
    pipeline = Compose([dict(type='GeneratePoseMaps')])
    out = pipeline(dict(data))
    assert out['pose_maps'].shape == (4, 52, 56, 56)
    assert out['pose_maps'].dtype == np.float32
    np.testing.assert_array_equal(out['pose_maps'], expected)
    t = TRANSFORMS.build(dict(type='GeneratePoseMaps', layout='nturgb+d',
                              grid=28, top_k=None))
    assert repr(t) == ('GeneratePoseMaps(layout=\'nturgb+d\', grid=28, '
                       'sigma=0.5, paf_sigma=1.0, score_thr=0.1, '
                       'top_k=None)')
    # no keypoint_score: every joint scores 1
    data = record(rng, persons=1)
    del data['keypoint_score']
    maps = GeneratePoseMaps()(data)['pose_maps']
    kp = np.concatenate([data['keypoint'], np.ones((1, 4, J, 1))], -1)
    np.testing.assert_array_equal(
        maps, render_pose_maps(kp.transpose(1, 0, 2, 3), PoseMapSpec()))


def test_transform_after_flip_in_compose():
    """mmaction2's Flip (x -> w - x, every frame and person, left/right
    swapped) then the maps: the mirrored maps of the unflipped clip."""
    rng = np.random.default_rng(6)
    data = record(rng)
    plain = GeneratePoseMaps()(dict(data))['pose_maps']
    pipeline = Compose([
        dict(type='Flip', flip_ratio=1., left_kp=list(OPENPOSE18.left),
             right_kp=list(OPENPOSE18.right)),
        dict(type='GeneratePoseMaps')
    ])
    flipped = pipeline(dict(data, keypoint=data['keypoint'].copy()))
    assert flipped['flip']
    np.testing.assert_allclose(flipped['pose_maps'],
                               flip_pose_maps(plain, PoseMapSpec()),
                               rtol=0, atol=1e-5)


def test_transform_errors():
    rng = np.random.default_rng(7)
    data = record(rng)
    t = GeneratePoseMaps()
    with pytest.raises(ValueError, match=r"'clip'.*\[P, T, J, 2\]"):
        t(dict(data, keypoint=data['keypoint'][0]))
    with pytest.raises(ValueError, match='keypoint_score shape'):
        t(dict(data, keypoint_score=data['keypoint_score'][:, :2]))
    with pytest.raises(KeyError, match='needs img_shape'):
        t({k: v for k, v in data.items() if k != 'img_shape'})
    with pytest.raises(ValueError, match='layout \'nturgb\\+d\' has 25'):
        GeneratePoseMaps(layout='nturgb+d')(dict(data))
    with pytest.raises(ValueError, match='top_k must be'):
        GeneratePoseMaps(top_k=0)

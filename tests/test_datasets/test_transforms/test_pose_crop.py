"""The person-crop transforms of mmactx.datasets.transforms.pose_crop: hand
made cases (a joint and a bright dot at known pixels), and parity with
mmpose's get_warp_matrix / TopdownAffine on its MPII fixture."""
import json
import math
import os.path as osp

import numpy as np
import pytest

import mmactx  # noqa: F401  (registries, compat shims)
from mmactx.datasets.transforms.pose_crop import (BoxFromKeypoints,
                                                  ChannelPower, CropAffine,
                                                  PoseCoordTargets,
                                                  RandomCropJitter,
                                                  crop_matrix)
from mmactx.pose_coords import apply_affine
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import get_layout

MPII = get_layout('mpii')
H36M = get_layout('h36m')


def _sample(num_joints=16, h=120, w=160, frames=None):
    """One person in one image, every joint labelled at (10 + j, 20 + j)."""
    kp = np.stack([10.0 + np.arange(num_joints), 20.0 + np.arange(num_joints)],
                  -1)[None, None].astype(np.float32)
    results = dict(keypoint=kp,
                   keypoint_score=np.ones(kp.shape[:3], np.float32),
                   img_path='x.jpg')
    if frames is None:
        results['img'] = np.zeros((h, w, 3), np.uint8)
    else:
        results['imgs'] = [np.zeros((h, w, 3), np.uint8)] * frames
        results['keypoint'] = np.repeat(kp, frames, axis=1)
        results['keypoint_score'] = np.ones((1, frames, num_joints))
    return results


# ------------------------------------------------------- BoxFromKeypoints
def test_box_from_keypoints_over_frames_and_labelled_only():
    kp = np.zeros((2, 2, 3, 2))
    kp[0, 0] = [[10, 10], [30, 20], [1000, 1000]]  # last joint unlabelled
    kp[0, 1] = [[20, 50], [25, 15], [0, 0]]
    kp[1] = 500  # another person: ignored
    score = np.ones((2, 2, 3))
    score[0, :, 2] = 0
    out = BoxFromKeypoints(scale=1.5)(
        dict(keypoint=kp, keypoint_score=score, frame_dir='v'))
    # box x 10..30, y 10..50: centre (20, 30), side 1.5 x 40
    np.testing.assert_allclose(out['crop_center'], [20, 30])
    assert out['crop_size'] == pytest.approx(60.0)


def test_box_from_keypoints_errors_name_the_sample():
    kp = np.zeros((1, 2, 3, 2))
    with pytest.raises(ValueError, match=r"frame_dir='clip7'.*no labelled"):
        BoxFromKeypoints()(
            dict(keypoint=kp, keypoint_score=np.zeros((1, 2, 3)),
                 frame_dir='clip7'))
    with pytest.raises(ValueError, match='single point'):
        BoxFromKeypoints()(
            dict(keypoint=kp, keypoint_score=np.ones((1, 2, 3)),
                 frame_dir='clip7'))
    with pytest.raises(ValueError, match='scale must be positive'):
        BoxFromKeypoints(scale=0)


# ----------------------------------------------------------- crop_matrix
def test_crop_matrix_by_hand():
    # window centre (100, 50), side 64 -> 128 px crop: zoom 2
    m = crop_matrix((100, 50), 64, (128, 128))
    np.testing.assert_allclose(apply_affine(np.array([[100., 50.],
                                                      [110., 40.]]), m),
                               [[64, 64], [84, 44]])
    # +90 degrees: the window turns clockwise on the image (y down), so a
    # point right of the centre (image +x) ends up above it (crop -y)
    m = crop_matrix((100, 50), 64, (128, 128), rotation=90)
    np.testing.assert_allclose(apply_affine(np.array([110., 50.]), m),
                               [64, 44], atol=1e-9)
    # flip mirrors inside the crop: x -> w - 1 - x
    m = crop_matrix((100, 50), 64, (128, 128), rotation=90, flip=True)
    np.testing.assert_allclose(apply_affine(np.array([110., 50.]), m),
                               [127 - 64, 44], atol=1e-9)
    with pytest.raises(ValueError, match='crop size must be positive'):
        crop_matrix((0, 0), 0, (8, 8))


def test_crop_matrix_equals_mmpose_get_warp_matrix():
    from mmactx.compat import allow_mmpose_import
    allow_mmpose_import()  # mmcv-lite has no compiled ops (mmpose#3250)
    from mmpose.structures.bbox import get_warp_matrix
    for center, size, rot, out in [((300., 200.), 250., 0., (256, 256)),
                                   ((31.5, 80.), 97., -35., (256, 256)),
                                   ((500., 400.), 300., 20., (192, 256))]:
        theirs = get_warp_matrix(np.array(center),
                                 np.array([size, size * out[1] / out[0]]),
                                 rot, out)
        np.testing.assert_allclose(crop_matrix(center, size, out, rot),
                                   theirs, rtol=1e-5, atol=2e-3)


# -------------------------------------------------------------- CropAffine
@pytest.mark.parametrize('rotation,flip', [(0., False), (30., False),
                                           (-40., True), (0., True)])
def test_crop_affine_moves_joint_and_bright_dot_together(rotation, flip):
    results = _sample()
    img = results['img']
    joint = MPII.joint_index('right_wrist')
    x, y = 90, 70
    img[y - 1:y + 2, x - 1:x + 2] = 255  # a 3x3 dot centred on (90, 70)
    results['keypoint'][0, 0, joint] = (x, y)
    results.update(crop_center=np.array([80., 60.]), crop_size=80.,
                   crop_rotation=rotation, crop_flip=flip)
    out = CropAffine(input_size=(64, 64), layout='mpii')(results)
    assert out['img'].shape == (64, 64, 3)
    assert out['img_shape'] == (64, 64) and out['input_size'] == (64, 64)
    # where the joint lands, by hand: zoom 64 / 80, rotate by -rotation
    rad = math.radians(rotation)
    dx, dy = (x - 80) * 0.8, (y - 60) * 0.8
    expect = np.array([32 + dx * math.cos(rad) + dy * math.sin(rad),
                       32 - dx * math.sin(rad) + dy * math.cos(rad)])
    if flip:
        expect[0] = 63 - expect[0]
    # after a flip the right wrist is called left wrist
    name = 'left_wrist' if flip else 'right_wrist'
    got = out['keypoint'][0, 0, MPII.joint_index(name)]
    np.testing.assert_allclose(got, expect, atol=1e-4)
    np.testing.assert_allclose(apply_affine(np.array([x, y], float),
                                            out['crop_matrix']), expect)
    # the bright dot's weighted centre in the warped image is there too
    gray = out['img'][..., 0].astype(float)
    rows, cols = np.mgrid[:64, :64]
    centre = np.array([(gray * cols).sum(), (gray * rows).sum()]) / gray.sum()
    np.testing.assert_allclose(centre, expect, atol=0.3)


def test_crop_affine_flip_permutes_scores_and_depth_of_every_frame():
    results = _sample(num_joints=17, frames=3)
    score = np.tile(np.arange(17, dtype=float), (1, 3, 1))
    results.update(keypoint_score=score, keypoint_depth=score + 100,
                   crop_center=np.array([50., 50.]), crop_size=100.,
                   crop_flip=True)
    out = CropAffine(input_size=(32, 32), layout='h36m')(results)
    assert len(out['imgs']) == 3 and out['imgs'][2].shape == (32, 32, 3)
    order = H36M.flip_index()
    np.testing.assert_array_equal(out['keypoint_score'][0, 1], order)
    np.testing.assert_array_equal(out['keypoint_depth'][0, 2],
                                  np.array(order) + 100)
    left = H36M.joint_index('left_wrist')
    right = H36M.joint_index('right_wrist')
    assert out['keypoint_score'][0, 0, left] == right


def test_crop_affine_flip_needs_a_layout():
    results = _sample()
    results.update(crop_center=np.array([50., 50.]), crop_size=100.,
                   crop_flip=True)
    with pytest.raises(ValueError, match=r"img_path='x.jpg' is flipped.*"
                       'no layout'):
        CropAffine(input_size=(32, 32))(results)
    results = _sample(num_joints=17)
    results.update(crop_center=np.array([50., 50.]), crop_size=100.,
                   crop_flip=True)
    with pytest.raises(ValueError, match="17 joints, layout 'mpii' has 16"):
        CropAffine(input_size=(32, 32), layout='mpii')(results)


def test_crop_affine_equals_mmpose_topdown_affine_on_mpii(shared_data):
    """Same window, same warp: mmpose's MpiiDataset box (centre + 15 s, -1;
    side 200 s) through GetBBoxCenterScale(padding=1.25) + TopdownAffine,
    and CropAffine on the window centre, 1.25 x 200 s."""
    from mmactx.compat import allow_mmpose_import
    allow_mmpose_import()
    from mmcv.transforms import LoadImageFromFile
    from mmpose.datasets.transforms import GetBBoxCenterScale, TopdownAffine
    from mmpose.structures.bbox import bbox_cs2xyxy
    ann_file = shared_data('mmpose_fixtures/mpii/test_mpii.json')
    with open(ann_file) as f:
        ann = json.load(f)[1]
    centre = np.array(ann['center'], np.float32)
    centre[1] += 15 * ann['scale']
    centre -= 1
    scale = np.float32(200 * ann['scale'])
    joints = np.array(ann['joints'], np.float32)[None] - 1
    base = LoadImageFromFile()(
        dict(img_path=osp.join(osp.dirname(ann_file), ann['image'])))
    box = bbox_cs2xyxy(centre[None], np.array([[scale, scale]]))
    theirs = dict(base, bbox=box, keypoints=joints.copy(),
                  keypoints_visible=np.ones((1, 16)))
    theirs = GetBBoxCenterScale(padding=1.25)(theirs)
    theirs = TopdownAffine(input_size=(256, 256))(theirs)
    ours = dict(base, keypoint=joints[None],
                keypoint_score=np.ones((1, 1, 16)),
                crop_center=centre.astype(float), crop_size=1.25 * scale)
    ours = CropAffine(input_size=(256, 256), layout='mpii')(ours)
    np.testing.assert_allclose(ours['keypoint'][0],
                               theirs['transformed_keypoints'], atol=0.05)
    diff = np.abs(ours['img'].astype(int) - theirs['img'].astype(int))
    assert diff.max() <= 2


# -------------------------------------------------------- RandomCropJitter
def test_random_crop_jitter_draws():
    np.random.seed(0)
    jitter = RandomCropJitter(rotation=40, rotation_step=5,
                              scales=(0.7, 1., 1.3), flip_ratio=0.5)
    rotations, sizes, flips = set(), set(), []
    for _ in range(300):
        out = jitter(dict(crop_center=np.array([10., 20.]), crop_size=100.))
        rotations.add(out['crop_rotation'])
        sizes.add(round(out['crop_size'], 6))
        flips.append(out['crop_flip'])
        np.testing.assert_allclose(out['crop_center'], [10, 20])
    assert rotations == {float(r) for r in range(-40, 45, 5)}
    # zoom s makes the person s times larger: the window shrinks by s
    assert sizes == {round(100 / s, 6) for s in (0.7, 1., 1.3)}
    assert 0.35 < np.mean(flips) < 0.65


def test_random_crop_jitter_shift_is_in_crop_pixels_along_crop_axes():
    np.random.seed(1)
    jitter = RandomCropJitter(shift=(40., 10.), input_size=(256, 256))
    shifts = []
    for _ in range(200):
        out = jitter(dict(crop_center=np.zeros(2), crop_size=512.,
                          crop_rotation=90.))
        assert out['crop_rotation'] == 90.0 and not out['crop_flip']
        shifts.append(out['crop_center'] / 2)  # 2 image px per crop px
    shifts = np.array(shifts)
    # rotated by 90 degrees: crop x runs along image y
    assert np.abs(shifts[:, 1]).max() == pytest.approx(40, abs=2)
    assert np.abs(shifts[:, 0]).max() == pytest.approx(10, abs=0.5)
    assert np.abs(shifts).max() <= 40


def test_random_crop_jitter_argument_errors():
    with pytest.raises(ValueError, match='scales must be positive'):
        RandomCropJitter(scales=(0., 1.))
    with pytest.raises(ValueError, match='flip_ratio'):
        RandomCropJitter(flip_ratio=2)
    with pytest.raises(ValueError, match='rotation_step'):
        RandomCropJitter(rotation=10, rotation_step=0)


# ------------------------------------------------------------ ChannelPower
def test_channel_power_per_channel_and_shared_by_frames():
    np.random.seed(3)
    frame = np.tile(np.arange(256, dtype=np.uint8), (2, 1))[..., None]
    frame = np.repeat(frame, 3, axis=-1)
    out = ChannelPower(0.9, 1.1)(dict(imgs=[frame, frame.copy()]))
    a, b = out['imgs']
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8
    # recover each channel's power from a mid grey and check the range
    x = 128 / 255
    powers = [math.log(a[0, 128, c] / 255) / math.log(x) for c in range(3)]
    assert all(0.88 < p < 1.12 for p in powers)
    assert len({a[0, 128, c] for c in range(3)}) > 1  # not one power for all
    assert a[0, 0].tolist() == [0, 0, 0] and a[0, 255].tolist() == [255] * 3
    with pytest.raises(ValueError, match='low <= high'):
        ChannelPower(1.2, 1.0)


# -------------------------------------------------------- PoseCoordTargets
def test_pose_coord_targets_2d():
    kp = np.zeros((1, 1, 16, 2))
    kp[0, 0, :, 0] = np.arange(16) * 10.  # 0..150 in a 128 wide crop
    kp[0, 0, :, 1] = 64
    score = np.ones((1, 1, 16))
    score[0, 0, 3] = 0
    out = PoseCoordTargets('mpii')(
        dict(keypoint=kp, keypoint_score=score, input_size=(128, 128)))
    assert out['gt_coords'].dtype == np.float32
    assert out['gt_coords'].shape == (16, 2)
    np.testing.assert_allclose(out['gt_coords'][:, 0],
                               np.where(np.arange(16) == 3, 0,
                                        np.arange(16) * 10 / 128))
    valid = out['gt_coords_valid']
    assert valid.shape == (16, 2) and valid.dtype == bool
    # unlabelled: invalid; labelled outside the crop (x=130..150): valid
    assert valid[:, 0].tolist() == [j != 3 for j in range(16)]
    np.testing.assert_array_equal(
        out['gt_visible'], [float(j != 3 and j * 10 < 128) for j in range(16)])
    assert 'root_depth' not in out


def test_pose_coord_targets_depth():
    kp = np.full((1, 1, 17, 2), 10.)
    z = np.full((1, 1, 17), 5.0)
    root = H36M.joint_index('pelvis')
    z[0, 0, root] = 4.0
    z[0, 0, H36M.joint_index('head')] = np.nan
    out = PoseCoordTargets('h36m', depth_span=2.0, root='pelvis')(
        dict(keypoint=kp, keypoint_score=np.ones((1, 1, 17)),
             keypoint_depth=z, img_shape=(64, 64)))
    assert out['gt_coords'].shape == (17, 3)
    assert out['root_depth'] == 4.0
    head = H36M.joint_index('head')
    expect = np.where(np.arange(17) == head, 0.0, 1.0)
    expect[root] = 0.5
    np.testing.assert_allclose(out['gt_coords'][:, 2], expect)
    assert out['gt_coords_valid'][:, 2].tolist() == [
        j != head for j in range(17)]
    assert out['gt_coords_valid'][head, :2].all()
    # an unlabelled root: no depth target at all
    score = np.ones((1, 1, 17))
    score[0, 0, root] = 0
    out = PoseCoordTargets('h36m', depth_span=2.0, root='pelvis')(
        dict(keypoint=kp, keypoint_score=score, keypoint_depth=z,
             img_shape=(64, 64)))
    assert not out['gt_coords_valid'][:, 2].any()
    assert math.isnan(out['root_depth'])


def test_pose_coord_targets_errors():
    with pytest.raises(ValueError, match='root'):
        PoseCoordTargets('h36m', depth_span=2.0)
    with pytest.raises(KeyError, match="'hip' is not a joint"):
        PoseCoordTargets('h36m', depth_span=2.0, root='hip')
    with pytest.raises(ValueError, match=r"\[M, T, 16, 2\] for layout"):
        PoseCoordTargets('mpii')(
            dict(keypoint=np.zeros((1, 1, 17, 2)), img_path='a.jpg',
                 keypoint_score=np.ones((1, 1, 17)), img_shape=(8, 8)))
    with pytest.raises(KeyError, match='no keypoint_depth'):
        PoseCoordTargets('h36m', depth_span=2.0, root='pelvis')(
            dict(keypoint=np.zeros((1, 1, 17, 2)), img_shape=(8, 8),
                 keypoint_score=np.ones((1, 1, 17))))


def test_registered():
    for name in ('BoxFromKeypoints', 'RandomCropJitter', 'CropAffine',
                 'ChannelPower', 'PoseCoordTargets'):
        assert TRANSFORMS.get(name) is not None, name
    t = TRANSFORMS.build(dict(type='CropAffine', layout='mpii'))
    assert isinstance(t, CropAffine) and 'mpii' in repr(t)

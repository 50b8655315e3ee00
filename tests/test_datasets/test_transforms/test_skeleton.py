"""GCN transforms against hand-computed values and torch's interpolation."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmactx.datasets.transforms import (RandomRotation3D, SkeletonFeatures,
                                        ValidCropResize)
from mmactx.datasets.transforms.skeleton import resize_time, rotation_matrix
from mmactx.skeletons import NTU25


def ctrgcn_resize(x, window):
    """CTR-GCN's resize: [M, T, V, C] through F.interpolate on (C*V*M, T)."""
    m, t, v, c = x.shape
    d = torch.tensor(x.transpose(3, 1, 2, 0))  # C T V M
    d = d.permute(0, 2, 3, 1).reshape(c * v * m, t)[None, None]
    r = F.interpolate(d, size=(c * v * m, window), mode='bilinear',
                      align_corners=False)
    r = r.reshape(c, v, m, window).permute(0, 3, 1, 2).numpy()
    return r.transpose(3, 1, 2, 0)


@pytest.mark.parametrize('frames,window', [(37, 64), (100, 64), (64, 64),
                                           (5, 3)])
def test_resize_time_matches_torch(frames, window):
    x = np.random.RandomState(frames).rand(2, frames, 25, 3).astype(
        np.float32)
    np.testing.assert_allclose(resize_time(x, window), ctrgcn_resize(x,
                                                                     window),
                               atol=1e-5)


def test_valid_crop_resize_test_mode_is_the_central_crop():
    kp = np.zeros((2, 120, 25, 3), np.float32)
    kp[:, :100] = np.arange(100, dtype=np.float32)[None, :, None, None] + 1
    out = ValidCropResize(window=64, p_interval=(0.95, )).transform(
        dict(keypoint=kp.copy()))
    # 100 valid frames (the 20 trailing zero frames are not): trim
    # int(0.05 * 100 / 2) = 2 at each end, resize 96 frames to 64
    expected = ctrgcn_resize(kp[:, 2:98], 64)
    np.testing.assert_allclose(out['keypoint'], expected, atol=1e-5)
    assert out['total_frames'] == 64 and out['keypoint'].dtype == np.float32


def test_valid_crop_resize_train_draws_like_ctrgcn():
    kp = np.random.RandomState(0).rand(1, 150, 25, 3).astype(np.float32)
    t = ValidCropResize(window=64, p_interval=(0.5, 1.0))
    np.random.seed(5)
    out = t.transform(dict(keypoint=kp.copy()))['keypoint']
    np.random.seed(5)
    p = np.random.rand(1) * 0.5 + 0.5
    length = min(max(int(np.floor(150 * p[0])), 64), 150)
    bias = np.random.randint(0, 150 - length + 1)
    expected = ctrgcn_resize(kp[:, bias:bias + length], 64)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    # a short sequence is never cropped below its length
    short = np.ones((1, 30, 25, 3), np.float32)
    assert t.transform(dict(keypoint=short))['keypoint'].shape == (1, 64, 25,
                                                                   3)
    with pytest.raises(ValueError, match='all zero'):
        t.transform(dict(keypoint=np.zeros((1, 5, 25, 3)), frame_dir='z'))


def test_rotation_matrix_and_random_rotation():
    # 90 degrees about z maps x to -y in CTR-GCN's convention
    r = rotation_matrix([0, 0, np.pi / 2])
    np.testing.assert_allclose(r @ [1, 0, 0], [0, -1, 0], atol=1e-12)
    np.testing.assert_allclose(rotation_matrix([0.1, -0.2, 0.3]).T @
                               rotation_matrix([0.1, -0.2, 0.3]), np.eye(3),
                               atol=1e-12)
    kp = np.random.RandomState(1).normal(size=(2, 10, 25, 3)).astype(
        np.float32)
    kp[1, 5:] = 0
    np.random.seed(3)
    out = RandomRotation3D(theta=0.3).transform(dict(keypoint=kp.copy()))
    np.random.seed(3)
    angles = np.random.uniform(-0.3, 0.3, 3)
    assert np.abs(angles).max() <= 0.3
    expected = kp @ rotation_matrix(angles).T
    np.testing.assert_allclose(out['keypoint'], expected, atol=1e-5)
    assert (out['keypoint'][1, 5:] == 0).all()  # missing stays missing
    with pytest.raises(ValueError, match='3D'):
        RandomRotation3D().transform(dict(keypoint=kp[..., :2]))


def test_bone_and_motion_by_hand():
    rng = np.random.RandomState(2)
    kp = rng.normal(size=(2, 6, 25, 3)).astype(np.float32)
    out = SkeletonFeatures('nturgb+d', ['j', 'b', 'jm', 'bm']).transform(
        dict(keypoint=kp.copy()))['keypoint']
    assert out.shape == (2, 6, 25, 12)
    j, b, jm, bm = np.split(out, 4, axis=-1)
    np.testing.assert_array_equal(j, kp)
    # EPP-Net's 1-based pairs: bone of joint 1 (SpineBase) is joint1 - joint2
    np.testing.assert_allclose(b[:, :, 0], kp[:, :, 0] - kp[:, :, 1])
    np.testing.assert_allclose(b[:, :, 22], kp[:, :, 22] - kp[:, :, 7])
    assert (b[:, :, NTU25.center] == 0).all()  # SpineShoulder: (21, 21)
    np.testing.assert_allclose(jm[:, :5], kp[:, 1:] - kp[:, :-1])
    assert (jm[:, 5] == 0).all() and (bm[:, 5] == 0).all()
    np.testing.assert_allclose(bm[:, :5], b[:, 1:] - b[:, :-1])


def test_2d_scores_become_a_channel():
    kp = np.ones((1, 3, 17, 2), np.float32)
    kp[0, :, 5] = 3
    score = np.full((1, 3, 17), 0.5, np.float32)
    score[0, :, 5] = 1.0
    out = SkeletonFeatures('coco', ['b']).transform(
        dict(keypoint=kp, keypoint_score=score))
    assert 'keypoint_score' not in out  # not added twice by FormatGCNInput
    b = out['keypoint']
    assert b.shape == (1, 3, 17, 3)
    # COCO bone (5, 0): left shoulder minus nose; score: mean of the two
    np.testing.assert_allclose(b[0, 0, 5], [2, 2, 0.75])
    assert (b[0, 0, 0] == 0).all()  # the root's bone


def test_bad_arguments():
    with pytest.raises(ValueError, match='feats must be among'):
        SkeletonFeatures('nturgb+d', ['x'])
    with pytest.raises(ValueError, match='layout nturgb\\+d has 25'):
        SkeletonFeatures('nturgb+d').transform(
            dict(keypoint=np.ones((1, 2, 17, 3)), frame_dir='a'))
    with pytest.raises(ValueError, match='p_interval'):
        ValidCropResize(64, (0.1, 0.2, 0.3))

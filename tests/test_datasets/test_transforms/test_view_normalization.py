"""CTR-GCN's NW-UCLA view normalisation against hand-computed values and a
step-by-step model of its feeder."""
import numpy as np
import pytest
from mmengine.dataset import Compose

from mmactx.datasets.transforms import (CenterOnJoint, MinMaxScale,
                                        RandomViewTransform)
from mmactx.datasets.transforms.view_normalization import (present_frames,
                                                           view_matrix)
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import NWUCLA20, SkeletonLayout

# a 3-joint layout for hand-sized cases
TRI = SkeletonLayout(name='tri', joints=('head', 'spine', 'foot'),
                     bones=((0, 1), (2, 1)), left=(), right=(), center=1,
                     dims=3)
# 1 person, 2 frames, joints head / spine / foot, (x, y, z)
CLIP = np.array([[[[1, 2, 3], [2, 2, 2], [4, 0, 1]],
                  [[3, 1, 2], [2, 4, 2], [5, 2, 0]]]], np.float32)
# CLIP minus the spine of frame 0, (2, 2, 2)
CENTRED = np.array([[[[-1, 0, 1], [0, 0, 0], [2, -2, -1]],
                     [[1, -1, 0], [0, 2, 0], [3, 0, -2]]]], np.float32)
# CENTRED per axis: x in [-1, 3], y in [-2, 2], z in [-2, 1], onto [-1, 1]
SCALED = np.array([[[[-1, 0, 1], [-0.5, 0, 1 / 3], [0.5, -1, -1 / 3]],
                    [[0, -0.5, 1 / 3], [-0.5, 1, 1 / 3], [1, 0, -1]]]],
                  np.float32)


def test_center_on_joint_by_hand():
    out = CenterOnJoint(layout=TRI, joint='spine').transform(
        dict(keypoint=CLIP.copy()))['keypoint']
    np.testing.assert_array_equal(out, CENTRED)
    assert out.dtype == np.float32
    # another joint, the NW-UCLA default takes 'spine' (index 1) by name
    out = CenterOnJoint(layout=TRI, joint='head').transform(
        dict(keypoint=CLIP.copy()))['keypoint']
    np.testing.assert_array_equal(out, CLIP - CLIP[0, 0, 0])
    t = CenterOnJoint()
    assert t.joint_index == NWUCLA20.joints.index('spine') == 1
    kp = np.random.RandomState(0).rand(1, 4, 20, 3).astype(np.float32)
    out = t.transform(dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(out, kp - kp[0, 0, 1], atol=1e-7)


def test_center_on_joint_padding():
    # frame 0 is padding: the first present frame gives the centre; padding
    # frames and the absent second person stay zero
    kp = np.zeros((2, 3, 3, 3), np.float32)
    kp[0, 1:] = CLIP[0]
    out = CenterOnJoint(layout=TRI).transform(dict(keypoint=kp))['keypoint']
    np.testing.assert_array_equal(out[0, 1:], CENTRED[0])
    assert (out[0, 0] == 0).all() and (out[1] == 0).all()
    # a second person is centred on the first person's joint
    kp[1, 1:] = CLIP[0] + 10
    out = CenterOnJoint(layout=TRI).transform(dict(keypoint=kp))['keypoint']
    np.testing.assert_array_equal(out[1, 1:], CENTRED[0] + 10)
    # all padding: unchanged, no NaN
    out = CenterOnJoint(layout=TRI).transform(
        dict(keypoint=np.zeros((1, 4, 3, 3))))['keypoint']
    assert (out == 0).all()


def test_present_frames():
    kp = np.zeros((2, 3, 3, 3))
    kp[0, 1, 2, 0] = -0.5
    kp[1, 2, 0, 2] = 1
    np.testing.assert_array_equal(
        present_frames(kp), [[False, True, False], [False, False, True]])


def test_view_matrix_by_hand():
    p = np.array([1., 2., 3.])
    # 90 degrees about x (right-handed): y -> z, z -> -y
    np.testing.assert_allclose(p @ view_matrix(90, 0), [1, -3, 2],
                               atol=1e-12)
    # 90 degrees about y: z -> x, x -> -z
    np.testing.assert_allclose(p @ view_matrix(0, 90), [3, 2, -1],
                               atol=1e-12)
    # y first, then x; then the scale
    np.testing.assert_allclose(p @ view_matrix(90, 90, 2.0), [6, 2, 4],
                               atol=1e-12)
    np.testing.assert_allclose(view_matrix(0, 0, 0.5), np.eye(3) * 0.5)


def feeder_matrix(ax, ay, s):
    """The feeder's Ry @ Rx @ S, written from its definition."""
    ax, ay = np.radians(ax), np.radians(ay)
    rx = np.array([[1, 0, 0], [0, np.cos(ax), np.sin(ax)],
                   [0, -np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, -np.sin(ay)], [0, 1, 0],
                   [np.sin(ay), 0, np.cos(ay)]])
    return ry @ rx @ (np.eye(3) * s)


def test_random_view_transform_draws_and_applies():
    kp = np.random.RandomState(1).normal(size=(2, 6, 20, 3)).astype(
        np.float32)
    kp[1, 3:] = 0  # padding
    t = RandomViewTransform()
    np.random.seed(7)
    out = t.transform(dict(keypoint=kp.copy()))['keypoint']
    np.random.seed(7)
    ax, ay = np.random.randint(-60, 61, 2)
    s = np.random.uniform(0.5, 1.5)
    expected = (kp.reshape(-1, 3) @ feeder_matrix(ax, ay, s)).reshape(
        kp.shape)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert out.dtype == np.float32 and (out[1, 3:] == 0).all()

    np.random.seed(0)
    draws = np.array([t.draw() for _ in range(3000)])
    angles = draws[:, :2]
    assert (angles == np.round(angles)).all()  # integer degrees
    assert angles.min() == -60 and angles.max() == 60  # both ends drawn
    assert 0.5 <= draws[:, 2].min() and draws[:, 2].max() < 1.5
    assert len(np.unique(angles[:, 0])) == 121


def test_min_max_scale_by_hand():
    out = MinMaxScale().transform(dict(keypoint=CENTRED.copy()))['keypoint']
    np.testing.assert_allclose(out, SCALED, atol=1e-6)
    assert out.dtype == np.float32
    out = MinMaxScale(value_range=(0, 10)).transform(
        dict(keypoint=CENTRED.copy()))['keypoint']
    np.testing.assert_allclose(out, (SCALED + 1) * 5, atol=1e-5)


def test_min_max_scale_degenerate_clips():
    # a constant axis (z) maps to the middle of the range; no NaN
    flat = CLIP.copy()
    flat[..., 2] = 0.7
    out = MinMaxScale().transform(dict(keypoint=flat))['keypoint']
    assert np.isfinite(out).all() and (out[..., 2] == 0).all()
    np.testing.assert_allclose(out[..., :2], MinMaxScale().transform(
        dict(keypoint=CLIP.copy()))['keypoint'][..., :2])
    # a one-frame clip: the range runs over its joints
    out = MinMaxScale().transform(dict(keypoint=CLIP[:, :1]))['keypoint']
    np.testing.assert_allclose(
        out[0, 0], [[-1, 1, 1], [-1 / 3, 1, 0], [1, -1, -1]], atol=1e-6)
    # one joint, one frame: every axis is constant
    out = MinMaxScale(value_range=(0, 1)).transform(
        dict(keypoint=np.full((1, 1, 1, 3), 4.0)))['keypoint']
    np.testing.assert_array_equal(out, np.full((1, 1, 1, 3), 0.5))
    # all padding: unchanged
    out = MinMaxScale().transform(dict(keypoint=np.zeros((2, 3, 20, 3))))
    assert (out['keypoint'] == 0).all()


def test_min_max_scale_skips_padding():
    kp = np.zeros((2, 4, 3, 3), np.float32)
    kp[0, :2] = CENTRED[0]
    out = MinMaxScale().transform(dict(keypoint=kp))['keypoint']
    np.testing.assert_allclose(out[0, :2], SCALED[0], atol=1e-6)
    assert (out[0, 2:] == 0).all() and (out[1] == 0).all()
    # the range runs over both persons together
    kp[1, 0] = CENTRED[0, 0] + 4  # x now in [-1, 6]
    out = MinMaxScale().transform(dict(keypoint=kp))['keypoint']
    assert out[1, 0, 2, 0] == 1 and out[0, 0, 0, 0] == -1
    assert out[0, 1, 2, 0] == pytest.approx(1 / 7)  # x = 3


def test_min_max_removes_centring_and_scale():
    """Per-axis min-max is blind to a shift and a positive scale: only the
    rotation of the view transform changes the normalised joints."""
    kp = np.random.RandomState(2).normal(size=(1, 9, 20, 3)).astype(
        np.float32)
    scale = MinMaxScale().transform(dict(keypoint=kp.copy()))['keypoint']
    centred = Compose([CenterOnJoint(), MinMaxScale()])(
        dict(keypoint=kp.copy()))['keypoint']
    np.testing.assert_allclose(centred, scale, atol=1e-5)
    t = RandomViewTransform(max_angle=0, scale_range=(0.5, 1.5))
    scaled = Compose([t, MinMaxScale()])(dict(keypoint=kp.copy()))
    np.testing.assert_allclose(scaled['keypoint'], scale, atol=1e-5)


# the feeder's bones, 1-based (joint, parent); joint 3 is its own parent
FEEDER_BONES = ((1, 2), (2, 3), (3, 3), (4, 3), (5, 3), (6, 5), (7, 6),
                (8, 7), (9, 3), (10, 9), (11, 10), (12, 11), (13, 1),
                (14, 13), (15, 14), (16, 15), (17, 1), (18, 17), (19, 18),
                (20, 19))


def feeder_sample(value, train, stream):
    """A step-by-step model of feeder_ucla's ``__getitem__`` on one
    [T, 20, 3] clip, drawing from numpy's global generator in the order of
    the mmactx pipeline."""
    value = value.astype(np.float64)
    if train:
        ax, ay = np.random.randint(-60, 61, 2)
        s = np.random.uniform(0.5, 1.5)
    else:
        ax, ay, s = 0, 0, 1.0
    value = value - value[0, 1, :]
    rows = value.reshape(-1, 3) @ feeder_matrix(ax, ay, s)
    rows = (rows - rows.min(0)) / (rows.max(0) - rows.min(0)) * 2 - 1
    value = rows.reshape(-1, 20, 3)
    length = value.shape[0]
    if train:
        pool = np.tile(np.arange(length), 100)
        idx = np.sort(pool[np.random.choice(len(pool), 52, replace=False)])
    else:
        idx = np.linspace(0, length - 1, 52).astype(int)
    data = value[idx]
    if 'bone' in stream:
        bone = np.zeros_like(data)
        for joint, parent in FEEDER_BONES:
            bone[:, joint - 1] = data[:, joint - 1] - data[:, parent - 1]
        data = bone
    if 'motion' in stream:
        motion = np.zeros_like(data)
        motion[:-1] = data[1:] - data[:-1]
        data = motion
    return data


@pytest.mark.parametrize('frames', [1, 17, 52, 130])
@pytest.mark.parametrize('train', [True, False])
@pytest.mark.parametrize('stream,feats', [('joint', 'j'), ('bone', 'b'),
                                          ('joint motion', 'jm'),
                                          ('bone motion', 'bm')])
def test_pipeline_reproduces_the_feeder(frames, train, stream, feats):
    rng = np.random.RandomState(frames)
    kp = (rng.normal(0, 0.3, (1, frames, 20, 3)) + [0.1, -0.4, 2.8]).astype(
        np.float32)
    steps = [dict(type='CenterOnJoint', layout='nw-ucla', joint='spine')]
    if train:
        steps.append(dict(type='RandomViewTransform'))
    steps += [
        dict(type='MinMaxScale'),
        dict(type='PoolSampleFrames', clip_len=52, test_mode=not train),
        dict(type='PoseDecode'),
        dict(type='SkeletonFeatures', layout='nw-ucla', feats=[feats])
    ]
    pipeline = Compose([TRANSFORMS.build(t) for t in steps])
    np.random.seed(frames + 3)
    out = pipeline(dict(keypoint=kp.copy(), total_frames=frames))['keypoint']
    np.random.seed(frames + 3)
    expected = feeder_sample(kp[0], train, stream)
    assert out.shape == (1, 52, 20, 3)
    np.testing.assert_allclose(out[0], expected, atol=2e-5)


def test_registry_builds_and_repr():
    for cfg in (dict(type='CenterOnJoint', layout='nturgb+d',
                     joint='spine_mid'),
                dict(type='RandomViewTransform', max_angle=30),
                dict(type='MinMaxScale', value_range=(0, 1))):
        t = TRANSFORMS.build(cfg)
        assert type(t).__name__ == cfg['type']
        assert type(t).__name__ in repr(t)
    assert repr(TRANSFORMS.build(dict(type='CenterOnJoint'))) == \
        "CenterOnJoint(layout='nw-ucla', joint='spine')"


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="has no joint 'pelvis'"):
        CenterOnJoint(joint='pelvis')
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        CenterOnJoint(layout='kinect2')
    with pytest.raises(ValueError, match='integer number of degrees'):
        RandomViewTransform(max_angle=60.5)
    with pytest.raises(ValueError, match='integer number of degrees'):
        RandomViewTransform(max_angle=-1)
    with pytest.raises(ValueError, match='0 < low <= high'):
        RandomViewTransform(scale_range=(0, 1))
    with pytest.raises(ValueError, match='0 < low <= high'):
        RandomViewTransform(scale_range=(1.5, 0.5))
    with pytest.raises(ValueError, match='low < high'):
        MinMaxScale(value_range=(1, 1))
    with pytest.raises(ValueError, match='keypoint has 25 joints, layout '
                       'nw-ucla has 20'):
        CenterOnJoint().transform(dict(keypoint=np.ones((1, 2, 25, 3)),
                                       frame_dir='x'))
    with pytest.raises(ValueError, match=r'needs keypoint \[M, T, V, C\]'):
        MinMaxScale().transform(dict(keypoint=np.ones((2, 20, 3))))
    with pytest.raises(ValueError, match='needs 3D keypoints'):
        RandomViewTransform().transform(dict(keypoint=np.ones((1, 2, 17,
                                                               2))))

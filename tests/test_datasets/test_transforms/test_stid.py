"""STID descriptors: hand-computed toys, both layouts, degenerate clips, the
fixes of the reference code, invariances, images and the transform."""
import cv2
import numpy as np
import pytest
from mmengine.dataset import Compose

from mmactx.datasets.synthetic import generate_sample
from mmactx.datasets.transforms import STIDDescriptors
from mmactx.datasets.transforms import stid
from mmactx.datasets.transforms.skeleton import rotation_matrix
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import NTU25, NWUCLA20

# ------------------------------------------------------------------ toy
# 1 body, 3 frames, 3 joints (0, 1, 2), metres.
#   frame 0: a 3-4-5 right triangle with the right angle at joint 0;
#   frame 1: frame 0 moved by (1, 2, 2) (every joint moves 3);
#   frame 2: joint 1 on joint 0 (a zero-length side), joint 2 2 m above.
TOY = np.array([[[[0, 0, 0], [3, 0, 0], [0, 4, 0]],
                 [[1, 2, 2], [4, 2, 2], [1, 6, 2]],
                 [[1, 2, 2], [1, 2, 2], [1, 2, 4]]]], np.float32)
TOY_BONES = ((1, 0), (2, 0))  # L = 3 + 4 = 7 in frame 0
TOY_PAIRS = ((0, 1), (0, 2), (1, 2))
TOY_ANGLES = ((0, 1, 2), (1, 0, 2), (2, 0, 1))


def ntu_record(seed=0, frames=40, persons=2):
    rng = np.random.default_rng(seed)
    return generate_sample(rng, seed % 12, 'ntu3d', num_frames=frames,
                           num_persons=persons)


def ucla_clip(frames=6, seed=0):
    """A hand-made NW-UCLA-20 body: a standing figure (metres) whose arms
    and legs swing a little from frame to frame."""
    pose = {
        'hip_center': (0, 0.9, 3), 'spine': (0, 1.2, 3),
        'shoulder_center': (0, 1.45, 3), 'head': (0, 1.65, 3),
        'left_shoulder': (0.2, 1.4, 3), 'left_elbow': (0.3, 1.15, 3),
        'left_wrist': (0.35, 0.9, 3), 'left_hand': (0.37, 0.82, 3),
        'right_shoulder': (-0.2, 1.4, 3), 'right_elbow': (-0.3, 1.15, 3),
        'right_wrist': (-0.35, 0.9, 3), 'right_hand': (-0.37, 0.82, 3),
        'left_hip': (0.1, 0.88, 3), 'left_knee': (0.12, 0.48, 3),
        'left_ankle': (0.12, 0.08, 3), 'left_foot': (0.12, 0.02, 2.9),
        'right_hip': (-0.1, 0.88, 3), 'right_knee': (-0.12, 0.48, 3),
        'right_ankle': (-0.12, 0.08, 3), 'right_foot': (-0.12, 0.02, 2.9)}
    base = np.array([pose[name] for name in NWUCLA20.joints], np.float64)
    rng = np.random.default_rng(seed)
    clip = base + rng.normal(0, 0.03, (frames, 20, 3))
    return clip[None].astype(np.float32)  # [1, T, 20, 3]


def random_rigid(rng):
    rot = rotation_matrix(rng.uniform(-np.pi, np.pi, 3))
    return rot, rng.normal(0, 2, 3)


# -------------------------------------------------- hand-computed values


def test_toy_distances_by_hand():
    jdd = stid.joint_distance_descriptor(TOY, TOY_PAIRS, TOY_BONES)
    expected = np.array([[3, 3, 0], [4, 4, 2], [5, 5, 2]]) / 7
    np.testing.assert_allclose(jdd, expected, rtol=1e-6)
    np.testing.assert_allclose(stid.body_scale(TOY, TOY_BONES), [7])


def test_toy_displacements_by_hand():
    add = stid.displacement_descriptor(TOY)
    expected = np.array([[3, 0], [3, 3], [3, np.sqrt(20)]])
    np.testing.assert_allclose(add, expected, rtol=1e-6)


def test_toy_angles_by_hand():
    lad = stid.angle_descriptor(TOY, TOY_ANGLES)
    a1 = np.arccos(3 / 5)  # at joint 1, opposite the side of length 4
    a2 = np.arccos(4 / 5)
    expected = np.array([
        [np.pi / 2, np.pi / 2, 0],  # frame 2: side 0-1 has length 0
        [a1, a1, 0],  # vertex 1 on joint 0: a side at the vertex is 0
        [a2, a2, 0],  # ends 0 and 1 coincide: the angle between is 0
    ])
    np.testing.assert_allclose(lad, expected, atol=1e-7)


def test_toy_graph_descriptor_by_hand():
    op = stid.graph_operator(TOY_BONES, 3)
    # deg (with the self loop): joint 0 has 3, joints 1 and 2 have 2
    np.testing.assert_allclose(op, [[1 / 3, 1 / 3, 1 / 3], [.5, .5, 0],
                                    [.5, 0, .5]])
    # edge direction and repeats do not matter
    np.testing.assert_array_equal(
        stid.graph_operator(((0, 1), (0, 2), (1, 0)), 3), op)
    gd = stid.graph_descriptor(TOY, TOY_BONES)
    assert gd.shape == (3, 3, 3)
    # frame 0: out_w = sum_i X_i A_hat[i, w]
    np.testing.assert_allclose(gd[:, 0], [[1.5, 2, 0], [1.5, 0, 0],
                                          [0, 2, 0]])
    # every frame (the reference leaves frame 0 empty)
    x = TOY[0].astype(np.float64)
    for t in range(3):
        np.testing.assert_allclose(gd[:, t], (x[t].T @ op).T)


def test_center_keypoint_moves_body0_origin_and_keeps_padding():
    kp = np.stack([TOY[0], TOY[0] + 1.]).copy()  # 2 bodies
    kp[1, 0] = 0  # body 1 missing in frame 0
    out = stid.center_keypoint(kp, 1)
    np.testing.assert_allclose(out[0], TOY[0] - TOY[0, 0, 1])
    np.testing.assert_array_equal(out[1, 0], 0)
    np.testing.assert_allclose(out[1, 1:], kp[1, 1:] - TOY[0, 0, 1])


def test_no_cosine_rounding():
    """The reference rounds the cosine to 2 decimals first."""
    theta = 0.1  # cos 0.995: the reference would give arccos(0.99) or 0
    kp = np.array([[[[0, 0, 0], [1, 0, 0],
                     [np.cos(theta), np.sin(theta), 0]]]])
    lad = stid.angle_descriptor(kp, [(0, 1, 2)])
    assert lad[0, 0] == pytest.approx(theta, abs=1e-12)


def test_angles_stay_finite_for_collinear_points():
    # cosines of exactly +-1 up to rounding: clipped, never NaN
    kp = np.array([[[[0, 0, 0], [1e-3, 2e-3, 3e-3], [5, 10, 15]],
                    [[0, 0, 0], [1, 1, 1], [-3, -3, -3]]]])
    lad = stid.angle_descriptor(kp, [(0, 1, 2)])
    np.testing.assert_allclose(lad[0], [0, np.pi], atol=1e-6)


def test_low_level_functions_check_indices():
    with pytest.raises(ValueError, match='JDD pairs: joint indices outside'):
        stid.joint_distance_descriptor(TOY, [(0, 3)], TOY_BONES)
    with pytest.raises(ValueError, match='LAD angles: joint indices'):
        stid.angle_descriptor(TOY, [(0, 1, -1)])
    with pytest.raises(ValueError, match=r'3D keypoint \[M, T, V, 3\]'):
        stid.displacement_descriptor(TOY[..., :2])
    with pytest.raises(ValueError, match='at least 1 frame'):
        stid.displacement_descriptor(np.zeros((1, 0, 3, 3)))


# ------------------------------------------------------------- layouts


def test_ntu_spec_resolves_names():
    spec = stid.get_stid_spec('nturgb+d')
    assert spec is stid.NTU25_STID and spec.layout is NTU25
    assert spec.pair_index.shape == (32, 2)
    assert spec.angle_index.shape == (14, 3)
    assert spec.origin_index == NTU25.joints.index('spine_mid') == 1
    # the reference's 0-based pairs, by name
    j = NTU25.joints.index
    assert tuple(spec.pair_index[0]) == (j('left_elbow'), j('right_elbow'))
    assert (j('spine_shoulder'), j('right_elbow')) in map(
        tuple, spec.pair_index.tolist())
    assert tuple(spec.angle_index[-1]) == (j('right_hand'),
                                           j('right_hand_tip'),
                                           j('right_thumb'))
    assert not spec.pair_index.flags.writeable
    assert len(set(map(tuple, spec.pair_index.tolist()))) == 32


def test_nwucla_spec_is_ntu_by_name():
    ntu, ucla = stid.NTU25_STID, stid.NWUCLA20_STID
    assert ucla.layout is NWUCLA20 and stid.get_stid_spec(NWUCLA20) is ucla
    assert len(ucla.jdd_pairs) == 32 and len(ucla.lad_angles) == 14
    assert ucla.origin == 'spine'
    rename = stid.NTU_TO_NWUCLA_JOINTS
    for a, b in zip(ntu.jdd_pairs, ucla.jdd_pairs):
        assert b == tuple(rename.get(n, n) for n in a)
    subs = stid.NWUCLA_ANGLE_SUBSTITUTES
    for a, b in zip(ntu.lad_angles, ucla.lad_angles):
        assert b == subs.get(a, tuple(rename.get(n, n) for n in a))
    # the hand angles became the wrist angles
    assert ('left_wrist', 'left_elbow', 'left_hand') in ucla.lad_angles
    for group in ucla.jdd_pairs + ucla.lad_angles:
        assert len(set(group)) == len(group)
    assert ucla.pair_index.max() < 20 and ucla.angle_index.max() < 20


def test_unknown_layout_or_bad_spec():
    with pytest.raises(ValueError, match="no STID joint pairs.*'coco'"):
        stid.get_stid_spec('coco')
    with pytest.raises(KeyError, match='unknown skeleton layout'):
        stid.get_stid_spec('nope')
    bad = stid.STIDSpec(NTU25, 'spine_mid',
                        (stid.JointPair('head', 'nose'), ), ())
    with pytest.raises(ValueError, match=r"no joint\(s\) \['nose'\]"):
        bad.validate()
    bad = stid.STIDSpec(NTU25, 'spine_mid', (),
                        (stid.Angle('head', 'head', 'neck'), ))
    with pytest.raises(ValueError, match='repeats a joint'):
        bad.validate()


@pytest.mark.parametrize('persons', [1, 2])
def test_ntu_matrix_shapes(persons):
    kp = ntu_record(frames=30, persons=persons)['keypoint']
    assert kp.shape == (persons, 30, 25, 3)
    m = stid.stid_matrices(kp, 'nturgb+d')
    assert m['gd'].shape == (25 * persons, 30, 3)
    assert m['jdd'].shape == (32 * persons, 30)
    assert m['add'].shape == (25 * persons, 29)
    assert m['lad'].shape == (14 * persons, 30)
    for x in m.values():
        assert x.dtype == np.float64 and np.isfinite(x).all()
    assert (m['lad'] >= 0).all() and (m['lad'] <= np.pi).all()


def test_ntu_values_match_the_named_joints():
    kp = ntu_record(1)['keypoint'].astype(np.float64)
    m = stid.stid_matrices(kp, 'nturgb+d')
    spec = stid.NTU25_STID
    j = NTU25.joints.index
    for b in range(2):
        bones = kp[b, 0, [c for c, _ in NTU25.bones]] - \
            kp[b, 0, [p for _, p in NTU25.bones]]
        scale = np.linalg.norm(bones, axis=-1).sum()
        for p, (n1, n2) in enumerate(spec.jdd_pairs):
            np.testing.assert_allclose(
                m['jdd'][b * 32 + p],
                np.linalg.norm(kp[b, :, j(n1)] - kp[b, :, j(n2)], axis=-1) /
                scale)
        for a, (v, e1, e2) in enumerate(spec.lad_angles):
            u, w = kp[b, :, j(e1)] - kp[b, :, j(v)], kp[b, :, j(e2)] - \
                kp[b, :, j(v)]
            cos = (u * w).sum(-1) / np.linalg.norm(u, axis=-1) / \
                np.linalg.norm(w, axis=-1)
            np.testing.assert_allclose(m['lad'][b * 14 + a],
                                       np.arccos(np.clip(cos, -1, 1)),
                                       atol=1e-7)
        np.testing.assert_allclose(
            m['add'][b * 25:(b + 1) * 25],
            np.linalg.norm(np.diff(kp[b], axis=0), axis=-1).T)


def test_nwucla_matrices():
    kp = ucla_clip(frames=6)
    m = stid.stid_matrices(kp, 'nw-ucla')
    assert m['gd'].shape == (20, 6, 3)
    assert m['jdd'].shape == (32, 6)
    assert m['add'].shape == (20, 5)
    assert m['lad'].shape == (14, 6)
    j = NWUCLA20.joints.index
    # L sums the layout's 19 bones once each (the reference counts
    # shoulder_center-head twice)
    scale = sum(np.linalg.norm(kp[0, 0, c] - kp[0, 0, p].astype(np.float64))
                for c, p in NWUCLA20.bones)
    assert stid.body_scale(kp, NWUCLA20.bones)[0] == pytest.approx(scale)
    row = stid.NWUCLA20_STID.jdd_pairs.index(('head', 'left_shoulder'))
    np.testing.assert_allclose(
        m['jdd'][row], np.linalg.norm(
            kp[0, :, j('head')] - kp[0, :, j('left_shoulder')].astype(
                np.float64), axis=-1) / scale, rtol=1e-6)
    with pytest.raises(ValueError, match="25 joints, layout 'nw-ucla' has"):
        stid.stid_matrices(ntu_record()['keypoint'], 'nw-ucla')


def test_nwucla_every_jdd_row_is_normalised():
    """The reference leaves NW-UCLA's row 25 undivided: scaling the body
    would change it. Here no row changes."""
    kp = ucla_clip()
    a = stid.stid_matrices(kp, 'nw-ucla', ('jdd', ))['jdd']
    b = stid.stid_matrices(kp * 3, 'nw-ucla', ('jdd', ))['jdd']
    np.testing.assert_allclose(a, b, rtol=1e-6)


# ------------------------------------------ the fixes of the reference


def test_jdd_pairs_use_their_own_z():
    """The reference's (spine_shoulder, right_elbow) and (right_shoulder,
    right_wrist) take the z of joints 17 and 9."""
    kp = ntu_record(2, persons=1)['keypoint'].astype(np.float64)
    rows = [stid.NTU25_STID.jdd_pairs.index(p) for p in (
        ('spine_shoulder', 'right_elbow'), ('right_shoulder', 'right_wrist'))]

    def distances(x):  # in metres: undo the normaliser, which the moved
        jdd = stid.stid_matrices(x, descriptors=('jdd', ))['jdd'][rows]
        return jdd * stid.body_scale(x, NTU25.bones)[0]  # joints' bones set

    before = distances(kp)
    moved = kp.copy()
    moved[..., NTU25.joints.index('right_knee'), 2] += 0.7
    after = distances(moved)
    np.testing.assert_allclose(before, after)  # joint 17's z plays no part
    moved = kp.copy()
    moved[..., NTU25.joints.index('right_elbow'), 2] += 0.7
    after = distances(moved)
    assert not np.allclose(before[0], after[0])  # its own z does


def test_two_body_rows_are_complete_and_each_body_normalised():
    """Body 1 a moved, scaled copy of body 0: its JDD rows (with the
    reference's overwritten row 48 and zero row 49) equal body 0's, and
    so do its LAD rows (the reference's left-elbow angle of body 1 uses
    the hand)."""
    kp = ntu_record(3, persons=1)['keypoint'].astype(np.float64)
    two = np.concatenate([kp, kp * 1.5 + [0.8, 0, 0.4]])
    m = stid.stid_matrices(two, descriptors=('jdd', 'lad', 'add'))
    np.testing.assert_allclose(m['jdd'][32:], m['jdd'][:32])
    assert (m['jdd'][48:50] > 0).all()
    np.testing.assert_allclose(m['lad'][14:], m['lad'][:14], atol=1e-7)
    np.testing.assert_allclose(m['add'][25:], 1.5 * m['add'][:25])


# ------------------------------------------------------------ invariance


def test_jdd_add_lad_invariant_to_rotation_and_translation():
    rng = np.random.default_rng(5)
    kp = ntu_record(4)['keypoint'].astype(np.float64)
    rot, shift = random_rigid(rng)
    moved = kp @ rot.T + shift
    a = stid.stid_matrices(kp, descriptors=('jdd', 'add', 'lad'))
    b = stid.stid_matrices(moved, descriptors=('jdd', 'add', 'lad'))
    for name in ('jdd', 'add', 'lad'):
        np.testing.assert_allclose(a[name], b[name], atol=1e-7)
    scaled = stid.stid_matrices(kp * 0.5, descriptors=('jdd', 'add', 'lad'))
    np.testing.assert_allclose(scaled['jdd'], a['jdd'], rtol=1e-9)
    np.testing.assert_allclose(scaled['lad'], a['lad'], atol=1e-7)
    np.testing.assert_allclose(scaled['add'], a['add'] * 0.5)


def test_gd_invariant_to_translation_not_rotation():
    kp = ntu_record(6)['keypoint'].astype(np.float64)
    gd = stid.stid_matrices(kp, descriptors=('gd', ))['gd']
    moved = stid.stid_matrices(kp + [3., -1., 2.], descriptors=('gd', ))
    np.testing.assert_allclose(moved['gd'], gd, atol=1e-9)
    rot = rotation_matrix([0.3, 0.2, 0.1])
    turned = stid.stid_matrices(kp @ rot.T, descriptors=('gd', ))['gd']
    assert not np.allclose(turned, gd, atol=1e-3)
    # frame 0 is computed (the reference leaves it 0)
    assert np.abs(gd[:, 0]).max() > 0.05


# ------------------------------------------------------ degenerate clips


def test_one_frame_clip():
    kp = ucla_clip(frames=1)
    m = stid.stid_matrices(kp, 'nw-ucla')
    assert m['add'].shape == (20, 0)
    imgs = stid.descriptor_images(m, stid.DESCRIPTORS, 112)
    assert imgs.shape == (5, 112, 112, 3)
    np.testing.assert_array_equal(imgs[2], 0)  # ADD: no columns, all 0
    np.testing.assert_array_equal(imgs[4][..., 1], 0)  # FDD's G is ADD
    assert imgs[1].max() == 255  # JDD still spans its range
    out = STIDDescriptors(layout='nw-ucla')(dict(keypoint=kp))
    np.testing.assert_array_equal(out['imgs'], imgs)


def test_missing_second_body():
    kp = ntu_record(7, frames=20, persons=1)['keypoint']
    two = np.concatenate([kp, np.zeros_like(kp)])
    m = stid.stid_matrices(two)
    for name, rows in (('jdd', 32), ('add', 25), ('lad', 14), ('gd', 25)):
        assert np.isfinite(m[name]).all()
        np.testing.assert_array_equal(m[name][rows:], 0)
    one = stid.stid_matrices(kp)
    for name in ('gd', 'jdd', 'add', 'lad'):
        np.testing.assert_allclose(m[name][:len(one[name])], one[name])
    imgs = STIDDescriptors()(dict(keypoint=two))['imgs']
    assert imgs.dtype == np.uint8 and imgs.shape == (5, 112, 112, 3)


def test_body_appearing_late_and_frames_of_padding():
    kp = ntu_record(8, frames=12)['keypoint'].astype(np.float64)
    kp[1, :3] = 0  # body 1 appears in frame 3
    kp[0, 6] = 0  # body 0 is missing in frame 6
    m = stid.stid_matrices(kp)
    add = m['add'].reshape(2, 25, 11)
    np.testing.assert_array_equal(add[0, :, 5:7], 0)  # frames 5-6, 6-7
    assert (add[0, :, [4, 7]] > 0).any()
    np.testing.assert_array_equal(add[1, :, :3], 0)
    # L of body 1 comes from its first present frame (3)
    bones = np.array(NTU25.bones)
    scale = np.linalg.norm(kp[1, 3, bones[:, 0]] - kp[1, 3, bones[:, 1]],
                           axis=-1).sum()
    assert stid.body_scale(kp, NTU25.bones)[1] == pytest.approx(scale)
    # GD of padding frames stays 0 (not minus the origin)
    gd = m['gd'].reshape(2, 25, 12, 3)
    np.testing.assert_array_equal(gd[0, :, 6], 0)
    np.testing.assert_array_equal(gd[1, :, :3], 0)


def test_zero_length_bones_and_sides():
    kp = np.ones((1, 3, 25, 3))  # every joint on one point
    m = stid.stid_matrices(kp)
    np.testing.assert_array_equal(stid.body_scale(kp, NTU25.bones), [1.])
    for x in m.values():
        assert np.isfinite(x).all()
    np.testing.assert_array_equal(m['jdd'], 0)
    np.testing.assert_array_equal(m['lad'], 0)
    imgs = STIDDescriptors()(dict(keypoint=kp.astype(np.float32)))['imgs']
    np.testing.assert_array_equal(imgs, 0)  # constant matrices -> 0


def test_all_zero_clip():
    imgs = STIDDescriptors()(dict(keypoint=np.zeros((2, 5, 25, 3),
                                                    np.float32)))['imgs']
    np.testing.assert_array_equal(imgs, 0)


# ---------------------------------------------------------------- images


def test_scale_to_uint8_by_hand():
    x = np.array([[0., 1., 2.], [0.5, 1.5, 2.]])
    np.testing.assert_array_equal(stid.scale_to_uint8(x),
                                  [[0, 127, 255], [63, 191, 255]])
    # constant (a single row, or a whole matrix) -> 0
    np.testing.assert_array_equal(stid.scale_to_uint8(np.full((1, 4), 3.)),
                                  0)
    assert stid.scale_to_uint8(np.zeros((3, 0))).shape == (3, 0)
    # per channel: each channel on its own; a constant channel is 0
    rgb = np.stack([x, 10 * x, np.full_like(x, 7.)], axis=-1)
    out = stid.scale_to_uint8(rgb, per_channel=True)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out[..., 2], 0)
    np.testing.assert_array_equal(out[..., 0], [[0, 127, 255],
                                                [63, 191, 255]])
    with pytest.raises(ValueError, match='NaN or infinite'):
        stid.scale_to_uint8(np.array([[0., np.nan]]))
    with pytest.raises(ValueError, match='NaN or infinite'):
        stid.scale_to_uint8(np.array([[[0., 1., np.inf]]]), per_channel=True)


def test_scale_to_uint8_maximum_is_always_255():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x = rng.uniform(-1, 1, (4, 5)) * 10.**rng.integers(-6, 6)
        out = stid.scale_to_uint8(x)
        assert out.max() == 255 and out.min() == 0


def test_resize_shrinking_frames_does_not_alias():
    """A row that alternates every frame (fast motion), 300 frames -> 112:
    the widened tent averages it out; a plain cubic or linear resize picks
    frames and keeps the alternation at full contrast, a box (INTER_AREA)
    leaves three times more of it."""
    row = np.tile(np.array([0, 255], np.uint8), 150)[None].repeat(25, 0)
    out = stid.resize_image(row, 112)
    assert out.shape == (112, 112) and out.dtype == np.uint8
    ours = np.abs(out.astype(int) - 127.5).max()
    assert ours <= 12
    for interp in (cv2.INTER_CUBIC, cv2.INTER_LINEAR):
        plain = cv2.resize(row, (112, 112), interpolation=interp)
        assert np.abs(plain.astype(int) - 127.5).max() > 100
    box = cv2.resize(row, (112, 112), interpolation=cv2.INTER_AREA)
    assert np.abs(box.astype(int) - 127.5).max() > 2.5 * ours
    # a slow ramp (a smooth motion) survives the shrink
    ramp = np.linspace(0, 255, 300)[None].repeat(3, 0).astype(np.uint8)
    out = stid.resize_image(ramp, 112)[0].astype(int)
    assert (np.diff(out) >= 0).all() and out[0] <= 2 and out[-1] >= 253


def test_resize_growing_rows_has_no_overshoot():
    """Feature rows 0 / 255 / 0 grow to 112: the tent stays within the
    neighbouring values and is monotone between them."""
    img = np.array([[0] * 10, [255] * 10, [0] * 10], np.uint8)
    out = stid.resize_image(img, 112).astype(int)
    col = out[:, 0]
    assert col.min() >= 0 and col.max() <= 255 and col.max() >= 250
    assert (np.diff(col[:56]) >= 0).all() and (np.diff(col[56:]) <= 0).all()
    assert (out == out[:, :1]).all()  # constant along the frames
    cubic = cv2.resize(img.astype(np.float32), (112, 112),
                       interpolation=cv2.INTER_CUBIC)
    assert cubic.min() < -1  # what the tent avoids


def test_resize_weights_by_hand():
    # growing 2 -> 4: linear between pixel centres, clamped at the ends
    np.testing.assert_allclose(
        stid.resize_weights(2, 4),
        [[1, 0], [.75, .25], [.25, .75], [0, 1]])
    # shrinking 4 -> 2: tents of half-width 2 centred at 1 and 3 (input
    # centres at 0.5 ... 3.5): weights 0.75, 0.75, 0.25, 0 over their sum
    np.testing.assert_allclose(
        stid.resize_weights(4, 2),
        [[3 / 7, 3 / 7, 1 / 7, 0], [0, 1 / 7, 3 / 7, 3 / 7]], rtol=1e-6)
    for n_in, n_out in ((300, 112), (25, 112), (112, 112), (1, 9), (7, 1)):
        w = stid.resize_weights(n_in, n_out)
        assert w.shape == (n_out, n_in) and (w >= 0).all()
        np.testing.assert_allclose(w.sum(axis=1), 1, rtol=1e-6)
    assert not stid.resize_weights(300, 112).flags.writeable


def test_resize_matches_pil_bilinear():
    """The filter is PIL's BILINEAR (antialiased tent) on a float image."""
    image_mod = pytest.importorskip('PIL.Image')
    rng = np.random.default_rng(0)
    for h, w in ((50, 300), (14, 20), (64, 112), (200, 40), (1, 7)):
        img = rng.integers(0, 256, (h, w)).astype(np.uint8)
        pil = np.asarray(image_mod.fromarray(
            img.astype(np.float32), 'F').resize((112, 112),
                                                image_mod.BILINEAR))
        ours = stid.resize_image(img, 112)
        assert np.abs(ours - pil).max() <= 0.5 + 1e-3


def test_resize_keeps_constants_same_size_and_empty():
    np.testing.assert_array_equal(
        stid.resize_image(np.full((50, 300), 77, np.uint8)), 77)
    img = np.random.default_rng(0).integers(0, 256, (112, 112, 3),
                                            dtype=np.uint8)
    np.testing.assert_array_equal(stid.resize_image(img), img)
    out = stid.resize_image(np.zeros((20, 0), np.uint8), 16)
    assert out.shape == (16, 16) and not out.any()
    out = stid.resize_image(np.zeros((7, 1, 3), np.uint8) + 9, 16)
    assert out.shape == (16, 16, 3) and (out == 9).all()


def test_descriptor_images_order_and_channels():
    m = stid.stid_matrices(ntu_record(9)['keypoint'])
    all5 = stid.descriptor_images(m, stid.DESCRIPTORS, 64)
    assert all5.shape == (5, 64, 64, 3) and all5.dtype == np.uint8
    for i in (1, 2, 3):  # gray: 3 equal channels
        assert (all5[i] == all5[i][..., :1]).all()
        assert all5[i].max() > 200 and all5[i].min() < 50
    np.testing.assert_array_equal(all5[4], np.stack(
        [all5[1][..., 0], all5[2][..., 0], all5[3][..., 0]], -1))
    # GD: x, y, z each scaled on its own
    gd = stid.resize_image(stid.scale_to_uint8(m['gd'], True), 64)
    np.testing.assert_array_equal(all5[0], gd)
    some = stid.descriptor_images(m, ('lad', 'gd'), 64)
    np.testing.assert_array_equal(some, all5[[3, 0]])


# ------------------------------------------------------------- transform


def test_transform_outputs():
    rec = ntu_record(10, frames=300)
    kp = rec['keypoint'].copy()
    out = STIDDescriptors()(dict(rec))
    assert out['imgs'].shape == (5, 112, 112, 3)
    assert out['imgs'].dtype == np.uint8
    assert out['stid_descriptors'] == ('gd', 'jdd', 'add', 'lad', 'fdd')
    assert out['img_shape'] == (112, 112)
    np.testing.assert_array_equal(out['keypoint'], kp)  # left as it was
    m = stid.stid_matrices(kp)
    np.testing.assert_array_equal(out['imgs'],
                                  stid.descriptor_images(m))
    # float32 and float64 inputs give the same images
    out64 = STIDDescriptors()(dict(keypoint=kp.astype(np.float64)))
    np.testing.assert_array_equal(out64['imgs'], out['imgs'])
    # mmactx's NTU converter stores float16
    out16 = STIDDescriptors()(dict(keypoint=kp.astype(np.float16)))
    assert out16['imgs'].shape == (5, 112, 112, 3)
    assert np.abs(out16['imgs'].astype(int) - out['imgs']).mean() < 2


def test_transform_subset_and_size():
    rec = ntu_record(11, persons=1)
    t = STIDDescriptors(descriptors=['fdd', 'jdd'], size=32)
    out = t(dict(rec))
    assert out['imgs'].shape == (2, 32, 32, 3)
    assert out['stid_descriptors'] == ('fdd', 'jdd')
    np.testing.assert_array_equal(out['imgs'][0][..., 0],
                                  out['imgs'][1][..., 0])
    assert 'fdd' in repr(t) and 'size=32' in repr(t)


def test_transform_errors():
    with pytest.raises(ValueError, match=r"unknown STID descriptor\(s\) "
                       r"\['hog'\]"):
        STIDDescriptors(descriptors=('gd', 'hog'))
    with pytest.raises(ValueError, match='no STID descriptor given'):
        STIDDescriptors(descriptors=())
    with pytest.raises(ValueError, match="no STID joint pairs.*'coco'"):
        STIDDescriptors(layout='coco')
    with pytest.raises(ValueError, match='size must be a positive int'):
        STIDDescriptors(size=0)
    t = STIDDescriptors(layout='nw-ucla')
    with pytest.raises(ValueError, match="'s1': keypoint has 25 joints, "
                       "layout 'nw-ucla' has 20"):
        t(dict(frame_dir='s1', keypoint=ntu_record()['keypoint']))
    with pytest.raises(ValueError, match='takes 1 or 2 bodies, keypoint '
                       'has 3'):
        t(dict(keypoint=np.zeros((3, 4, 20, 3), np.float32)))
    with pytest.raises(ValueError, match=r'needs 3D keypoint'):
        t(dict(keypoint=np.zeros((1, 4, 20, 2), np.float32)))
    with pytest.raises(ValueError, match='at least 1 frame'):
        t(dict(keypoint=np.zeros((1, 0, 20, 3), np.float32)))


def test_pipeline_gives_nchw_inputs():
    pipeline = Compose([
        dict(type='STIDDescriptors', layout='nturgb+d'),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ])
    rec = ntu_record(12, frames=50)
    out = pipeline(dict(rec, label=rec['label']))
    assert tuple(out['inputs'].shape) == (5, 3, 112, 112)
    assert str(out['inputs'].dtype) == 'torch.uint8'
    assert out['data_samples'].gt_label.item() == rec['label']
    # channel c of input d is channel c of image d
    imgs = STIDDescriptors()(dict(keypoint=rec['keypoint']))['imgs']
    np.testing.assert_array_equal(out['inputs'].numpy(),
                                  imgs.transpose(0, 3, 1, 2))


def test_registered():
    t = TRANSFORMS.build(dict(type='STIDDescriptors', descriptors=('gd', ),
                              layout='nw-ucla', size=56))
    assert isinstance(t, STIDDescriptors)
    out = t(dict(keypoint=ucla_clip(frames=3)))
    assert out['imgs'].shape == (1, 56, 56, 3)

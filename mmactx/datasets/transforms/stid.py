"""STID: spatio-temporal invariant descriptors, skeleton sequences as images.

A 3D skeleton clip ``keypoint`` [M, T, V, 3] (M = 1 or 2 bodies, T frames,
V joints of an NTU-25 or NW-UCLA-20 layout, metres) becomes five small
images. Each descriptor is first a float matrix with features as rows and
frames as columns; with two bodies the rows double (body 0's rows, then body
1's), each body with its own normaliser:

* **GD** (graph descriptor), [M*V, T, 3]: per frame ``X (3 x V) @ A_hat``,
  ``A_hat`` the row-normalised ``A + I`` of the layout's undirected bone
  graph (joint ``w`` gets ``sum_i X_i (A + I)[i, w] / deg_i``); x, y, z
  become R, G, B. Computed after the clip is translated so that body 0's
  origin joint (NTU ``spine_mid``, NW-UCLA ``spine``) in its first frame
  (frame 0 unless that is padding) is 0.
* **JDD** (joint distance descriptor), [M*P, T]: Euclidean distances of the
  ``P`` joint pairs of :class:`STIDSpec`, divided by ``L``, the body's sum of
  bone lengths (the layout's bones) in its first frame (frame 0 unless that
  is padding; ``L := 1`` if 0).
* **ADD** (adjacent-frame displacement descriptor), [M*V, T-1]:
  ``||p_j(t + 1) - p_j(t)||`` in metres.
* **LAD** (limb angle descriptor), [M*A, T]: the ``A`` angles of
  :class:`STIDSpec` in radians, in ``[0, pi]``.
* **FDD** (fused descriptor): the JDD, ADD and LAD *images* (after scaling
  and resizing) merged as R, G, B.

Distances, displacements and angles are invariant to rotation and
translation of the whole clip, and JDD also to its scale; GD is not, which
is why the clip is translated first (the reference does the same).

Images: each matrix is min-max scaled per sample to ``floor(255 * (x - min)
/ (max - min))`` uint8 (GD per channel, the others as a whole), then resized
to ``size x size`` (112 by default) with a triangle (tent) filter that is
widened by the shrink factor along an axis that shrinks: PIL's BILINEAR
resampling (:func:`resize_weights`; equal to PIL's on float images up to
rounding). Why: the frames axis usually shrinks (NTU: up to 300 -> 112)
while the feature axis grows (25 / 50 / 32 / 64 / 14 / 28 rows -> 112).

* Shrinking must antialias, or fast motion (a row alternating from frame
  to frame) folds into false slow patterns. The reference's PIL bicubic
  does antialias (its support widens with the shrink); ``cv2.INTER_CUBIC``
  / ``INTER_LINEAR`` do not (they pick every ~2.7th frame: the alternation
  survives at full contrast); ``cv2.INTER_AREA`` (a box average) leaves
  ~25 % of it (for 300 -> 112 a 0 / 255 alternation comes out within
  127.5 +- 33); the widened tent leaves ~9 % (+- 11.5).
* Growing: neighbouring rows are unrelated features, so step edges are the
  norm. A cubic kernel has negative lobes and overshoots at steps (ringing,
  clipped at 0 / 255); the tent's weights are non-negative, so every output
  lies between its neighbouring inputs.

Grayscale descriptors are repeated into 3 identical channels, as the
reference's cv2 loader feeds them. Channel order is R, G, B (GD: x, y, z;
FDD: JDD, ADD, LAD); the reference reads its PNGs with cv2, i.e. reversed,
which a network trained from scratch does not notice, but a tool that
writes PNGs with cv2 must reverse the channels.

Deviations from the reference code (adjkamel/imdar ``skels2desc_*.py``),
each a fix of what its descriptors intend:

1. JDD pairs (spine_shoulder, right_elbow) and (right_shoulder,
   right_wrist): the reference takes a z from another joint (17, resp. 9)
   than the pair's; here every pair uses its own joints' x, y, z.
2. Two-body JDD: the reference overwrites row 48 and leaves row 49 zero;
   here body 1's rows are its 32 pairs, like body 0's.
3. Two-body LAD: the reference's two-body code takes left_hand (7)
   instead of left_wrist (6) as an end of the angle at left_elbow; here it
   is (left_shoulder, left_wrist) for every body, as in its one-body code.
4. NW-UCLA JDD: the reference leaves one row (25) undivided by ``L`` and
   counts the bone shoulder_center-head twice in ``L``; here every row is
   divided and ``L`` sums the layout's bones once each.
5. GD: the reference leaves column 0 (frame 0) at 0; here every frame is
   computed.
6. Constant matrices: the reference divides by ``max - min = 0`` (NaN,
   then an undefined uint8 cast); here a constant (or empty) matrix or GD
   channel becomes 0 (black).
7. LAD: the reference rounds the cosine to 2 decimals before ``arccos``,
   which quantises small angles to steps of about 8 degrees (``arccos(0.99)
   = 0.14`` rad); here the cosine is only clipped to ``[-1, 1]``. It is
   ``(a^2 + b^2 - c^2) / (2ab)`` (law of cosines, ``a``, ``b`` the sides at
   the vertex), computed as ``u . v / (|u| |v|)``, the same value without
   the cancellation of ``a^2 + b^2 - c^2``. The angle is 0 where a side at
   the vertex has length 0 (as the reference).
8. NW-UCLA pairs and angles are defined by joint names (see
   :data:`NTU_TO_NWUCLA_JOINTS`), not the reference's index re-mapping.
9. Padding: mmactx records mark a missing body in a frame by all-zero
   coordinates. Such person-frames are not translated (they stay 0, so a
   missing second body has GD, JDD, LAD and ADD rows of 0), ``L`` is taken
   at the body's first present frame (frame 0 when present, as the
   reference), and ADD is 0 where either of the two frames is padding (the
   reference would record the jump from the origin to the pose).
10. A 1-frame clip has an ADD matrix with 0 columns; its image is all 0,
    as the reference's (and a constant JDD / LAD gives 0 by rule 6).
11. Resizing: PIL's antialiased BILINEAR (tent) filter instead of its
    BICUBIC, in float with one rounding at the end (PIL rounds uint8
    images between its two passes), and a ``1e-6`` grey-level tolerance in
    the floor of the scaling so that the maximum always maps to 255 despite
    float rounding.
"""
import functools
from typing import Dict, Mapping, NamedTuple, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from scipy import sparse

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import NTU25, NWUCLA20, SkeletonLayout, get_layout

from .view_normalization import present_frames

DESCRIPTORS: Tuple[str, ...] = ('gd', 'jdd', 'add', 'lad', 'fdd')
# the matrices each descriptor image is made of
_NEEDS = dict(gd=('gd', ), jdd=('jdd', ), add=('add', ), lad=('lad', ),
              fdd=('jdd', 'add', 'lad'))


class JointPair(NamedTuple):
    """Two joints, by name, whose distance is a JDD row."""
    a: str
    b: str


class Angle(NamedTuple):
    """A LAD angle, by joint names: at ``vertex``, between the directions to
    ``end1`` and ``end2``."""
    vertex: str
    end1: str
    end2: str


class STIDSpec(NamedTuple):
    """Which joints the STID descriptors of a layout use.

    Attributes:
        layout (SkeletonLayout): The layout; its ``bones`` give GD's graph
            and JDD's normaliser.
        origin (str): Joint of body 0's first frame that becomes the origin.
        jdd_pairs (tuple[JointPair]): JDD's joint pairs, in row order.
        lad_angles (tuple[Angle]): LAD's angles, in row order.
    """
    layout: SkeletonLayout
    origin: str
    jdd_pairs: Tuple[JointPair, ...]
    lad_angles: Tuple[Angle, ...]

    @property
    def origin_index(self) -> int:
        """Index of :attr:`origin` in the layout."""
        return self.layout.joints.index(self.origin)

    @property
    def pair_index(self) -> np.ndarray:
        """[P, 2] int joint indices of :attr:`jdd_pairs` (read-only)."""
        return _resolve(self)[0]

    @property
    def angle_index(self) -> np.ndarray:
        """[A, 3] int ``(vertex, end1, end2)`` indices of
        :attr:`lad_angles` (read-only)."""
        return _resolve(self)[1]

    @property
    def bones(self) -> np.ndarray:
        """[E, 2] int ``(child, parent)`` edges of the layout's bones
        (read-only)."""
        return _resolve(self)[2]

    def validate(self) -> 'STIDSpec':
        """Check every name against the layout; return self.

        Raises:
            ValueError: a name the layout lacks, or a pair / angle that
                repeats a joint.
        """
        joints = set(self.layout.joints)
        groups = [(self.origin, )] + list(self.jdd_pairs) + list(
            self.lad_angles)
        for group in groups:
            missing = [n for n in group if n not in joints]
            if missing:
                raise ValueError(f'STID spec of {self.layout.name!r}: no '
                                 f'joint(s) {missing} in the layout')
            if len(set(group)) != len(group):
                raise ValueError(f'STID spec of {self.layout.name!r}: '
                                 f'{group} repeats a joint')
        return self


@functools.lru_cache(maxsize=None)
def _resolve(spec: STIDSpec) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint indices of a spec's pairs, angles and bones, computed once."""
    names = spec.layout.joints
    pairs = [[names.index(n) for n in pair] for pair in spec.jdd_pairs]
    angles = [[names.index(n) for n in angle] for angle in spec.lad_angles]
    out = (np.array(pairs, np.int64).reshape(-1, 2),
           np.array(angles, np.int64).reshape(-1, 3),
           np.array(spec.layout.bones, np.int64).reshape(-1, 2))
    for arr in out:
        arr.flags.writeable = False
    return out


# The reference's 32 JDD pairs, by name, in its row order: elbows,
# wrists, knees, ankles left-right; wrists to hip / knee / ankle of the same
# side; head to ankles; hips and spine base to knees and ankles; shoulder
# girdle; crossed left-right pairs; head to knees, wrists and elbows.
NTU25_JDD_PAIRS: Tuple[JointPair, ...] = tuple(JointPair(*p) for p in (
    ('left_elbow', 'right_elbow'), ('left_wrist', 'right_wrist'),
    ('left_knee', 'right_knee'), ('left_ankle', 'right_ankle'),
    ('left_wrist', 'left_hip'), ('left_wrist', 'left_knee'),
    ('left_wrist', 'left_ankle'), ('right_wrist', 'right_hip'),
    ('right_wrist', 'right_knee'), ('right_wrist', 'right_ankle'),
    ('head', 'left_ankle'), ('head', 'right_ankle'),
    ('spine_base', 'right_knee'), ('right_hip', 'right_ankle'),
    ('spine_base', 'left_knee'), ('left_hip', 'left_ankle'),
    ('left_shoulder', 'left_wrist'), ('spine_shoulder', 'left_elbow'),
    ('neck', 'left_shoulder'), ('neck', 'right_shoulder'),
    ('spine_shoulder', 'right_elbow'), ('right_shoulder', 'right_wrist'),
    ('left_knee', 'right_ankle'), ('left_ankle', 'right_knee'),
    ('left_elbow', 'right_wrist'), ('left_wrist', 'right_elbow'),
    ('head', 'right_knee'), ('head', 'right_wrist'),
    ('head', 'right_elbow'), ('head', 'left_knee'),
    ('head', 'left_wrist'), ('head', 'left_elbow')))

# The reference's 14 LAD angles, vertex first.
NTU25_LAD_ANGLES: Tuple[Angle, ...] = tuple(Angle(*a) for a in (
    ('right_hip', 'right_knee', 'spine_base'),
    ('right_knee', 'right_ankle', 'right_hip'),
    ('left_hip', 'spine_base', 'left_knee'),
    ('left_knee', 'left_hip', 'left_ankle'),
    ('left_elbow', 'left_shoulder', 'left_wrist'),
    ('left_shoulder', 'spine_shoulder', 'left_elbow'),
    ('spine_shoulder', 'left_shoulder', 'neck'),
    ('spine_shoulder', 'neck', 'right_shoulder'),
    ('right_shoulder', 'right_elbow', 'spine_shoulder'),
    ('right_elbow', 'right_wrist', 'right_shoulder'),
    ('left_ankle', 'left_foot', 'left_knee'),
    ('right_ankle', 'right_knee', 'right_foot'),
    ('left_hand', 'left_thumb', 'left_hand_tip'),
    ('right_hand', 'right_hand_tip', 'right_thumb')))

# NW-UCLA (Kinect v1, 20 joints) from NTU (Kinect v2, 25 joints), by name.
# Joints of the same name map to themselves. Kinect v1's shoulder_center
# sits where v2's spine_shoulder is; v1 has no neck, so the neck becomes the
# head (the next joint up the chain): a pair or angle with the neck keeps a
# non-zero side (mapping it to shoulder_center would make the two angles at
# shoulder_center degenerate), as the reference's re-mapping does. Every
# JDD pair survives the mapping (32 rows, none repeats a joint).
NTU_TO_NWUCLA_JOINTS: Dict[str, str] = dict(
    spine_base='hip_center', spine_mid='spine',
    spine_shoulder='shoulder_center', neck='head')
# v1 has no hand tips or thumbs: the two hand angles (at the hand, between
# tip and thumb) become the wrist angles (at the wrist, between elbow and
# hand), the only angle its hand chain has, as in the reference. 14 rows.
NWUCLA_ANGLE_SUBSTITUTES: Dict[Angle, Angle] = {
    Angle('left_hand', 'left_thumb', 'left_hand_tip'):
    Angle('left_wrist', 'left_elbow', 'left_hand'),
    Angle('right_hand', 'right_hand_tip', 'right_thumb'):
    Angle('right_wrist', 'right_elbow', 'right_hand'),
}


def _rename(names: Sequence[str], mapping: Mapping[str, str]) -> Tuple:
    return tuple(mapping.get(n, n) for n in names)


NTU25_STID = STIDSpec(NTU25, 'spine_mid', NTU25_JDD_PAIRS,
                      NTU25_LAD_ANGLES).validate()
NWUCLA20_STID = STIDSpec(
    NWUCLA20, NTU_TO_NWUCLA_JOINTS['spine_mid'],
    tuple(JointPair(*_rename(p, NTU_TO_NWUCLA_JOINTS))
          for p in NTU25_JDD_PAIRS),
    tuple(NWUCLA_ANGLE_SUBSTITUTES.get(a) or
          Angle(*_rename(a, NTU_TO_NWUCLA_JOINTS))
          for a in NTU25_LAD_ANGLES)).validate()
STID_SPECS: Dict[str, STIDSpec] = {
    spec.layout.name: spec for spec in (NTU25_STID, NWUCLA20_STID)}


def get_stid_spec(layout: Union[str, SkeletonLayout]) -> STIDSpec:
    """The :class:`STIDSpec` of a layout (``'nturgb+d'`` or ``'nw-ucla'``).

    Raises:
        ValueError: a layout without STID pairs and angles.
    """
    name = layout.name if isinstance(layout, SkeletonLayout) else layout
    if name not in STID_SPECS:
        known = sorted(STID_SPECS)
        get_layout(name)  # a KeyError naming the known layouts if unknown
        raise ValueError(f'no STID joint pairs / angles for layout {name!r}; '
                         f'STID supports {known}')
    return STID_SPECS[name]


# ------------------------------------------------------------- matrices
#
# The public functions take keypoint [M, T, V, 3]; their cores (``_gd`` ...)
# work on the clip transposed once to channels first, ``X`` [M, 3, V, T]:
# gathering joints then copies whole contiguous frame rows, and every
# result comes out in its row (feature) x column (frame) order.


def _check_keypoint(keypoint: np.ndarray) -> np.ndarray:
    kp = np.asarray(keypoint, dtype=np.float64)
    if kp.ndim != 4 or kp.shape[-1] != 3:
        raise ValueError('STID needs 3D keypoint [M, T, V, 3], got shape '
                         f'{kp.shape}')
    if kp.shape[1] < 1:
        raise ValueError(f'STID needs at least 1 frame, got shape '
                         f'{kp.shape}')
    return kp


def _index_array(index, width: int, num_joints: int,
                 what: str) -> np.ndarray:
    arr = np.asarray(index, dtype=np.int64).reshape(-1, width)
    if arr.size and not ((arr >= 0) & (arr < num_joints)).all():
        raise ValueError(f'{what}: joint indices outside 0..{num_joints - 1}'
                         f': {arr.tolist()}')
    return arr


def _channels_first(kp: np.ndarray) -> np.ndarray:
    """[M, T, V, 3] -> contiguous [M, 3, V, T]."""
    return np.ascontiguousarray(kp.transpose(0, 3, 2, 1))


def _length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``||a - b||`` over axis 1 (x, y, z) of [M, 3, ...] arrays."""
    d = a - b
    d *= d
    return np.sqrt(d[:, 0] + d[:, 1] + d[:, 2])


def center_keypoint(keypoint: np.ndarray, joint: int) -> np.ndarray:
    """Translate a clip so that body 0's ``joint`` in its first present
    frame is the origin.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres).
        joint (int): Index of the origin joint.

    Returns:
        np.ndarray: [M, T, V, 3] float64, metres. Padding (all-zero)
        person-frames stay 0; a clip whose body 0 is all padding is
        returned unchanged.
    """
    kp = _check_keypoint(keypoint)
    x = _center(_channels_first(kp), present_frames(kp), joint)
    return np.ascontiguousarray(x.transpose(0, 3, 2, 1))


def _center(x: np.ndarray, present: np.ndarray, joint: int) -> np.ndarray:
    first = np.flatnonzero(present[0])
    if not first.size:
        return x.copy()
    out = x - x[0, :, joint, first[0]][None, :, None, None]
    out *= present[:, None, None, :]
    return out


def graph_operator(edges: Sequence[Sequence[int]],
                   num_joints: int) -> np.ndarray:
    """``A_hat``: the row-normalised ``A + I`` of an undirected graph.

    Args:
        edges (Sequence[Sequence[int]]): ``(i, j)`` joint pairs; direction
            and repeats do not matter.
        num_joints (int): V.

    Returns:
        np.ndarray: [V, V] float64; row ``i`` is ``1 / deg_i`` at ``i`` and
        its neighbours (``deg_i`` counts ``i`` itself), 0 elsewhere.
    """
    edges = _index_array(edges, 2, num_joints, 'graph edges')
    adj = np.eye(num_joints)
    adj[edges[:, 0], edges[:, 1]] = 1.
    adj[edges[:, 1], edges[:, 0]] = 1.
    return adj / adj.sum(axis=1, keepdims=True)


def _gd(x: np.ndarray, op: np.ndarray) -> np.ndarray:
    m, _, v, t = x.shape
    out = np.matmul(op.T, x.reshape(m * 3, v, t))  # [w, t] per body, xyz
    return out.reshape(m, 3, v, t).transpose(0, 2, 3, 1).reshape(m * v, t, 3)


def graph_descriptor(keypoint: np.ndarray,
                     edges: Sequence[Sequence[int]]) -> np.ndarray:
    """GD: ``X (3 x V) @ A_hat`` per frame and body.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres), usually
            translated with :func:`center_keypoint` first.
        edges (Sequence[Sequence[int]]): The skeleton graph's edges.

    Returns:
        np.ndarray: [M * V, T, 3] float64, metres; row ``m * V + w`` is
        joint ``w`` of body ``m``: ``sum_i p_i (A + I)[i, w] / deg_i``,
        channels x, y, z.
    """
    kp = _check_keypoint(keypoint)
    return _gd(_channels_first(kp), graph_operator(edges, kp.shape[2]))


def _body_scale(x: np.ndarray, present: np.ndarray,
                bones: np.ndarray) -> np.ndarray:
    first = np.argmax(present, axis=1)  # 0 where never present
    pose = x[np.arange(x.shape[0]), :, :, first]  # [M, 3, V]
    total = _length(pose[..., bones[:, 0]], pose[..., bones[:, 1]]).sum(-1)
    return np.where(total == 0, 1., total)


def body_scale(keypoint: np.ndarray,
               bones: Sequence[Sequence[int]]) -> np.ndarray:
    """JDD's normaliser ``L`` of each body.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres).
        bones (Sequence[Sequence[int]]): ``(child, parent)`` edges.

    Returns:
        np.ndarray: [M] float64, metres: the sum of the bone lengths in the
        body's first present frame (frame 0 if it has none), 1 where that
        sum is 0.
    """
    kp = _check_keypoint(keypoint)
    bones = _index_array(bones, 2, kp.shape[2], 'bones')
    return _body_scale(_channels_first(kp), present_frames(kp), bones)


def _jdd(x: np.ndarray, present: np.ndarray, pairs: np.ndarray,
         bones: np.ndarray) -> np.ndarray:
    m, _, _, t = x.shape
    dist = _length(x[:, :, pairs[:, 0]], x[:, :, pairs[:, 1]])  # [M, P, T]
    dist /= _body_scale(x, present, bones)[:, None, None]
    return dist.reshape(m * len(pairs), t)


def joint_distance_descriptor(keypoint: np.ndarray,
                              pairs: Sequence[Sequence[int]],
                              bones: Sequence[Sequence[int]]) -> np.ndarray:
    """JDD: joint-pair distances over the body's size.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres).
        pairs (Sequence[Sequence[int]]): P joint pairs ``(a, b)``.
        bones (Sequence[Sequence[int]]): Edges whose lengths sum to ``L``
            (:func:`body_scale`).

    Returns:
        np.ndarray: [M * P, T] float64, unitless (metres / metres); row
        ``m * P + p`` is pair ``p`` of body ``m``.
    """
    kp = _check_keypoint(keypoint)
    v = kp.shape[2]
    return _jdd(_channels_first(kp), present_frames(kp),
                _index_array(pairs, 2, v, 'JDD pairs'),
                _index_array(bones, 2, v, 'bones'))


def _add(x: np.ndarray, present: np.ndarray) -> np.ndarray:
    m, _, v, t = x.shape
    disp = _length(x[..., 1:], x[..., :-1])  # [M, V, T-1]
    disp *= (present[:, 1:] & present[:, :-1])[:, None]
    return disp.reshape(m * v, t - 1)


def displacement_descriptor(keypoint: np.ndarray) -> np.ndarray:
    """ADD: each joint's displacement between adjacent frames.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres).

    Returns:
        np.ndarray: [M * V, T - 1] float64, metres per frame; row
        ``m * V + j``, column ``t`` is ``||p_j(t + 1) - p_j(t)||``, 0 where
        frame ``t`` or ``t + 1`` of the body is padding (all zero). A
        1-frame clip gives [M * V, 0].
    """
    kp = _check_keypoint(keypoint)
    return _add(_channels_first(kp), present_frames(kp))


def _lad(x: np.ndarray, angles: np.ndarray) -> np.ndarray:
    m, _, _, t = x.shape
    vertex = x[:, :, angles[:, 0]]
    u, w = x[:, :, angles[:, 1]] - vertex, x[:, :, angles[:, 2]] - vertex
    sides = np.sqrt((u * u).sum(1) * (w * w).sum(1))  # [M, A, T]
    ok = sides > 0
    cos = (u * w).sum(1) / np.where(ok, sides, 1.)
    ang = np.arccos(np.clip(cos, -1., 1., out=cos), out=cos)
    ang[~ok] = 0.
    return ang.reshape(m * len(angles), t)


def angle_descriptor(keypoint: np.ndarray,
                     angles: Sequence[Sequence[int]]) -> np.ndarray:
    """LAD: angles at joints, by the law of cosines.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres).
        angles (Sequence[Sequence[int]]): A ``(vertex, end1, end2)``
            triplets.

    Returns:
        np.ndarray: [M * A, T] float64, radians in ``[0, pi]``; row
        ``m * A + a`` is angle ``a`` of body ``m``: ``arccos((a^2 + b^2 -
        c^2) / (2ab))`` with ``a``, ``b`` the vertex's distances to the two
        ends and ``c`` theirs, 0 where ``a`` or ``b`` is 0.
    """
    kp = _check_keypoint(keypoint)
    return _lad(_channels_first(kp),
                _index_array(angles, 3, kp.shape[2], 'LAD angles'))


def stid_matrices(keypoint: np.ndarray,
                  spec: Union[str, SkeletonLayout, STIDSpec] = 'nturgb+d',
                  descriptors: Sequence[str] = DESCRIPTORS
                  ) -> Dict[str, np.ndarray]:
    """The float matrices behind the requested descriptors.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] coordinates (metres), V the
            layout's joints.
        spec (str | SkeletonLayout | STIDSpec): Layout name, layout or
            spec. Defaults to ``'nturgb+d'``.
        descriptors (Sequence[str]): Among :data:`DESCRIPTORS`; ``fdd``
            needs ``jdd``, ``add`` and ``lad``.

    Returns:
        dict: matrix name (``gd``, ``jdd``, ``add``, ``lad``) -> float64
        array as :func:`graph_descriptor`, :func:`joint_distance_descriptor`,
        :func:`displacement_descriptor`, :func:`angle_descriptor` return
        it, for the names the descriptors need. GD is taken of the clip
        translated by :func:`center_keypoint` (the spec's origin joint).

    Raises:
        ValueError: unknown descriptors, or a joint count other than the
            layout's.
    """
    spec = spec if isinstance(spec, STIDSpec) else get_stid_spec(spec)
    names = _check_descriptors(descriptors)
    kp = _check_keypoint(keypoint)
    if kp.shape[2] != spec.layout.num_joints:
        raise ValueError(f'keypoint has {kp.shape[2]} joints, layout '
                         f'{spec.layout.name!r} has '
                         f'{spec.layout.num_joints}')
    needed = {n for d in names for n in _NEEDS[d]}
    present = present_frames(kp)
    x = _channels_first(kp)
    out = {}
    if 'gd' in needed:
        out['gd'] = _gd(_center(x, present, spec.origin_index),
                        graph_operator(spec.bones, kp.shape[2]))
    if 'jdd' in needed:
        out['jdd'] = _jdd(x, present, spec.pair_index, spec.bones)
    if 'add' in needed:
        out['add'] = _add(x, present)
    if 'lad' in needed:
        out['lad'] = _lad(x, spec.angle_index)
    return out


def _check_descriptors(descriptors: Sequence[str]) -> Tuple[str, ...]:
    if isinstance(descriptors, str):
        descriptors = (descriptors, )
    names = tuple(descriptors)
    unknown = [d for d in names if d not in DESCRIPTORS]
    if unknown or not names:
        raise ValueError(f'unknown STID descriptor(s) {unknown}; choose '
                         f'among {DESCRIPTORS}' if unknown else
                         f'no STID descriptor given; choose among '
                         f'{DESCRIPTORS}')
    return names


# --------------------------------------------------------------- images
#
# Internally images are channels first, [C, H, W]: each channel's minimum,
# maximum and resize then run over contiguous memory.


def scale_to_uint8(matrix: np.ndarray,
                   per_channel: bool = False) -> np.ndarray:
    """Per-sample min-max scaling to ``floor(255 * (x - min) / (max -
    min))``.

    Args:
        matrix (np.ndarray): [H, W] or [H, W, C] finite values.
        per_channel (bool): Scale each channel (last axis) on its own
            (GD). Defaults to False: one minimum and maximum for the whole
            matrix.

    Returns:
        np.ndarray: uint8 of the same shape, in [0, 255]; the minimum maps
        to 0, the maximum to 255; a constant or empty matrix (or channel)
        is all 0.

    Raises:
        ValueError: NaN or infinite values.
    """
    x = np.asarray(matrix, dtype=np.float64)
    if x.size == 0:
        return np.zeros(x.shape, np.uint8)
    if per_channel:
        return np.moveaxis(_scale_channels(np.moveaxis(x, -1, 0)), 0, -1)
    return _scale_channels(x[None])[0]


def _scale_channels(x: np.ndarray) -> np.ndarray:
    """:func:`scale_to_uint8` of each channel of [C, ...] on its own."""
    rows = np.ascontiguousarray(x, dtype=np.float64).reshape(len(x), -1)
    if rows.shape[1] == 0:
        return np.zeros(x.shape, np.uint8)
    lo, hi = rows.min(axis=1), rows.max(axis=1)
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise ValueError('STID matrix holds NaN or infinite values')
    span = hi - lo
    gain = np.where(span > 0, 255. / np.where(span > 0, span, 1.), 0.)
    # x - lo >= 0, so the floor lies in [0, 255]; the 1e-6 makes the
    # maximum 255 even where 255 * span / span rounds to just below 255;
    # a constant channel has gain 0, so it is all 0
    out = rows - lo[:, None]
    out *= gain[:, None]
    out += 1e-6
    return np.floor(out, out=out).astype(np.uint8).reshape(x.shape)


@functools.lru_cache(maxsize=64)
def resize_weights(n_in: int, n_out: int) -> np.ndarray:
    """The [n_out, n_in] float32 matrix of a triangle-filter resampling of
    ``n_in`` samples to ``n_out`` (PIL's BILINEAR filter).

    Output sample ``i`` is centred at ``c = (i + 0.5) * s`` in input
    coordinates (``s = n_in / n_out``, input ``j`` centred at ``j + 0.5``);
    its weights are the tent ``max(0, 1 - |j + 0.5 - c| / r)`` with
    half-width ``r = max(s, 1)``: linear interpolation between the two
    nearest inputs when growing, widened by the shrink factor (the
    antialiasing of PIL's filters) when shrinking. Inputs outside
    ``[0, n_in)`` are left out and each row renormalised to sum 1. The
    matrix is cached and read-only.
    """
    scale = n_in / n_out
    radius = max(scale, 1.)
    centre = (np.arange(n_out) + 0.5) * scale
    src = np.arange(n_in) + 0.5
    weight = np.maximum(0., 1. - np.abs(src - centre[:, None]) / radius)
    weight /= weight.sum(axis=1, keepdims=True)
    weight = weight.astype(np.float32)
    weight.flags.writeable = False
    return weight


@functools.lru_cache(maxsize=64)
def _sparse_weights(n_in: int, n_out: int) -> sparse.csr_matrix:
    """:func:`resize_weights` as a sparse matrix (a band of ~2s + 1 taps
    per row): the first, larger pass runs on it."""
    return sparse.csr_matrix(resize_weights(n_in, n_out))


def _resize_channels(x: np.ndarray, size: int) -> np.ndarray:
    """[C, H, W] uint8 -> [C, size, size] uint8, see :func:`resize_image`.
    """
    c, h, w = x.shape
    if h == 0 or w == 0:
        return np.zeros((c, size, size), np.uint8)
    out = x.astype(np.float32)
    # the passes commute (up to rounding): the longer axis goes first, with
    # the sparse band; the second pass is small and dense
    if h <= w:
        if w != size:
            out = (_sparse_weights(w, size) @ out.reshape(c * h, w).T)
            out = out.T.reshape(c, h, size)
        if h != size:
            out = resize_weights(h, size) @ out
    else:
        if h != size:
            out = _sparse_weights(h, size) @ out.transpose(1, 0, 2).reshape(
                h, c * w)
            out = out.reshape(size, c, w).transpose(1, 0, 2)
        if w != size:
            out = out @ resize_weights(w, size).T
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def resize_image(image: np.ndarray, size: int = 112) -> np.ndarray:
    """Resize a descriptor image to ``size x size`` with a triangle filter
    that antialiases along an axis that shrinks (PIL's BILINEAR).

    The two axes are resampled separably with :func:`resize_weights`, in
    float32, rounded once at the end. Along an axis that grows this is
    linear interpolation between pixel centres; along one that shrinks by
    ``s`` (e.g. 300 frames to 112, ``s = 2.7``), each output pixel is the
    tent-weighted mean of the ``~2s`` inputs under it. The weights are
    non-negative, so the output stays within the input's range (no
    ringing).

    Args:
        image (np.ndarray): [H, W] or [H, W, C] uint8 (rows features,
            columns frames).
        size (int): Output height and width. Defaults to 112.

    Returns:
        np.ndarray: [size, size] or [size, size, C] uint8; all 0 when
        ``H`` or ``W`` is 0.
    """
    img = np.asarray(image)
    if img.ndim == 2:
        return _resize_channels(img[None], size)[0]
    return np.moveaxis(_resize_channels(np.moveaxis(img, -1, 0), size), 0,
                       -1)


def descriptor_images(matrices: Mapping[str, np.ndarray],
                      descriptors: Sequence[str] = DESCRIPTORS,
                      size: int = 112) -> np.ndarray:
    """Descriptor images from :func:`stid_matrices`' matrices.

    Each is :func:`scale_to_uint8` (GD per channel) then
    :func:`resize_image`.

    Args:
        matrices (Mapping[str, np.ndarray]): ``gd`` [R, T, 3] and / or
            ``jdd``, ``add``, ``lad`` [R, T'] float matrices.
        descriptors (Sequence[str]): Images to make, in order, among
            :data:`DESCRIPTORS`.
        size (int): Height and width. Defaults to 112.

    Returns:
        np.ndarray: [D, size, size, 3] uint8, D = len(descriptors): GD's
        channels are x, y, z; JDD, ADD and LAD are gray (3 equal channels);
        FDD is the JDD, ADD and LAD images as R, G, B.
    """
    names = _check_descriptors(descriptors)
    planes = {}  # name -> [C, size, size] uint8
    for name in {n for d in names for n in _NEEDS[d]}:
        x = matrices[name]
        x = np.moveaxis(x, -1, 0) if name == 'gd' else x[None]
        planes[name] = _resize_channels(_scale_channels(x), size)
    out = np.empty((len(names), size, size, 3), np.uint8)
    for i, name in enumerate(names):
        if name == 'gd':
            chans = list(planes['gd'])
        elif name == 'fdd':
            chans = [planes[n][0] for n in ('jdd', 'add', 'lad')]
        else:
            chans = [planes[name][0]] * 3
        out[i] = cv2.merge(chans)  # interleaves far faster than numpy
    return out


@TRANSFORMS.register_module()
class STIDDescriptors(BaseTransform):
    """STID descriptor images of a 3D skeleton clip, made on the fly.

    GD, JDD, ADD, LAD and FDD (see :mod:`mmactx.datasets.transforms.stid`
    for their definitions, the deviations from the reference code and the
    resizing), each min-max scaled per sample to uint8 and resized to
    ``size x size``, stacked in the order of ``descriptors``.
    ``FormatShape(input_format='NCHW')`` and ``PackActionInputs`` then give
    inputs [D, 3, size, size].

    Required Keys:

        - keypoint ([M, T, V, 3], metres; M 1 or 2 bodies, V the layout's
          joints; all-zero person-frames are padding)

    Added Keys:

        - imgs ([D, size, size, 3], uint8)
        - stid_descriptors (tuple[str], the D names, in order)
        - img_shape ((size, size))

    Args:
        descriptors (Sequence[str]): Among ``'gd'``, ``'jdd'``, ``'add'``,
            ``'lad'``, ``'fdd'``. Defaults to all five in that order.
        layout (str | SkeletonLayout): ``'nturgb+d'`` (NTU-25) or
            ``'nw-ucla'`` (NW-UCLA-20). Defaults to ``'nturgb+d'``.
        size (int): Image height and width. Defaults to 112.
    """

    def __init__(self,
                 descriptors: Sequence[str] = DESCRIPTORS,
                 layout: Union[str, SkeletonLayout] = 'nturgb+d',
                 size: int = 112) -> None:
        self.descriptors = _check_descriptors(descriptors)
        self.spec = get_stid_spec(layout)
        if isinstance(size, bool) or not isinstance(
                size, (int, np.integer)) or size < 1:
            raise ValueError(f'size must be a positive int, got {size!r}')
        self.size = int(size)

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'])
        name = results.get('frame_dir')
        if kp.ndim != 4 or kp.shape[-1] != 3:
            raise ValueError(f'{name!r}: STIDDescriptors needs 3D keypoint '
                             f'[M, T, V, 3], got shape {kp.shape}')
        if kp.shape[0] not in (1, 2):
            raise ValueError(f'{name!r}: STIDDescriptors takes 1 or 2 '
                             f'bodies, keypoint has {kp.shape[0]}')
        if kp.shape[2] != self.spec.layout.num_joints:
            raise ValueError(
                f'{name!r}: keypoint has {kp.shape[2]} joints, layout '
                f'{self.spec.layout.name!r} has '
                f'{self.spec.layout.num_joints}')
        matrices = stid_matrices(kp, self.spec, self.descriptors)
        results['imgs'] = descriptor_images(matrices, self.descriptors,
                                            self.size)
        results['stid_descriptors'] = self.descriptors
        results['img_shape'] = (self.size, self.size)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(descriptors={self.descriptors}, '
                f'layout={self.spec.layout.name!r}, size={self.size})')

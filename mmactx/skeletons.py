"""Skeleton layouts: the one source of truth for joints, bones and symmetry.

Transforms (flip, limb heatmaps), GCN graphs and drawing all take their joint
lists from here. Indices are 0-based.

Terms:
    bones: ``(child, parent)`` pairs of the kinematic tree, pointing towards
        ``center`` (the ST-GCN/CTR-GCN convention for graphs and bone
        features).
    limbs: the ``(start, end)`` pairs PoseC3D renders as limb heatmaps.
    left / right: joints that swap under a horizontal flip, paired by index
        (``left[i]`` mirrors ``right[i]``); the subject's own left.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

Pairs = Tuple[Tuple[int, int], ...]


def swap_order(num: int, left: Sequence[int],
               right: Sequence[int]) -> List[int]:
    """The permutation of ``num`` items (joints or limbs) that a horizontal
    flip makes: ``left[i]`` and ``right[i]`` trade places, the rest stay."""
    order = list(range(num))
    for a, b in zip(left, right):
        order[a], order[b] = b, a
    return order


@dataclass(frozen=True)
class SkeletonLayout:
    """A named joint layout.

    Args:
        name (str): Layout name, e.g. ``'coco'``.
        joints (tuple[str]): Joint names, in index order.
        bones (tuple[tuple[int, int]]): ``(child, parent)`` edges.
        left (tuple[int]): Left joints.
        right (tuple[int]): Right joints, ``right[i]`` mirrors ``left[i]``.
        center (int): Root joint of the graph (spatial labelling).
        limbs (tuple[tuple[int, int]]): Limb pairs for heatmaps. Defaults to
            the bones.
        dims (int): Coordinate dimensions the layout is usually stored with
            (2: image pixels, 3: metres).
    """
    name: str
    joints: Tuple[str, ...]
    bones: Pairs
    left: Tuple[int, ...]
    right: Tuple[int, ...]
    center: int
    limbs: Pairs = field(default=())
    dims: int = 2

    def __post_init__(self):
        n = len(self.joints)
        if len(self.left) != len(self.right):
            raise ValueError(f'{self.name}: left and right differ in length')
        used = [j for pair in self.bones + self.limbs for j in pair]
        used += list(self.left) + list(self.right) + [self.center]
        bad = [j for j in used if not 0 <= j < n]
        if bad:
            raise ValueError(f'{self.name}: joint indices {bad} outside '
                             f'0..{n - 1}')
        if not self.limbs:
            object.__setattr__(self, 'limbs', self.bones)

    @property
    def num_joints(self) -> int:
        return len(self.joints)

    def joint_index(self, name: str) -> int:
        """The index of the joint called ``name``.

        Raises:
            KeyError: ``name`` is not a joint of the layout.
        """
        try:
            return self.joints.index(name)
        except ValueError:
            raise KeyError(f'{name!r} is not a joint of layout {self.name!r};'
                           f' its joints are {self.joints}') from None

    def flip_index(self) -> List[int]:
        """Joint permutation of a horizontal flip."""
        return swap_order(self.num_joints, self.left, self.right)

    def limb_flip_pairs(
            self, limbs: Sequence[Sequence[int]] = None
    ) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
        """Left and right limb indices of ``limbs`` (default: ``self.limbs``).

        A limb is left if it touches a left joint; its partner is the limb
        whose joints are the flipped ones. Limbs on the midline map to
        themselves and appear in neither list.

        Returns:
            tuple: ``(left_limb, right_limb)``, paired by position.
        """
        limbs = [tuple(limb) for limb in (limbs or self.limbs)]
        flip = self.flip_index()
        where = {frozenset(limb): i for i, limb in enumerate(limbs)}
        left_set = set(self.left)
        left_limb, right_limb = [], []
        for i, (a, b) in enumerate(limbs):
            if a in left_set or b in left_set:
                mirrored = frozenset((flip[a], flip[b]))
                if mirrored not in where:
                    raise ValueError(f'{self.name}: limb {(a, b)} has no '
                                     'mirrored partner among the limbs')
                if where[mirrored] != i:
                    left_limb.append(i)
                    right_limb.append(where[mirrored])
        return tuple(left_limb), tuple(right_limb)


COCO = SkeletonLayout(
    name='coco',
    joints=('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
            'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
            'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
            'left_knee', 'right_knee', 'left_ankle', 'right_ankle'),
    bones=((15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6), (9, 7),
           (7, 5), (10, 8), (8, 6), (5, 0), (6, 0), (1, 0), (3, 1), (2, 0),
           (4, 2)),
    left=(1, 3, 5, 7, 9, 11, 13, 15),
    right=(2, 4, 6, 8, 10, 12, 14, 16),
    center=0,
    # mmaction2's / pyskl's default GeneratePoseTarget skeleton order.
    limbs=((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6),
           (6, 8), (8, 10), (5, 11), (11, 13), (13, 15), (6, 12), (12, 14),
           (14, 16), (11, 12)),
)

# The limb order of the published PoseC3D limb configs (pyskl / mmaction2
# ``*-limb.py``); it differs from the transform's default order above.
COCO_POSEC3D_LIMBS: Pairs = ((0, 5), (0, 6), (5, 7), (7, 9), (6, 8), (8, 10),
                             (5, 11), (11, 13), (13, 15), (6, 12), (12, 14),
                             (14, 16), (0, 1), (0, 2), (1, 3), (2, 4),
                             (11, 12))

NTU25 = SkeletonLayout(
    name='nturgb+d',
    joints=('spine_base', 'spine_mid', 'neck', 'head', 'left_shoulder',
            'left_elbow', 'left_wrist', 'left_hand', 'right_shoulder',
            'right_elbow', 'right_wrist', 'right_hand', 'left_hip',
            'left_knee', 'left_ankle', 'left_foot', 'right_hip',
            'right_knee', 'right_ankle', 'right_foot', 'spine_shoulder',
            'left_hand_tip', 'left_thumb', 'right_hand_tip', 'right_thumb'),
    # The ST-GCN / CTR-GCN edge list that EPP-Net uses.
    bones=((0, 1), (1, 20), (2, 20), (3, 2), (4, 20), (5, 4), (6, 5), (7, 6),
           (8, 20), (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13),
           (15, 14), (16, 0), (17, 16), (18, 17), (19, 18), (21, 22),
           (22, 7), (23, 24), (24, 11)),
    left=(4, 5, 6, 7, 12, 13, 14, 15, 21, 22),
    right=(8, 9, 10, 11, 16, 17, 18, 19, 23, 24),
    center=20,
    dims=3,
)

OPENPOSE18 = SkeletonLayout(
    name='openpose',
    joints=('nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
            'left_shoulder', 'left_elbow', 'left_wrist', 'right_hip',
            'right_knee', 'right_ankle', 'left_hip', 'left_knee',
            'left_ankle', 'right_eye', 'left_eye', 'right_ear', 'left_ear'),
    bones=((4, 3), (3, 2), (7, 6), (6, 5), (13, 12), (12, 11), (10, 9),
           (9, 8), (11, 5), (8, 2), (5, 1), (2, 1), (0, 1), (15, 0), (14, 0),
           (17, 15), (16, 14)),
    left=(5, 6, 7, 11, 12, 13, 15, 17),
    right=(2, 3, 4, 8, 9, 10, 14, 16),
    center=1,
)

NWUCLA20 = SkeletonLayout(
    name='nw-ucla',
    joints=('hip_center', 'spine', 'shoulder_center', 'head',
            'left_shoulder', 'left_elbow', 'left_wrist', 'left_hand',
            'right_shoulder', 'right_elbow', 'right_wrist', 'right_hand',
            'left_hip', 'left_knee', 'left_ankle', 'left_foot', 'right_hip',
            'right_knee', 'right_ankle', 'right_foot'),
    bones=((0, 1), (1, 2), (3, 2), (4, 2), (5, 4), (6, 5), (7, 6), (8, 2),
           (9, 8), (10, 9), (11, 10), (12, 0), (13, 12), (14, 13), (15, 14),
           (16, 0), (17, 16), (18, 17), (19, 18)),
    left=(4, 5, 6, 7, 12, 13, 14, 15),
    right=(8, 9, 10, 11, 16, 17, 18, 19),
    center=2,
    dims=3,
)

#: MPII Human Pose's 16 joints in the order of its annotations (and of
#: mmpose's ``MpiiDataset``)
MPII16 = SkeletonLayout(
    name='mpii',
    joints=('right_ankle', 'right_knee', 'right_hip', 'left_hip',
            'left_knee', 'left_ankle', 'pelvis', 'thorax', 'upper_neck',
            'head_top', 'right_wrist', 'right_elbow', 'right_shoulder',
            'left_shoulder', 'left_elbow', 'left_wrist'),
    bones=((0, 1), (1, 2), (2, 6), (5, 4), (4, 3), (3, 6), (7, 6), (8, 7),
           (9, 8), (10, 11), (11, 12), (12, 7), (15, 14), (14, 13), (13, 7)),
    left=(3, 4, 5, 13, 14, 15),
    right=(2, 1, 0, 12, 11, 10),
    center=6,
)

#: Human3.6M's 17 joints in the order of mmpose's ``Human36mDataset``
#: (pelvis first: the root of its root-relative poses)
H36M17 = SkeletonLayout(
    name='h36m',
    joints=('pelvis', 'right_hip', 'right_knee', 'right_foot', 'left_hip',
            'left_knee', 'left_foot', 'spine', 'thorax', 'neck_base', 'head',
            'left_shoulder', 'left_elbow', 'left_wrist', 'right_shoulder',
            'right_elbow', 'right_wrist'),
    bones=((1, 0), (2, 1), (3, 2), (4, 0), (5, 4), (6, 5), (7, 0), (8, 7),
           (9, 8), (10, 9), (11, 8), (12, 11), (13, 12), (14, 8), (15, 14),
           (16, 15)),
    left=(4, 5, 6, 11, 12, 13),
    right=(1, 2, 3, 14, 15, 16),
    center=0,
    dims=3,
)

# COCO comes before H36M17: a 17-joint array without a layout name is
# taken as COCO-17 (``visualization.skeleton.layout_for``)
LAYOUTS: Dict[str, SkeletonLayout] = {
    layout.name: layout
    for layout in (COCO, NTU25, OPENPOSE18, NWUCLA20, MPII16, H36M17)
}


def get_layout(name: str) -> SkeletonLayout:
    """Look a layout up by name (``coco``, ``nturgb+d``, ``openpose``,
    ``nw-ucla``)."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise KeyError(f'unknown skeleton layout {name!r}; known: '
                       f'{sorted(LAYOUTS)}') from None


# COCO-17 from other layouts: for each COCO joint, the index of the source
# joint that stands for it, or None where the source has none (that joint is
# written as missing: coordinates 0, score 0).
OPENPOSE18_TO_COCO17: Tuple[int, ...] = (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4,
                                         11, 8, 12, 9, 13, 10)
# Kinect has no eyes or ears; its head joint (the centre of the head) stands
# in for the nose.
NTU25_TO_COCO17: Tuple[Optional[int], ...] = (3, None, None, None, None, 4, 8,
                                              5, 9, 6, 10, 12, 16, 13, 17, 14,
                                              18)

#: MPII's joint names (the :data:`MPII16` layout's)
MPII16_JOINTS: Tuple[str, ...] = MPII16.joints

# MediaPipe BlazePose's 33 pose landmarks, in its output order (subject-
# centric left/right, as COCO's).
BLAZEPOSE33_JOINTS: Tuple[str, ...] = (
    'nose', 'left_eye_inner', 'left_eye', 'left_eye_outer',
    'right_eye_inner', 'right_eye', 'right_eye_outer', 'left_ear',
    'right_ear', 'mouth_left', 'mouth_right', 'left_shoulder',
    'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist',
    'right_wrist', 'left_pinky', 'right_pinky', 'left_index', 'right_index',
    'left_thumb', 'right_thumb', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle', 'left_heel', 'right_heel',
    'left_foot_index', 'right_foot_index')
# Every COCO-17 joint has a BlazePose landmark of the same name.
BLAZEPOSE33_TO_COCO17: Tuple[int, ...] = tuple(
    BLAZEPOSE33_JOINTS.index(name) for name in COCO.joints)


def remap_joints(
    keypoint: np.ndarray, score: Optional[np.ndarray],
    mapping: Sequence[Optional[int]]
) -> Tuple[np.ndarray, np.ndarray]:
    """Re-index the joints of ``keypoint`` [..., V, C] to another layout.

    Args:
        keypoint (np.ndarray): [..., V, C] coordinates of the source layout.
        score (np.ndarray, optional): [..., V] scores; None means 1 for
            every joint.
        mapping (Sequence[int | None]): For each target joint, its source
            joint, or None for a joint the source lacks.

    Returns:
        tuple: ``(keypoint [..., V', C], score [..., V'])``, same dtypes as
        the inputs; joints without a source get coordinates and score 0.
    """
    if score is None:
        score = np.ones(keypoint.shape[:-1], dtype=keypoint.dtype)
    src = np.array([0 if j is None else j for j in mapping])
    known = np.array([j is not None for j in mapping])
    kp = keypoint[..., src, :] * known[:, None]
    return kp.astype(keypoint.dtype), (score[..., src] *
                                       known).astype(score.dtype)

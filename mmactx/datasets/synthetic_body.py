"""A small 3D kinematic human body for the synthetic skeleton dataset.

The body is a tree of joints with fixed bone offsets (metres) posed by local
joint rotations, so bone lengths stay constant and every pose is reachable by
a real skeleton. It has enough joints for both the COCO-17 layout (face points)
and the NTU-25 Kinect v2 layout (spine, hands, thumbs, feet).

Body frame: metres, ``x`` = the subject's left, ``y`` = up, ``z`` = the
subject's forward (right-handed); the origin lies on the floor.

Joint angles are given per frame in degrees as ``angles[T, J, 4]`` with the
channels ``(flex, abd, twist, turn)``:

* ``flex``: anatomical flexion in the sagittal plane (shoulder/hip: raise
  forward, elbow: bend, knee: bend, ankle: toes up, trunk/neck: bend forward).
* ``abd``: abduction, away from the midline (trunk/neck: lean to the right).
* ``twist``: rotation about the segment's own axis (shoulder: external
  rotation, trunk: turn to the left).
* ``turn``: rotation about the parent's vertical axis applied last (shoulder:
  positive swings a raised arm backwards).

Angles are written for the left side; the right side is mirrored, so the same
number means the same anatomical movement on both sides.
"""
from typing import Dict, List, Tuple

import numpy as np

from mmactx.skeletons import COCO, NTU25

FLEX, ABD, TWIST, TURN = range(4)

# (name, parent, rest offset from the parent in the parent's frame, metres)
# for an adult of about 1.75 m with the arms hanging, palms facing the thighs.
_MID = (
    ('pelvis', None, (0.0, 0.0, 0.0)),
    ('trunk', 'pelvis', (0.0, 0.0, 0.0)),  # virtual: bends trunk, not legs
    ('spine_mid', 'trunk', (0.0, 0.24, -0.01)),
    ('spine_shoulder', 'spine_mid', (0.0, 0.25, 0.0)),
    ('neck', 'spine_shoulder', (0.0, 0.07, 0.01)),
    ('head', 'neck', (0.0, 0.13, 0.01)),
    ('nose', 'head', (0.0, -0.02, 0.10)),
)
_LEFT = (
    ('left_eye', 'head', (0.032, 0.015, 0.085)),
    ('left_ear', 'head', (0.075, -0.005, 0.0)),
    ('left_shoulder', 'spine_shoulder', (0.175, -0.03, -0.01)),
    ('left_elbow', 'left_shoulder', (0.0, -0.29, 0.0)),
    ('left_wrist', 'left_elbow', (0.0, -0.25, 0.0)),
    ('left_hand', 'left_wrist', (0.0, -0.07, 0.0)),
    ('left_hand_tip', 'left_hand', (0.0, -0.09, 0.0)),
    ('left_thumb', 'left_wrist', (0.0, -0.06, 0.05)),
    ('left_hip', 'pelvis', (0.09, -0.05, 0.0)),
    ('left_knee', 'left_hip', (0.0, -0.43, 0.01)),
    ('left_ankle', 'left_knee', (0.0, -0.42, -0.02)),
    ('left_foot', 'left_ankle', (0.0, -0.065, 0.13)),  # toes
    ('left_heel', 'left_ankle', (0.0, -0.07, -0.04)),  # ground contact only
)


def _mirror(entry):
    name, parent, (x, y, z) = entry
    return (name.replace('left_', 'right_'), parent.replace('left_', 'right_'),
            (-x, y, z))


_TABLE = _MID + _LEFT + tuple(_mirror(e) for e in _LEFT)
NAMES: Tuple[str, ...] = tuple(e[0] for e in _TABLE)
INDEX: Dict[str, int] = {n: i for i, n in enumerate(NAMES)}
NUM_JOINTS = len(NAMES)
PARENT = np.array([-1 if e[1] is None else INDEX[e[1]] for e in _TABLE])
REST_OFFSETS = np.array([e[2] for e in _TABLE], dtype=np.float64)
# +1 left and midline, -1 right: mirrors the abd/twist/turn channels.
SIDE = np.array([-1.0 if n.startswith('right_') else 1.0 for n in NAMES])

# Sign turning anatomical flexion into a rotation about +x: flexion swings a
# hanging segment forward (negative rotation) but tilts an upright one
# (trunk, neck) forward with a positive rotation; knees bend backwards.
_FLEX_SIGN = {'shoulder': -1, 'elbow': -1, 'wrist': -1, 'hip': -1,
              'knee': 1, 'ankle': -1}
FLEX_SIGN = np.array([
    _FLEX_SIGN.get(n.replace('left_', '').replace('right_', ''), 1)
    for n in NAMES
], dtype=np.float64)


def _levels() -> List[np.ndarray]:
    depth = np.zeros(NUM_JOINTS, dtype=int)
    for j in range(1, NUM_JOINTS):  # parents precede children in _TABLE
        depth[j] = depth[PARENT[j]] + 1
    return [np.flatnonzero(depth == d) for d in range(depth.max() + 1)]


LEVELS = _levels()

# Layout joint -> body joint. COCO and NTU-25 share names where they agree.
_NTU_ALIAS = {'spine_base': 'pelvis'}
COCO_INDEX = np.array([INDEX[n] for n in COCO.joints])
NTU_INDEX = np.array([INDEX[_NTU_ALIAS.get(n, n)] for n in NTU25.joints])
CONTACT_INDEX = np.array([INDEX[n] for n in ('left_foot', 'left_heel',
                                             'right_foot', 'right_heel')])


def random_offsets(rng: np.random.Generator) -> np.ndarray:
    """Bone offsets of a random body: overall size and limb proportions.

    Args:
        rng (np.random.Generator): Random source.

    Returns:
        np.ndarray: Offsets [J, 3] in metres (a 1.5 m to 1.95 m person).
    """
    off = REST_OFFSETS * rng.uniform(0.86, 1.11)
    groups = {  # each group is scaled by its own factor
        ('elbow', 'wrist', 'hand', 'hand_tip', 'thumb'): 0.04,
        ('knee', 'ankle'): 0.04,
        ('spine_mid', 'spine_shoulder', 'neck'): 0.05,
        ('head', 'nose', 'eye', 'ear'): 0.04,
    }
    base = [n.replace('left_', '').replace('right_', '') for n in NAMES]
    for members, sd in groups.items():
        sel = [i for i, b in enumerate(base) if b in members]
        off[sel] *= 1 + sd * rng.standard_normal()
    for name, lo, hi in (('shoulder', 0.88, 1.12), ('hip', 0.9, 1.18)):
        sel = [INDEX['left_' + name], INDEX['right_' + name]]
        off[sel, 0] *= rng.uniform(lo, hi)  # shoulder / hip width
    return off


def _rot(axis: int, rad: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] about a coordinate axis."""
    c, s = np.cos(rad), np.sin(rad)
    out = np.zeros(rad.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def forward_kinematics(angles: np.ndarray, offsets: np.ndarray,
                       root: np.ndarray) -> np.ndarray:
    """Joint positions of a posed body.

    Args:
        angles (np.ndarray): Joint angles [T, J, 4] in degrees (see the
            module docstring for the channels).
        offsets (np.ndarray): Bone offsets [J, 3] in metres.
        root (np.ndarray): Pelvis position [T, 3] in metres.

    Returns:
        np.ndarray: Positions [T, J, 3] in metres, body frame.
    """
    rad = np.deg2rad(angles)
    flex = rad[..., FLEX] * FLEX_SIGN
    side = SIDE
    # twist about the segment first, then flexion, abduction, turn.
    local = (_rot(1, rad[..., TURN] * side) @ _rot(2, rad[..., ABD] * side)
             @ _rot(0, flex) @ _rot(1, rad[..., TWIST] * side))
    t = angles.shape[0]
    glob = np.empty((t, NUM_JOINTS, 3, 3))
    pos = np.empty((t, NUM_JOINTS, 3))
    glob[:, 0] = local[:, 0]
    pos[:, 0] = root
    for level in LEVELS[1:]:  # a level's joints only depend on the previous
        par = PARENT[level]
        pos[:, level] = pos[:, par] + np.einsum('tjab,jb->tja',
                                                glob[:, par], offsets[level])
        glob[:, level] = glob[:, par] @ local[:, level]
    return pos


def ground(pos: np.ndarray, lift: np.ndarray) -> np.ndarray:
    """Stand the body on the floor and keep the supporting foot in place.

    The lowest toe/heel touches the floor (``y = 0``) unless the body is
    airborne by ``lift``. Horizontally, the body moves against the velocity
    of the feet weighted towards the lowest one, so a planted foot does not
    slide while the hips move (squat, bow, kick).

    Args:
        pos (np.ndarray): Positions [T, J, 3] in metres, body frame.
        lift (np.ndarray): Height of the lowest foot point [T], metres.

    Returns:
        np.ndarray: The moved positions [T, J, 3].
    """
    contact = pos[:, CONTACT_INDEX]  # [T, 4, 3]
    low = contact[..., 1].min(axis=1)
    weight = np.exp(-(contact[..., 1] - low[:, None]) / 0.015)
    weight /= weight.sum(axis=1, keepdims=True)
    step = np.diff(contact[..., [0, 2]], axis=0)  # [T-1, 4, 2]
    slide = np.einsum('tc,tcd->td', weight[1:], step)
    drift = np.concatenate([np.zeros((1, 2)), np.cumsum(slide, axis=0)])
    drift -= drift.mean(axis=0)
    out = pos.copy()
    out[..., 1] += (lift - low)[:, None]
    out[..., [0, 2]] -= drift[:, None]
    return out


def to_camera(pos: np.ndarray, yaw: float, place: Tuple[float, float],
              cam_height: float, cam_dist: float,
              elevation: float) -> np.ndarray:
    """Place a body in the room and express it in camera coordinates.

    The camera stands at ``cam_dist`` metres in front of the room origin at
    ``cam_height``, looks back at it and is tilted down by ``elevation``; a
    subject with ``yaw = 0`` faces the camera.

    Args:
        pos (np.ndarray): Positions [..., 3], metres, body frame.
        yaw (float): Subject's rotation about the vertical axis, degrees.
        place (tuple[float, float]): Subject's floor position ``(x, z)`` in
            the room, metres.
        cam_height (float): Camera height above the floor, metres.
        cam_dist (float): Camera distance from the room origin, metres.
        elevation (float): Downward camera tilt, degrees.

    Returns:
        np.ndarray: Camera (OpenCV) coordinates [..., 3] in metres: ``X``
        right in the image, ``Y`` down, ``Z`` depth.
    """
    a, e = np.deg2rad(yaw), np.deg2rad(elevation)
    x = pos[..., 0] * np.cos(a) + pos[..., 2] * np.sin(a) + place[0]
    z = -pos[..., 0] * np.sin(a) + pos[..., 2] * np.cos(a) + place[1]
    # The camera looks along -z: its right is +x, its down is -y.
    cx, cy, cz = x, cam_height - pos[..., 1], cam_dist - z
    return np.stack([cx, cy * np.cos(e) - cz * np.sin(e),
                     cy * np.sin(e) + cz * np.cos(e)], axis=-1)

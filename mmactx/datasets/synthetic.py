"""Synthetic skeleton action clips: procedural human motions.

The built-in default dataset. Every clip is a 3D kinematic body
(:mod:`mmactx.datasets.synthetic_body`) driven by per-class joint-angle
trajectories, smooth functions of a motion phase, then seen by a random camera
and written either as COCO-17 2D detections (``coco2d``) or as NTU-25 Kinect
3D joints (``ntu3d``).

Similar classes come in groups (wave / arm circles / clap, punch / reach up /
torso twist, squat / bow / jump / jumping jack, kick / walk in place), and
nuisances (clip length, tempo, amplitude, body size, distance, viewpoint,
camera motion, image position, noise) are drawn independently of the class,
so no single trivial statistic (length, motion energy, mean position, box
size) separates the classes.

A clip holds one or two persons. Person 0 performs the labelled action; a
second person, if any, stands beside it and performs the same action, an
idle stance or another action. The label is always person 0's action.
"""
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np

from . import synthetic_body as body
from .synthetic_body import ABD, FLEX, TURN, TWIST

CLASSES: Tuple[str, ...] = (
    'wave', 'arm_circles', 'clap', 'punch', 'reach_up', 'torso_twist',
    'squat', 'bow', 'jump', 'jumping_jack', 'kick', 'walk_in_place')
LAYOUTS = ('coco2d', 'ntu3d')
FPS = 30  # frames per second the motion tempos refer to
TWO_PI = 2 * np.pi


def _cos01(ph: np.ndarray) -> np.ndarray:
    """Smooth periodic 0 -> 1 -> 0 over one cycle of ``ph`` (peak at .5)."""
    return 0.5 - 0.5 * np.cos(TWO_PI * ph)


def _peak(ph: np.ndarray, center: float, width: float) -> np.ndarray:
    """Periodic Gaussian bump of the cycle position ``ph mod 1``."""
    d = (ph - center + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width)**2)


def _side(rng: np.random.Generator, p_right: float = 0.5) -> str:
    return 'right' if rng.random() < p_right else 'left'


class _Pose:
    """Joint angles (degrees) and airborne height of one person, T frames."""

    def __init__(self, t: int):
        self.ang = np.zeros((t, body.NUM_JOINTS, 4))
        self.lift = np.zeros(t)  # height of the lowest foot point, metres

    def add(self, joint: str, channel: int, value) -> None:
        self.ang[:, body.INDEX[joint], channel] += value

    def arm(self, side: str, flex=0., abd=0., twist=0., turn=0., elbow=0.):
        for ch, v in ((FLEX, flex), (ABD, abd), (TWIST, twist), (TURN, turn)):
            self.add(f'{side}_shoulder', ch, v)
        self.add(f'{side}_elbow', FLEX, elbow)

    def leg(self, side: str, hip=0., abd=0., knee=0., ankle=0.):
        self.add(f'{side}_hip', FLEX, hip)
        self.add(f'{side}_hip', ABD, abd)
        self.add(f'{side}_knee', FLEX, knee)
        self.add(f'{side}_ankle', FLEX, ankle)

    def bend(self, flex=0., lean=0., twist=0.):
        # Spread over two spine joints so the back curves instead of folding.
        for joint, w in (('trunk', 0.6), ('spine_mid', 0.4)):
            self.add(joint, FLEX, w * flex)
            self.add(joint, ABD, w * lean)
            self.add(joint, TWIST, w * twist)


# Motions: fn(pose, phase [T] in cycles, amplitude factor, rng). Angles in
# degrees, added on top of the relaxed stance of :func:`_stance`.

def _wave(p, ph, a, rng):
    s, osc = _side(rng, 0.75), np.sin(TWO_PI * ph)
    # Upper arm out and up, rotated so the bent forearm points up; the
    # elbow swings the hand side to side above the shoulder.
    p.arm(s, flex=rng.uniform(0, 30), abd=rng.uniform(95, 140) + 8 * a * osc,
          twist=rng.uniform(70, 95), elbow=rng.uniform(45, 75) + 28 * a * osc)
    p.add(f'{s}_wrist', FLEX, 15 * a * np.sin(TWO_PI * ph - 0.6))
    p.bend(lean=rng.uniform(0, 5) * (1 if s == 'left' else -1))


def _arm_circles(p, ph, a, rng):
    sides = ('left', 'right') if rng.random() < 0.55 else (_side(rng), )
    r, sign = rng.uniform(18, 42) * a, rng.choice([-1.0, 1.0])
    base = rng.uniform(80, 100)
    for s in sides:  # circles of the straight arm held out to the side
        p.arm(s, abd=base + r * np.sin(TWO_PI * ph),
              turn=sign * r * np.cos(TWO_PI * ph), twist=rng.uniform(0, 30),
              elbow=rng.uniform(0, 12))


def _clap(p, ph, a, rng):
    close = _cos01(ph)**1.5  # 1 when the hands meet
    abd, elbow = rng.uniform(65, 95), rng.uniform(20, 40)
    for s in ('left', 'right'):
        # Horizontal adduction: the arms swing in front until the palms meet.
        p.arm(s, abd=abd, elbow=elbow, turn=-(108 - 45 * a * (1 - close)))


def _punch(p, ph, a, rng):
    one = rng.random() < 0.3
    side = _side(rng)
    for s, shift in (('left', 0.0), ('right', 0.5)):
        hit = _cos01(ph + shift)**3  # sharp thrust, then back to the guard
        if one and s != side:
            hit = np.zeros_like(hit)  # this arm stays in the guard
        p.arm(s, flex=50 + 38 * a * hit, abd=20 - 12 * hit,
              turn=-25 + 15 * hit, elbow=125 - 118 * hit)
        p.bend(twist=(-18 if s == 'left' else 18) * a * hit)
    p.leg('left', knee=10), p.leg('right', knee=10)


def _reach_up(p, ph, a, rng):
    both = rng.random() < 0.4
    reach = {s: _cos01(ph + (0 if both or s == 'left' else 0.5))
             for s in ('left', 'right')}
    top = min(150 * a, 160)
    for s, r in reach.items():
        p.arm(s, flex=20 + top * r, abd=8 + 10 * r, elbow=70 * (1 - r) + 5)
    rise = np.maximum(reach['left'], reach['right']) * (25 if both else 12)
    p.leg('left', ankle=-rise), p.leg('right', ankle=-rise)  # on the toes
    p.bend(flex=-6 * reach['left'] * both,
           lean=8 * (reach['left'] - reach['right']))


def _torso_twist(p, ph, a, rng):
    tw = rng.uniform(30, 60) * a * np.sin(TWO_PI * ph)
    p.bend(twist=tw)
    p.add('neck', TWIST, -0.3 * tw)
    p.add('pelvis', TWIST, -0.12 * tw)
    for s in ('left', 'right'):
        if rng.random() < 0.5:  # arms out like wings
            p.arm(s, abd=rng.uniform(70, 90), elbow=rng.uniform(0, 20))
        else:  # elbows bent in front of the chest
            p.arm(s, flex=70, turn=-30, elbow=rng.uniform(90, 120))


def _squat(p, ph, a, rng):
    d = min(1.05, rng.uniform(0.6, 1.0) * a) * _cos01(ph)**1.2
    hip, knee = 100 * d, 120 * d
    p.leg('left', hip=hip, knee=knee, ankle=knee - hip)  # feet stay flat
    p.leg('right', hip=hip, knee=knee, ankle=knee - hip)
    p.bend(flex=30 * d)
    style = rng.integers(3)
    for s in ('left', 'right'):
        if style == 0:  # arms forward for balance
            p.arm(s, flex=85 * d)
        elif style == 1:  # hands held in front of the chest
            p.arm(s, flex=45, turn=-40, elbow=110)


def _bow(p, ph, a, rng):
    b = rng.uniform(30, 80) * a * _cos01(ph)**1.3
    p.bend(flex=b)
    p.add('neck', FLEX, 0.25 * b)
    k = rng.uniform(0.5, 1.0)
    for s in ('left', 'right'):
        p.arm(s, flex=k * b)  # arms keep hanging roughly vertically
        # Legs tilt forward over flat feet: the hips move back for balance.
        p.leg(s, hip=b / 8, knee=b / 10, ankle=b / 10 - b / 8)


def _jump(p, ph, a, rng):
    q = ph % 1.0
    depth = min(1.0, rng.uniform(0.4, 0.9) * a)
    crouch = depth * (_peak(q, 0.2, 0.07) + 0.8 * _peak(q, 0.84, 0.06))
    flight = np.clip(np.sin(np.pi * (q - 0.36) / 0.32), 0, None) * (q > 0.36)
    push = _peak(q, 0.34, 0.035)
    for s in ('left', 'right'):
        p.leg(s, hip=70 * crouch + 10 * flight,
              knee=100 * crouch + 25 * flight,
              ankle=30 * crouch - 35 * push - 20 * flight)
        # Arms swing back in the crouch and up through the take-off.
        p.arm(s, flex=-35 * _peak(q, 0.2, 0.08) + 140 * _peak(q, 0.45, 0.1),
              elbow=20)
    p.bend(flex=35 * crouch)
    p.lift = rng.uniform(0.05, 0.3) * a * flight


def _jumping_jack(p, ph, a, rng):
    o = _cos01(ph)  # 0: feet together, arms down; 1: spread, arms up
    top = min(150 * a, 165)
    for s in ('left', 'right'):
        p.arm(s, abd=10 + top * o, twist=60 * o, elbow=10)
        p.leg(s, abd=2 + 14 * o, knee=10)
    p.lift = rng.uniform(0.04, 0.15) * np.sin(TWO_PI * ph)**2  # hop per move


def _kick(p, ph, a, rng):
    s = _side(rng, 0.7)
    other = 'left' if s == 'right' else 'right'
    q, k = ph % 1.0, _cos01(ph)**2
    # Snap kick: knee chambers, extends at the top of the hip swing,
    # chambers again on the way down.
    knee = 85 * (_peak(q, 0.33, 0.08) + _peak(q, 0.67, 0.08)) + 5
    p.leg(s, hip=rng.uniform(70, 100) * a * k, knee=knee, ankle=-20 * k)
    p.leg(other, knee=8)
    p.bend(flex=-12 * k)
    guard = rng.uniform(70, 100)
    p.arm(s, flex=30, abd=25, elbow=guard)
    p.arm(other, flex=30 + 25 * k, abd=25, elbow=guard)


def _walk_in_place(p, ph, a, rng):
    lift = {'left': _cos01(ph)**2, 'right': _cos01(ph + 0.5)**2}
    hip, swing = rng.uniform(35, 65) * a, rng.uniform(15, 35) * a
    elbow = rng.uniform(15, 60)
    for s, other in (('left', 'right'), ('right', 'left')):
        knee = 1.6 * hip * lift[s]
        p.leg(s, hip=hip * lift[s], knee=knee, ankle=0.5 * (knee - hip))
        p.arm(s, flex=swing * (lift[other] - lift[s]), elbow=elbow)
    p.bend(twist=5 * (lift['left'] - lift['right']))


def _idle(p, ph, a, rng):
    # A bystander: shifts the weight and fidgets with one arm.
    s, slow = _side(rng), np.sin(TWO_PI * (0.3 * ph + rng.random()))
    p.arm(s, flex=rng.uniform(0, 25) * slow, elbow=rng.uniform(0, 40))
    p.leg(s, knee=6 * slow)


# class name -> (motion, tempo range in cycles per second)
_MOTIONS: Dict[str, Tuple[Callable, Tuple[float, float]]] = {
    'wave': (_wave, (1.5, 3.0)),
    'arm_circles': (_arm_circles, (0.7, 1.6)),
    'clap': (_clap, (1.2, 2.6)),
    'punch': (_punch, (0.8, 1.8)),
    'reach_up': (_reach_up, (0.4, 0.9)),
    'torso_twist': (_torso_twist, (0.35, 0.8)),
    'squat': (_squat, (0.3, 0.7)),
    'bow': (_bow, (0.25, 0.6)),
    'jump': (_jump, (0.6, 1.1)),
    'jumping_jack': (_jumping_jack, (0.8, 1.4)),
    'kick': (_kick, (0.5, 1.1)),
    'walk_in_place': (_walk_in_place, (0.7, 1.3)),
}
assert set(_MOTIONS) == set(CLASSES)


def _stance(p: _Pose, t: int, rng: np.random.Generator) -> None:
    """A relaxed, slightly individual stance with slow sway."""
    u = np.arange(t) / FPS
    slow = np.sin(TWO_PI * (rng.uniform(0.1, 0.4) * u + rng.random()))
    for s in ('left', 'right'):
        p.arm(s, flex=rng.uniform(-5, 10), abd=rng.uniform(3, 14),
              twist=rng.uniform(-10, 20), elbow=rng.uniform(3, 25))
        p.leg(s, abd=rng.uniform(2, 8), knee=rng.uniform(0, 8))
    p.bend(flex=rng.uniform(-4, 8), lean=rng.uniform(-4, 4))
    p.add('neck', FLEX, rng.uniform(-8, 12) + 3 * slow)
    p.add('neck', TWIST, rng.uniform(-15, 15) + rng.uniform(0, 8) * slow)
    p.add('pelvis', TWIST, rng.uniform(0, 4) * slow)
    # Weight shift: both legs tilt sideways, so the hips sway over the feet.
    sway = rng.uniform(0, 2.5) * slow
    p.leg('left', abd=sway)
    p.leg('right', abd=-sway)


def simulate_person(rng: np.random.Generator, action: Optional[str],
                    num_frames: int) -> np.ndarray:
    """Joint positions of one person performing ``action``.

    Args:
        rng (np.random.Generator): Random source.
        action (str, optional): A name of :data:`CLASSES`; None for an idle
            bystander.
        num_frames (int): Number of frames T (at :data:`FPS`).

    Returns:
        np.ndarray: Positions [T, J, 3] of the body model's joints
        (``synthetic_body.NAMES``), metres, body frame, on the floor.
    """
    t = num_frames
    pose = _Pose(t)
    _stance(pose, t, rng)
    motion, tempo = _MOTIONS[action] if action else (_idle, (0.2, 0.5))
    cycles = rng.uniform(*tempo) * t / FPS
    u = np.arange(t) / t
    # Uneven tempo within the clip (monotonic: |w| < 1).
    w, psi = rng.uniform(0, 0.4), rng.uniform(0, TWO_PI)
    warp = u + w * (np.sin(TWO_PI * u + psi) - np.sin(psi)) / TWO_PI
    phase = rng.random() + cycles * warp
    motion(pose, phase, rng.uniform(0.75, 1.2), rng)
    pos = body.forward_kinematics(pose.ang, body.random_offsets(rng),
                                  np.zeros((t, 3)))
    return body.ground(pos, pose.lift)


def _persons(rng, label, num_persons):
    """Actions and room placement ``(action, yaw, (x, z))`` per person."""
    m = num_persons or (2 if rng.random() < 0.3 else 1)
    out = [(CLASSES[label], rng.uniform(-60, 60), (0.0, 0.0))]
    if m == 2:
        r = rng.random()
        other = (CLASSES[label] if r < 0.45 else None if r < 0.85 else
                 CLASSES[rng.integers(len(CLASSES))])
        x = rng.uniform(0.8, 1.6) * rng.choice([-1.0, 1.0])
        out.append((other, rng.uniform(-90, 90), (x, rng.uniform(-1, 1))))
    return out


def _fit_image(uv, img_shape, rng):
    """Zoom the view out if the people do not fit, then place them at a
    random position inside the image."""
    h, w = img_shape
    lo, hi = uv.reshape(-1, 2).min(0), uv.reshape(-1, 2).max(0)
    size = hi - lo
    zoom = min(1.0, 0.92 * w / size[0], 0.92 * h / size[1])
    uv = (uv - lo) * zoom
    room = np.array([w, h]) * 0.96 - size * zoom
    return uv + np.array([w, h]) * 0.02 + rng.random(2) * np.maximum(room, 0)


_COCO_SCORE_BIAS = np.array([0.02, 0.01, 0.01, -0.05, -0.05, 0, 0, -0.02,
                             -0.02, -0.06, -0.06, -0.04, -0.04, -0.03, -0.03,
                             -0.05, -0.05])
_COCO_CHAINS = ((7, 9), (8, 10), (13, 15), (14, 16), (0, 1, 2, 3, 4), (9, ),
                (10, ), (15, ), (16, ))


def _project_coco2d(rng, cams, img_shape, zoom=1.0):
    """True image positions [M, T, 17, 2] (pixels, float64) of the COCO-17
    joints from camera coordinates [M, T, J, 3]: a hand-held camera that
    keeps everyone in the image; ``zoom`` scales its focal length."""
    h, w = img_shape
    cams = cams[:, :, body.COCO_INDEX]
    t = cams.shape[1]
    uv = rng.uniform(0.75, 1.1) * zoom * w * cams[..., :2] / cams[..., 2:]
    # Hand-held camera: slow pan and zoom, independent of the action.
    k = np.arange(t)[:, None] - t / 2
    pan = rng.normal(0, 1.2, 2) * k * (rng.random() < 0.6)
    pan += rng.uniform(0, 4) * np.sin(TWO_PI * k / rng.uniform(20, 80)
                                      + rng.uniform(0, TWO_PI, 2))
    uv = uv * (1 + rng.uniform(-0.15, 0.15) * k / t)[:, :, None] + pan[:, None]
    return _fit_image(uv, img_shape, rng)


def _detect_coco2d(rng, uv, cams, img_shape, elevation):
    """COCO-17 detections [M, T, 17, 2] and scores [M, T, 17] of the true
    positions ``uv`` [M, T, 17, 2] (:func:`_project_coco2d`) seen from
    camera coordinates ``cams`` [M, T, J, 3] of a camera tilted down by
    ``elevation`` degrees."""
    h, w = img_shape
    cams = cams[:, :, body.COCO_INDEX]
    m, t = cams.shape[:2]
    height = np.median(np.ptp(uv[..., 1], axis=2), axis=1)  # [M] pixels
    # Self-occlusion: joints behind the torso, depth measured horizontally
    # (undoing the camera tilt) so low joints do not count as far ones.
    e = np.deg2rad(elevation)
    depth = cams[..., 2] * np.cos(e) - cams[..., 1] * np.sin(e)
    torso = depth[:, :, [5, 6, 11, 12]].mean(axis=2, keepdims=True)
    occluded = 1 / (1 + np.exp(-(depth - torso - 0.07) / 0.03))
    speed = np.linalg.norm(np.diff(uv, axis=1, prepend=uv[:, :1]), axis=-1)
    blur = np.clip((speed / height[:, None, None] - 0.01) / 0.04, 0, 1)
    score = (rng.uniform(0.84, 0.97, (m, 1, 1)) + _COCO_SCORE_BIAS
             - rng.uniform(0.25, 0.5) * occluded - 0.3 * blur
             + rng.normal(0, 0.035, (m, t, 17)))
    score = np.clip(score, 0.03, 1.0)
    sigma = height[:, None, None, None] * rng.uniform(0.002, 0.007)
    uv = uv + rng.standard_normal(uv.shape) * sigma * (2.5 - 1.5 * score[
        ..., None])

    # Missed detections: isolated drops, unsure joints, bursts of frames.
    miss = rng.random(score.shape) < rng.uniform(0, 0.02)
    miss |= (score < 0.3) & (rng.random(score.shape) < 0.5)
    for _ in range(rng.poisson(rng.uniform(0.2, 1.5))):
        start, length = rng.integers(t), rng.integers(3, 16)
        person = 0 if m == 1 or rng.random() < 0.7 else 1
        r = rng.random()
        joints = (slice(None) if r < 0.1 else list(
            _COCO_CHAINS[rng.integers(len(_COCO_CHAINS))]) if r < 0.5 else
                  rng.integers(17))
        miss[person, start:start + length, joints] = True
    miss |= ((uv < 0) | (uv >= np.array([w, h]))).any(axis=-1)
    uv[miss], score[miss] = 0, 0
    return uv.astype(np.float32), score.astype(np.float32)


def _render_ntu3d(rng, cams):
    """NTU-25 Kinect joints [M, T, 25, 3] in metres from camera coordinates
    [M, T, J, 3]."""
    # Kinect camera space: x to the sensor's left, y up, z depth.
    xyz = cams[:, :, body.NTU_INDEX] * np.array([-1.0, -1.0, 1.0])
    sigma = np.full(25, rng.uniform(0.003, 0.01))
    sigma[[7, 11, 21, 22, 23, 24]] *= 2.5  # hands jitter most on a Kinect
    sigma[[15, 19]] *= 1.5
    xyz = xyz + rng.standard_normal(xyz.shape) * sigma[:, None]
    return xyz.astype(np.float32)


class Scene(NamedTuple):
    """One generated clip.

    Attributes:
        record (dict): Its annotation record (:func:`generate_sample`).
        pixels (np.ndarray, optional): Where the COCO-17 joints truly are,
            float64 [M, T, 17, 2] pixels (what a video of the clip shows;
            ``record['keypoint']`` holds the noisy, partly missed
            detections of them); None for the ntu3d layout.
        depth (np.ndarray, optional): The camera-space depth of those
            joints, float64 [M, T, 17] metres (coco2d; None for ntu3d).
    """
    record: Dict
    pixels: Optional[np.ndarray]
    depth: Optional[np.ndarray] = None


def generate_scene(rng: np.random.Generator,
                   label: int,
                   layout: str = 'coco2d',
                   frame_dir: str = 'syn_000000',
                   img_shape: Tuple[int, int] = (480, 640),
                   num_frames: Optional[int] = None,
                   num_persons: Optional[int] = None,
                   zoom: float = 1.0) -> Scene:
    """Generate one clip: its record and its true joint positions.

    Takes the arguments of :func:`generate_sample`, which returns the same
    record from the same ``rng`` state, and ``zoom`` (coco2d): the camera's
    focal length relative to the default (persons of about a third of the
    image width), up to what keeps everyone in the image.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; expected {LAYOUTS}')
    if not 0 <= label < len(CLASSES):
        raise ValueError(f'label {label} outside 0..{len(CLASSES) - 1}')
    if num_persons not in (None, 1, 2):
        raise ValueError(f'num_persons must be 1, 2 or None, got '
                         f'{num_persons}')
    t = int(num_frames or rng.integers(40, 121))
    people = _persons(rng, label, num_persons)
    if layout == 'coco2d':  # detector footage: farther, higher cameras
        dist, height = rng.uniform(3.0, 7.0), rng.uniform(0.9, 2.0)
        elev = rng.uniform(0, 18)
    else:  # NTU-like Kinect placement
        dist, height = rng.uniform(2.5, 4.0), rng.uniform(0.7, 1.5)
        elev = rng.uniform(-3, 8)
    cams = np.stack([
        body.to_camera(simulate_person(rng, action, t), yaw, place, height,
                       dist, elev) for action, yaw, place in people
    ])
    record = dict(frame_dir=frame_dir, label=int(label), total_frames=t)
    if layout == 'ntu3d':
        record['keypoint'] = _render_ntu3d(rng, cams)
        return Scene(record, None)
    pixels = _project_coco2d(rng, cams, img_shape, zoom)
    kp, score = _detect_coco2d(rng, pixels, cams, img_shape, elev)
    record.update(img_shape=tuple(img_shape), original_shape=tuple(img_shape),
                  keypoint=kp, keypoint_score=score)
    return Scene(record, pixels, cams[:, :, body.COCO_INDEX, 2])


def generate_sample(rng: np.random.Generator,
                    label: int,
                    layout: str = 'coco2d',
                    frame_dir: str = 'syn_000000',
                    img_shape: Tuple[int, int] = (480, 640),
                    num_frames: Optional[int] = None,
                    num_persons: Optional[int] = None) -> Dict:
    """Generate one annotation record.

    Args:
        rng (np.random.Generator): Random source; the record is a pure
            function of its state.
        label (int): Action class, an index into :data:`CLASSES`.
        layout (str): ``'coco2d'`` (COCO-17 pixel coordinates with scores)
            or ``'ntu3d'`` (NTU-25 Kinect coordinates in metres). Defaults to
            ``'coco2d'``.
        frame_dir (str): Record id. Defaults to ``'syn_000000'``.
        img_shape (tuple[int, int]): ``(h, w)`` of the image, coco2d only.
            Defaults to ``(480, 640)``.
        num_frames (int, optional): Clip length T; None draws 40 to 120.
        num_persons (int, optional): 1 or 2; None draws 2 with p = 0.3.

    Returns:
        dict: ``frame_dir``, ``label``, ``total_frames`` and ``keypoint``
        (float32 [M, T, 17, 2] pixels for coco2d, [M, T, 25, 3] metres for
        ntu3d); coco2d adds ``keypoint_score`` (float32 [M, T, 17], 0 where
        a joint was missed, its coordinates then being 0), ``img_shape`` and
        ``original_shape``. Person 0 performs the action.
    """
    return generate_scene(rng, label, layout, frame_dir, img_shape,
                          num_frames, num_persons).record


def generate_dataset(
        num_per_class_train: int,
        num_per_class_val: int,
        layout: str = 'coco2d',
        seed: int = 0,
        num_classes: Optional[int] = None
) -> Tuple[List[Dict], Dict[str, List[str]]]:
    """Generate a balanced synthetic dataset with train and val splits.

    Each record is drawn from its own generator seeded by ``(seed, split,
    label, index)``, so a record does not depend on how many others are
    made.

    Args:
        num_per_class_train (int): Training clips per class.
        num_per_class_val (int): Validation clips per class.
        layout (str): ``'coco2d'`` or ``'ntu3d'``. Defaults to ``'coco2d'``.
        seed (int): Non-negative seed. Defaults to 0.
        num_classes (int, optional): Use the first ``num_classes`` classes
            of :data:`CLASSES`; None uses all. Defaults to None.

    Returns:
        tuple[list[dict], dict]: The records (frame_dirs ``syn_000000``,
        ``syn_000001``, ...) and ``{'train': [...], 'val': [...]}`` of
        frame_dirs.
    """
    annotations: List[Dict] = []
    split: Dict[str, List[str]] = {'train': [], 'val': []}
    for i, clip in enumerate(
            dataset_clips(num_per_class_train, num_per_class_val,
                          num_classes, len(CLASSES), seed)):
        frame_dir = f'syn_{i:06d}'
        annotations.append(
            generate_sample(clip.rng, clip.label, layout, frame_dir))
        split[clip.split].append(frame_dir)
    return annotations, split


class Clip(NamedTuple):
    """One clip of a synthetic dataset to generate: its split, its class
    and the generator it is drawn from."""
    split: str
    label: int
    rng: np.random.Generator


def dataset_clips(num_per_class_train: int, num_per_class_val: int,
                  num_classes: Optional[int], available: int,
                  seed: int,
                  more_splits: Sequence[Tuple[str, int]] = ()
                  ) -> List[Clip]:
    """The clips of a balanced synthetic dataset, in order: the train split,
    the val split, then ``more_splits``, the classes interleaved. Each clip
    has its own generator seeded by ``(seed, split number, label,
    index)``, so that a clip does not depend on how many others are made.

    Args:
        num_per_class_train (int): Training clips per class.
        num_per_class_val (int): Validation clips per class.
        num_classes (int, optional): The first ``num_classes`` classes;
            None uses all ``available``.
        available (int): Number of classes of the dataset.
        seed (int): Non-negative seed.
        more_splits (Sequence[tuple[str, int]]): Further splits, ``(name,
            clips per class)`` each, numbered 2, 3, ... Defaults to none.

    Raises:
        ValueError: ``num_classes`` outside ``1..available``, or a negative
            seed.
    """
    n_cls = available if num_classes is None else num_classes
    if not 1 <= n_cls <= available:
        raise ValueError(f'num_classes must be in 1..{available}, got '
                         f'{num_classes}')
    if seed < 0:
        raise ValueError(f'seed must be non-negative, got {seed}')
    counts = (('train', num_per_class_train),
              ('val', num_per_class_val)) + tuple(more_splits)
    return [Clip(name, label, np.random.default_rng([seed, split_id, label,
                                                     k]))
            for split_id, (name, count) in enumerate(counts)
            for k in range(count) for label in range(n_cls)]

"""NTU RGB+D 60/120 raw ``.skeleton`` files to annotation records.

File format (one text file per sample, named ``SsssCcccPpppRrrrAaaa``):
line 1 holds the number of frames; each frame has a line with its body
count, then per body a line of 10 body values (the first is the 64-bit
tracking id), a line with the joint count (25) and 25 joint lines of 12
values: x, y, z (camera space, metres), depthX, depthY, colorX, colorY
(1920x1080 colour pixels), 4 orientation values and the tracking state (0
not tracked, 1 inferred, 2 tracked).

Denoising follows the preprocessing of SGN / CTR-GCN (used by EPP-Net) for
files with more than one tracking id: bodies seen in 11 frames or fewer are
dropped; while more than one body is left, a body whose frames are "noisy"
(x-extent of the joints above 0.8 times the y-extent) in at least 69.754 %
of its frames is dropped, otherwise its motion becomes the smaller of its
motion and that of its valid frames; bodies are then sorted by motion
(the summed variance of their joint coordinates). The most moving body is
actor 1; each next body goes to actor 1 if its frame interval does not
overlap actor 1's (growing) interval, else to actor 2 on the same test
(actor 2's interval starts as the virtual [0, 0], as in the reference),
else it is dropped. Frames where no actor has data are removed. Unlike the
reference, a body that disappears and comes back keeps its true frames (the
reference's interval compresses such gaps).

The 3D record is centred on the SpineMid joint of actor 1 in its first frame
(zeros stay zeros). The 2D record holds the colour-camera pixels of the same
actors and frames with scores from the tracking state (1, 0.5, 0), by default
re-indexed to COCO-17 so the PoseC3D configs apply. Both keep the file's (=
the video's) number of each frame in ``video_frame_inds``.

With ``with_depth=True`` the 2D record also holds ``keypoint_depth``
[M, T, V] float32: each joint's camera-space z in metres, taken from the
file's raw (x, y, z) columns (not from the centred 3D record), 0 where the
joint's score is 0 (not tracked, or no actor in that frame). It is the depth
label of the 2D joints (deephar's NTU pose batches: colour pixels + depth).
float32, not float16: float16's step is 2 mm between 2 and 4 m and 4 mm
beyond 4 m, coarser than the file's millimetre values.
"""
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from mmactx.skeletons import NTU25_TO_COCO17, remap_joints
from mmactx.utils.cli import InputError

from .batch import SkipSample

NUM_JOINTS = 25
NTU_IMG_SHAPE = (1080, 1920)
SPINE_MID = 1
NAME_RE = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')

# denoising constants of the reference preprocessing
MAX_NOISE_LENGTH = 11
SPREAD_RATIO = 0.8
NOISY_FRAME_SHARE = 0.69754

# official splits
NTU60_XSUB_TRAIN = (1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28,
                    31, 34, 35, 38)
NTU120_XSUB_TRAIN = NTU60_XSUB_TRAIN + (
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103)
NTU60_XVIEW_TRAIN_CAMERAS = (2, 3)
# NTU60 is setups 1-17 and actions 1-60 of NTU120
NTU60_MAX_SETUP, NTU60_MAX_ACTION = 17, 60
# the ids of NTU RGB+D 120 (NTU60 is a subset): setups S001-S032, cameras
# C001-C003, performers P001-P106, actions A001-A120; a name outside these
# is refused (its label or split would be wrong). The replication is not
# checked: it decides neither.
NTU_ID_RANGES = dict(setup=32, camera=3, subject=106, action=120)
# |x|, |y|, |z| beyond this many metres are no Kinect v2 joint (it sees
# 0.5-4.5 m); colour pixels beyond float16's range would be written as inf
MAX_METRES = 100.0
MAX_PIXELS = 65000.0
TRACKING_SCORE = np.array([0., 0.5, 1.], dtype=np.float32)


class SampleName(NamedTuple):
    """The ids in an NTU sample name ``SsssCcccPpppRrrrAaaa``."""
    setup: int
    camera: int
    subject: int
    replication: int
    action: int

    @property
    def label(self) -> int:
        return self.action - 1

    def in_ntu60(self) -> bool:
        return (self.setup <= NTU60_MAX_SETUP
                and self.action <= NTU60_MAX_ACTION)


def parse_name(name: str) -> SampleName:
    """Ids of a sample name (with or without ``.skeleton``).

    Raises:
        SkipSample: reason ``'bad_name'`` if it is not an NTU name or an id
            is outside :data:`NTU_ID_RANGES` (e.g. action ``A999``).
    """
    stem = name[:-len('.skeleton')] if name.endswith('.skeleton') else name
    match = NAME_RE.match(stem)
    if match is None:
        raise SkipSample('bad_name',
                         f'{name!r} is not an NTU name SsssCcccPpppRrrrAaaa')
    sample = SampleName(*map(int, match.groups()))
    for field, top in NTU_ID_RANGES.items():
        value = getattr(sample, field)
        if not 1 <= value <= top:
            raise SkipSample(
                'bad_name', f'{name!r}: {field} {value} is outside the '
                f'{field}s 1..{top} of NTU RGB+D 60/120')
    return sample


def split_membership(name: SampleName, dataset: str) -> Dict[str, bool]:
    """Whether a sample is in the training half of each benchmark.

    Args:
        name (SampleName): The sample.
        dataset (str): ``'ntu60'`` (benchmarks xsub, xview) or ``'ntu120'``
            (xsub, xset).
    """
    if dataset == 'ntu60':
        return dict(
            xsub=name.subject in NTU60_XSUB_TRAIN,
            xview=name.camera in NTU60_XVIEW_TRAIN_CAMERAS)
    return dict(
        xsub=name.subject in NTU120_XSUB_TRAIN, xset=name.setup % 2 == 0)


def build_splits(frame_dirs: Sequence[str],
                 dataset: str) -> Dict[str, List[str]]:
    """The official splits (``xsub_train``, ``xsub_val``, ...) of the given
    samples, each in the order of ``frame_dirs``."""
    second = 'xview' if dataset == 'ntu60' else 'xset'
    split = {
        f'{bench}_{half}': []
        for bench in ('xsub', second) for half in ('train', 'val')
    }
    for frame_dir in frame_dirs:
        for bench, train in split_membership(parse_name(frame_dir),
                                             dataset).items():
            split[f'{bench}_{"train" if train else "val"}'].append(frame_dir)
    return split


class Body(NamedTuple):
    """One tracking id of a file: its frames (indices among the frames
    that have a body, and in the file) and joints there."""
    frames: np.ndarray  # [n] int, ascending
    raw_frames: np.ndarray  # [n] int: the frames' numbers in the file
    xyz: np.ndarray  # [n, 25, 3] metres
    color: np.ndarray  # [n, 25, 2] colour pixels
    state: np.ndarray  # [n, 25] tracking state 0/1/2


def _bad_joint_line(lines: List[str], starts: Sequence[int]) -> SkipSample:
    """The error of the first joint line that does not hold 12 finite
    numbers (called once the fast whole-file parse has failed)."""
    for start in starts:
        for i in range(start, start + NUM_JOINTS):
            values = lines[i].split()
            if len(values) != 12:
                if i == len(lines) - 1:
                    return SkipSample('truncated',
                                      f'the file ends inside line {i + 1}')
                return SkipSample(
                    'malformed',
                    f'line {i + 1} has {len(values)} values, expected 12')
            try:
                numbers = [float(v) for v in values]
            except ValueError:
                return SkipSample(
                    'malformed', f'line {i + 1} holds a non-number: '
                    f'{lines[i][:80]!r}')
            if not np.isfinite(numbers).all():
                return SkipSample(
                    'nan', f'line {i + 1} holds NaN or inf: {lines[i][:80]!r}')
    return SkipSample('malformed', 'the joint lines could not be read')


def read_skeleton(path: str) -> Dict[str, Body]:
    """Read a ``.skeleton`` file into its bodies, by tracking id in order of
    first appearance. Frames without any body are left out (so frame
    indices count the frames that have a body).

    Raises:
        SkipSample: ``'truncated'``, ``'malformed'``, ``'joint_count'``,
        ``'nan'``, ``'trailing_data'`` (non-empty lines after the last
        frame: the file is not what its frame count says), with the line
        number.
    """
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().rstrip().split('\n')
    pos = 0

    def take_int(what: str) -> int:
        nonlocal pos
        if pos >= len(lines):
            raise SkipSample(
                'truncated', f'the file ends at line {len(lines)} where {what}'
                ' was expected')
        try:
            value = int(lines[pos])
        except ValueError:
            raise SkipSample(
                'malformed', f'line {pos + 1}: expected {what}, got '
                f'{lines[pos][:60]!r}') from None
        if value < 0:
            raise SkipSample('malformed',
                             f'line {pos + 1}: negative {what} {value}')
        pos += 1
        return value

    num_frames = take_int('the frame count')
    entries: List[Tuple[int, int, str]] = []  # (frame, raw frame, body id)
    starts: List[int] = []  # first joint line of each block
    frame = 0
    for raw_frame in range(num_frames):
        num_bodies = take_int(f'the body count of frame {raw_frame + 1}')
        for _ in range(num_bodies):
            if pos >= len(lines):
                raise SkipSample(
                    'truncated', f'the file ends in frame {raw_frame + 1} of '
                    f'{num_frames}')
            info = lines[pos].split()
            if len(info) != 10:
                raise SkipSample(
                    'malformed', f'line {pos + 1}: body line has '
                    f'{len(info)} values, expected 10')
            pos += 1
            num_joints = take_int('the joint count')
            if num_joints != NUM_JOINTS:
                raise SkipSample(
                    'joint_count', f'line {pos}: {num_joints} joints, '
                    f'expected {NUM_JOINTS}')
            if pos + NUM_JOINTS > len(lines):
                raise SkipSample(
                    'truncated', f'the file ends in frame {raw_frame + 1} of '
                    f'{num_frames}, inside a body')
            entries.append((frame, raw_frame, info[0]))
            starts.append(pos)
            pos += NUM_JOINTS
        frame += num_bodies > 0
    rest = next((i for i in range(pos, len(lines)) if lines[i].strip()),
                None)
    if rest is not None:
        raise SkipSample(
            'trailing_data', f'line {rest + 1}: {len(lines) - pos} more '
            f'lines after the {num_frames} frames the file announces: '
            f'{lines[rest][:60]!r}')

    if not entries:
        return {}
    rows = [line for s in starts for line in lines[s:s + NUM_JOINTS]]
    try:  # numpy's C parser: several times faster than float() per token
        values = np.loadtxt(rows, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        values = None
    if values is None or values.shape[1] != 12 or \
            not np.isfinite(values).all():
        raise _bad_joint_line(lines, starts)
    joints = values.reshape(len(starts), NUM_JOINTS, 12)

    order: Dict[str, List[int]] = {}
    for i, (_, _, body_id) in enumerate(entries):
        order.setdefault(body_id, []).append(i)
    frames = np.array([e[:2] for e in entries])
    bodies = {}
    for body_id, rows in order.items():
        j = joints[rows]
        bodies[body_id] = Body(frames[rows, 0], frames[rows, 1], j[..., 0:3],
                               j[..., 5:7],
                               j[..., 11].astype(np.int64).clip(0, 2))
    return bodies


def _motion(xyz: np.ndarray) -> float:
    """Summed variance of the x, y and z of all joints of all frames."""
    return float(np.var(xyz.reshape(-1, 3), axis=0).sum())


def denoise(bodies: Dict[str, Body]) -> List[Body]:
    """Drop noisy bodies and order the rest by motion (see the module doc).

    A single tracking id is returned as it is, never denoised.
    """
    if len(bodies) <= 1:
        return list(bodies.values())
    kept = {
        k: b
        for k, b in bodies.items() if len(b.frames) > MAX_NOISE_LENGTH
    }
    motion = {k: _motion(b.xyz) for k, b in kept.items()}
    for key in list(kept):
        if len(kept) == 1:
            break
        xyz = kept[key].xyz
        extent = xyz.max(axis=1) - xyz.min(axis=1)  # [n, 3]
        valid = extent[:, 0] <= SPREAD_RATIO * extent[:, 1]
        noisy = 1 - valid.mean()
        if noisy == 0:
            continue
        if noisy >= NOISY_FRAME_SHARE:
            del kept[key], motion[key]
        else:
            motion[key] = min(motion[key], _motion(xyz[valid]))
    return [
        kept[k] for k in sorted(kept, key=lambda k: motion[k], reverse=True)
    ]


def assign_actors(bodies: Sequence[Body]) -> List[List[Body]]:
    """Put the bodies (sorted by motion) into at most two actor slots.

    Returns:
        list[list[Body]]: The bodies of actor 1 and, if any, of actor 2.
    """
    if not bodies:
        return []
    actors = [[bodies[0]], []]
    spans = [[bodies[0].frames[0], bodies[0].frames[-1]], [0, 0]]
    for body in bodies[1:]:
        start, end = body.frames[0], body.frames[-1]
        for actor, span in zip(actors, spans):
            # intervals that only touch do not overlap
            if min(span[1], end) - max(span[0], start) <= 0:
                actor.append(body)
                span[0], span[1] = min(span[0], start), max(span[1], end)
                break
    return [a for a in actors if a]


def actor_arrays(
    actors: Sequence[Sequence[Body]]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stack the actors' bodies over the frames where any actor has data.

    Later bodies of an actor overwrite earlier ones in shared frames (only
    touching intervals share a frame).

    Returns:
        tuple: xyz [M, T, 25, 3], color [M, T, 25, 2], score [M, T, 25]
        (zeros where an actor is absent) and the T frames' numbers in the
        file (= in the video).
    """
    total = 1 + max(b.frames[-1] for actor in actors for b in actor)
    xyz = np.zeros((len(actors), total, NUM_JOINTS, 3))
    color = np.zeros((len(actors), total, NUM_JOINTS, 2))
    score = np.zeros((len(actors), total, NUM_JOINTS), dtype=np.float32)
    raw = np.zeros(total, dtype=np.int64)
    for m, actor in enumerate(actors):
        for b in actor:
            xyz[m, b.frames] = b.xyz
            color[m, b.frames] = b.color
            score[m, b.frames] = TRACKING_SCORE[b.state]
            raw[b.frames] = b.raw_frames
    present = (xyz != 0).any(axis=(2, 3))  # [M, T]
    frames = present.any(axis=0)
    return (xyz[:, frames], color[:, frames],
            score[:, frames] * present[:, frames, None], raw[frames])


def convert_ntu_file(path: str,
                     layout_2d: str = 'coco',
                     with_depth: bool = False) -> Dict[str, Dict]:
    """Convert one ``.skeleton`` file into a 3D and a 2D record.

    Args:
        path (str): The file.
        layout_2d (str): ``'coco'`` (COCO-17, for the PoseC3D configs) or
            ``'ntu'`` (all 25 Kinect joints). Defaults to ``'coco'``.
        with_depth (bool): Add ``keypoint_depth`` [M, T, V] float32 to the
            2D record: each joint's camera-space z in metres (the raw file
            value, not centred), 0 where its ``keypoint_score`` is 0.
            Without it the records are exactly those of earlier versions.
            Defaults to False.

    Returns:
        dict: ``{'3d': record, '2d': record}``.

    Raises:
        SkipSample: for a bad name or file, no usable skeleton, or absurd
            coordinates (beyond :data:`MAX_METRES` or, colour pixels,
            :data:`MAX_PIXELS`).
    """
    name = parse_name(osp.basename(path))
    bodies = read_skeleton(path)
    if not bodies:
        raise SkipSample('no_skeleton', 'no frame has a body')
    actors = assign_actors(denoise(bodies))
    if not actors:
        raise SkipSample(
            'no_skeleton', f'all {len(bodies)} bodies last '
            f'{MAX_NOISE_LENGTH} frames or fewer')
    xyz, color, score, video_frames = actor_arrays(actors)
    if xyz.shape[1] == 0:
        raise SkipSample('no_skeleton', 'every joint is at (0, 0, 0)')
    for what, values, top, unit in (('camera-space', xyz, MAX_METRES, 'm'),
                                    ('colour', color, MAX_PIXELS, 'px')):
        far = np.abs(values) > top
        if far.any():
            m, t, v, _ = np.argwhere(far)[0]
            raise SkipSample(
                'absurd_coordinates', f'actor {m}, frame {t}, joint {v}: '
                f'{what} coordinate {values[m, t, v][far[m, t, v]][0]:g} '
                f'{unit} is beyond {top:g} {unit}')

    # camera-space z of every joint, before the 3D record is centred
    depth = xyz[..., 2] * (score > 0)
    zero = (xyz == 0).all(axis=-1, keepdims=True)
    first = np.flatnonzero(~zero[0].all(axis=(1, 2)))[0]
    xyz = np.where(zero, 0, xyz - xyz[0, first, SPINE_MID])
    frame_dir = osp.basename(path).split('.')[0]
    # video_frame_inds: the video frame of each of the T frames (frames
    # without a body are left out), for cropping persons from the videos
    common = dict(
        frame_dir=frame_dir, label=name.label, total_frames=xyz.shape[1],
        video_frame_inds=video_frames.astype(np.int32))
    rec3d = dict(common, keypoint=xyz.astype(np.float16))

    if layout_2d == 'coco':
        depth = remap_joints(depth[..., None], None, NTU25_TO_COCO17)[0]
        depth = depth[..., 0]
        color, score = remap_joints(color, score, NTU25_TO_COCO17)
    elif layout_2d != 'ntu':
        raise ValueError(f'layout_2d must be coco or ntu, got {layout_2d!r}')
    rec2d = dict(
        common,
        keypoint=color.astype(np.float16),
        keypoint_score=score.astype(np.float16),
        img_shape=NTU_IMG_SHAPE,
        original_shape=NTU_IMG_SHAPE)
    if with_depth:
        rec2d['keypoint_depth'] = depth.astype(np.float32)
    return {'3d': rec3d, '2d': rec2d}


def read_ignore_list(path: Optional[str]) -> List[str]:
    """Sample names of an ignore list (one per line, ``.skeleton``
    optional, ``#`` comments)."""
    if path is None:
        return []
    if not osp.isfile(path):
        raise InputError(f'ignore list {path} does not exist')
    names = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                names.append(line.split('.')[0])
    return names


def format_skeleton(frames: Sequence[Sequence[Tuple[str, np.ndarray]]]
                    ) -> str:
    """Write the text of a ``.skeleton`` file (the inverse of
    :func:`read_skeleton`, for tests and benchmarks).

    Args:
        frames (Sequence): Per frame, a list of ``(body id, joints)`` with
            joints [25, 12] in the file's column order (x, y, z, depthX,
            depthY, colorX, colorY, 4 orientation values, tracking state).
    """
    out = [str(len(frames))]
    for bodies in frames:
        out.append(str(len(bodies)))
        for body_id, joints in bodies:
            out.append(f'{body_id} 0 1 1 1 1 0 0.01 -0.02 2')
            out.append(str(len(joints)))
            for j in joints:
                out.append(' '.join(f'{v:.7g}' for v in j[:11]) +
                           f' {int(j[11])}')
    return '\n'.join(out) + '\n'

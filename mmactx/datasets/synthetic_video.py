"""Synthetic RGB videos with poses: the built-in default data of the RGB +
pose systems (RGBPose-Conv3D).

Each class is a motion of the synthetic skeleton generator
(:mod:`mmactx.datasets.synthetic`) performed while holding an object:
``wave_ball``, ``wave_stick``, ... Classes that share a motion differ only
in the object, which the skeleton does not show, so a pose model cannot
tell them apart; the RGB frames show the object (a round ball or a long
stick, each in its own range of colours) but an RGB model sees few, small
frames of a person drawn in random clothes on a random room, so the motion
is harder for it than for a pose model. Neither stream alone can be right
on every class; the two together can.

The same scenes make Luvizon et al.'s multitask built-in data
(:func:`generate_multitask_dataset`): one person doing the motions of
:data:`MULTITASK_CLASSES` empty-handed, recorded with where its joints
truly are and how deep, for a model that learns poses and actions from the
frames alone. As in an optical motion-capture studio, the person wears a
marker on every joint, coloured by the joint's kind (left and right
alike, so that a mirrored frame is a valid frame): a small network learns
to find joints in minutes from these, and only the mean pose from the bare
figures (measured: SPNet at 128 x 128, 400 steps).

The same scenes make IntegralAction's built-in data
(:func:`generate_props_dataset`), where appearance misleads as in Mimetics:
its classes are the motions, each done with its own prop (:data:`PROPS`)
in ``train`` and ``val``, so an RGB model can learn the prop for the
motion; in the ``mimed`` split every clip holds the prop of another class.

Every clip is a video ``{frame_dir}.mp4`` (OpenCV mp4v, 30 frames/s) and an
annotation record as :func:`mmactx.datasets.synthetic.generate_sample`
writes it: COCO-17 detections with their noise, misses and scores, in the
pixels of the video. The video is drawn from where the joints truly are.
Nuisances (the room, the clothes, which hand holds the object, the
object's size and shade, a second person without an object) are drawn
independently of the class.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Tuple

import cv2
import numpy as np

from mmactx.skeletons import COCO
from mmactx.visualization import write_video
from . import synthetic

MOTIONS: Tuple[str, ...] = ('wave', 'clap', 'punch', 'squat')
OBJECTS: Tuple[str, ...] = ('ball', 'stick')
CLASSES: Tuple[str, ...] = tuple(f'{motion}_{held}' for motion in MOTIONS
                                 for held in OBJECTS)
IMG_SHAPE = (120, 160)  # (h, w) of the videos
FPS = 30

_J = {name: i for i, name in enumerate(COCO.joints)}
# Drawn in this order (later parts cover earlier ones): (start, end, part)
_SEGMENTS = tuple(
    (_J[a], _J[b], part) for a, b, part in (
        ('left_hip', 'left_knee', 'legs'), ('left_knee', 'left_ankle',
                                            'legs'),
        ('right_hip', 'right_knee', 'legs'), ('right_knee', 'right_ankle',
                                              'legs'),
        ('left_shoulder', 'left_elbow', 'shirt'),
        ('right_shoulder', 'right_elbow', 'shirt'),
        ('left_elbow', 'left_wrist', 'skin'),
        ('right_elbow', 'right_wrist', 'skin')))
_TORSO = tuple(_J[name] for name in ('left_shoulder', 'right_shoulder',
                                     'right_hip', 'left_hip'))
_HEAD = tuple(_J[name] for name in ('nose', 'left_eye', 'right_eye',
                                    'left_ear', 'right_ear'))
_ARMS = {side: (_J[f'{side}_elbow'], _J[f'{side}_wrist'])
         for side in ('left', 'right')}
#: IntegralAction's synthetic classes (the motions) and the prop each is
#: done with in ``train`` and ``val``
PROPS: Dict[str, str] = dict(wave='ball', clap='stick', punch='box',
                             squat='ring')
#: ``(h, w)`` of IntegralAction's synthetic videos: square, so that its
#: random crops of {1, .875, .75, .66} of the shorter side keep the person
PROPS_IMG_SHAPE = (96, 96)
#: the camera of IntegralAction's synthetic videos zooms in this much, so
#: that the person fills most of the frame (as in Kinetics' videos)
PROPS_ZOOM = 2.0
#: the props are drawn this much larger than the held objects of
#: :data:`CLASSES` (a guitar or a ball, not a pen)
PROP_SCALE = 1.8
#: the classes of the multitask data: motions that differ in the pose
MULTITASK_CLASSES: Tuple[str, ...] = ('wave', 'clap', 'punch', 'squat',
                                      'jumping_jack', 'kick')
#: ``(h, w)`` of the multitask videos
MULTITASK_IMG_SHAPE = (128, 128)
#: the multitask camera's zoom: the person fills about half the frame
MULTITASK_ZOOM = 2.5
# OpenCV hues of the joint markers: one per kind of joint (nose, eye, ear,
# shoulder, ...), spread over the hue circle
_MARKER_KINDS = tuple(dict.fromkeys(
    name.replace('left_', '').replace('right_', '') for name in COCO.joints))
_MARKER_HUES = tuple(
    180 * _MARKER_KINDS.index(name.replace('left_', '').replace(
        'right_', '')) // len(_MARKER_KINDS) for name in COCO.joints)
# OpenCV hues (0-179) of the objects; the clothes take any hue
_OBJECT_HUES = {'ball': (0, 12), 'stick': (95, 125), 'box': (22, 34),
                'ring': (55, 80)}


def _hsv_colour(rng: np.random.Generator, hue: Tuple[float, float],
                sat: Tuple[float, float],
                val: Tuple[float, float]) -> Tuple[int, int, int]:
    """A BGR colour (ints) drawn from ranges of OpenCV HSV."""
    hsv = np.array([[[rng.uniform(*hue) % 180, rng.uniform(*sat),
                      rng.uniform(*val)]]], np.uint8)
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _room(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A background [h, w, 3] uint8 BGR: wall and floor of muted colours,
    a few pieces of furniture, shading and a fixed grain."""
    def muted():
        return _hsv_colour(rng, (0, 180), (10, 90), (60, 220))

    img = np.empty((h, w, 3), np.uint8)
    horizon = int(h * rng.uniform(0.55, 0.85))
    img[:horizon], img[horizon:] = muted(), muted()
    for _ in range(rng.integers(0, 4)):  # cupboards, windows, pictures
        x0, y0 = int(rng.uniform(-0.1, 0.9) * w), int(rng.uniform(0, .7) * h)
        x1 = x0 + int(rng.uniform(0.1, 0.4) * w)
        y1 = y0 + int(rng.uniform(0.1, 0.5) * h)
        cv2.rectangle(img, (x0, y0), (x1, y1), muted(), -1)
    shade = np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.8, 1.15), w)
    grain = rng.normal(0, rng.uniform(2, 8), (h, w, 1))
    return np.clip(img * shade[None, :, None] + grain, 0,
                   255).astype(np.uint8)


def _outfit(rng: np.random.Generator) -> Dict[str, Tuple[int, int, int]]:
    """Colours of a person's skin, shirt and trousers."""
    return dict(skin=_hsv_colour(rng, (5, 20), (60, 150), (90, 230)),
                shirt=_hsv_colour(rng, (0, 180), (20, 140), (50, 230)),
                legs=_hsv_colour(rng, (0, 180), (20, 140), (30, 180)))


def _person_size(uv: np.ndarray) -> float:
    """Median height in pixels of a person [T, 17, 2] over the clip."""
    return float(max(np.median(np.ptp(uv[..., 1], axis=1)), 8.))


def _hand(uv: np.ndarray, side: str) -> Tuple[np.ndarray, np.ndarray]:
    """Position [2] of the hand beyond the wrist, and the unit direction
    [2] of the forearm, of one frame's joints [17, 2]."""
    elbow, wrist = uv[_ARMS[side][0]], uv[_ARMS[side][1]]
    forearm = wrist - elbow
    norm = np.linalg.norm(forearm)
    direction = forearm / norm if norm > 1e-6 else np.array([0., 1.])
    return wrist + 0.25 * forearm, direction


def _draw_person(img: np.ndarray, uv: np.ndarray,
                 outfit: Dict[str, Tuple[int, int, int]],
                 size: float) -> None:
    """Draw one frame's person (joints [17, 2] pixels) onto ``img``."""
    def pt(p):
        return tuple(int(round(c)) for c in p)

    thick = max(2, int(round(0.07 * size)))
    for a, b, part in _SEGMENTS[:4]:
        cv2.line(img, pt(uv[a]), pt(uv[b]), outfit[part], thick + 1,
                 cv2.LINE_AA)
    cv2.fillConvexPoly(img, np.round(uv[list(_TORSO)]).astype(np.int32),
                       outfit['shirt'], cv2.LINE_AA)
    for a, b, part in _SEGMENTS[4:]:
        cv2.line(img, pt(uv[a]), pt(uv[b]), outfit[part], thick, cv2.LINE_AA)
    head = uv[list(_HEAD)].mean(axis=0)
    cv2.circle(img, pt(head), max(2, int(round(0.065 * size))),
               outfit['skin'], -1, cv2.LINE_AA)


def draw_markers(frames: np.ndarray, pixels: np.ndarray) -> None:
    """Draw a motion-capture marker on every joint, in place: a dot of
    about 3 % of the person's height, in the full-saturation colour of
    the joint's kind.

    Args:
        frames (np.ndarray): [T, h, w, 3] uint8 BGR.
        pixels (np.ndarray): One person's joints [T, 17, 2] (COCO-17).
    """
    colours = cv2.cvtColor(
        np.array([[[h, 255, 255] for h in _MARKER_HUES]], np.uint8),
        cv2.COLOR_HSV2BGR)[0]
    radius = max(1, int(round(0.03 * _person_size(pixels))))
    for frame, joints in zip(frames, pixels):
        for (x, y), colour in zip(joints, colours):
            cv2.circle(frame, (int(round(x)), int(round(y))), radius,
                       tuple(int(c) for c in colour), -1, cv2.LINE_AA)


def _draw_object(img: np.ndarray, uv: np.ndarray, held: str, side: str,
                 colour: Tuple[int, int, int], scale: float) -> None:
    """Draw the held object at the hand of one frame's person [17, 2];
    ``scale`` is its size in pixels."""
    hand, direction = _hand(uv, side)
    centre = tuple(int(round(c)) for c in hand)
    if held == 'ball':
        cv2.circle(img, centre, max(2, int(round(0.5 * scale))), colour, -1,
                   cv2.LINE_AA)
        return
    if held == 'ring':
        cv2.circle(img, centre, max(2, int(round(0.6 * scale))), colour,
                   max(1, int(round(0.15 * scale))), cv2.LINE_AA)
        return
    if held == 'box':  # a square turned with the forearm
        across = np.array([-direction[1], direction[0]])
        half = 0.45 * scale
        corners = [hand + half * (a * direction + b * across)
                   for a, b in ((-1, -1), (-1, 1), (1, 1), (1, -1))]
        cv2.fillConvexPoly(img, np.round(corners).astype(np.int32), colour,
                           cv2.LINE_AA)
        return
    # a stick held in the fist, across the forearm
    across = np.array([-direction[1], direction[0]]) * scale
    ends = [tuple(int(round(c)) for c in hand + k * across)
            for k in (-0.8, 1.2)]
    cv2.line(img, ends[0], ends[1], colour, max(2, int(round(0.2 * scale))),
             cv2.LINE_AA)


def render_video(rng: np.random.Generator, pixels: np.ndarray,
                 img_shape: Tuple[int, int],
                 held: Optional[str] = None,
                 object_scale: float = 1.0) -> np.ndarray:
    """Draw a clip's persons in a room; person 0 holds ``held``.

    Args:
        rng (np.random.Generator): Random source of the room, the clothes,
            the hand and the object's size and colour.
        pixels (np.ndarray): True joint positions [M, T, 17, 2] (COCO-17,
            pixels), e.g. :attr:`mmactx.datasets.synthetic.Scene.pixels`.
        img_shape (tuple[int, int]): ``(h, w)`` of the frames.
        held (str, optional): An object: ``'ball'``, ``'stick'``,
            ``'box'`` or ``'ring'``; None holds nothing.
        object_scale (float): Size of the object relative to the default
            (about a fifth of the person's height). Defaults to 1.

    Returns:
        np.ndarray: Frames [T, h, w, 3], uint8 BGR.
    """
    if held is not None and held not in _OBJECT_HUES:
        raise ValueError(f'unknown object {held!r}; expected one of '
                         f'{tuple(_OBJECT_HUES)}')
    h, w = img_shape
    room = _room(rng, h, w)
    sizes = [_person_size(uv) for uv in pixels]
    outfits = [_outfit(rng) for _ in pixels]
    side = 'left' if rng.random() < 0.5 else 'right'
    colour = _hsv_colour(rng, _OBJECT_HUES.get(held, (0, 180)), (200, 255),
                         (170, 255))
    scale = sizes[0] * rng.uniform(0.17, 0.23) * object_scale
    order = np.argsort(sizes)  # the nearer (larger) person is drawn last
    frames = np.empty((pixels.shape[1], h, w, 3), np.uint8)
    for t, frame in enumerate(frames):
        frame[:] = room
        for m in order:
            _draw_person(frame, pixels[m, t], outfits[m], sizes[m])
            if m == 0 and held is not None:
                _draw_object(frame, pixels[0, t], held, side, colour, scale)
    return frames


def _scene_clip(rng: np.random.Generator, motion: str, held: Optional[str],
                label: int, frame_dir: str, img_shape: Tuple[int, int],
                num_frames: Optional[int], num_persons: Optional[int],
                object_scale: float = 1.0,
                zoom: float = 1.0) -> Tuple[Dict, np.ndarray]:
    """A scene of ``motion`` (a class of the skeleton generator) drawn with
    ``held`` in person 0's hand, recorded with ``label``."""
    scene = synthetic.generate_scene(
        rng, synthetic.CLASSES.index(motion), 'coco2d', frame_dir,
        img_shape, num_frames, num_persons, zoom)
    record = dict(scene.record, label=int(label))
    return record, render_video(rng, scene.pixels, img_shape, held,
                                object_scale)


def generate_video_sample(rng: np.random.Generator,
                          label: int,
                          frame_dir: str,
                          img_shape: Tuple[int, int] = IMG_SHAPE,
                          num_frames: Optional[int] = None,
                          num_persons: Optional[int] = None
                          ) -> Tuple[Dict, np.ndarray]:
    """Generate one clip of :data:`CLASSES`.

    Args:
        rng (np.random.Generator): Random source; the clip is a pure
            function of its state.
        label (int): Class, an index into :data:`CLASSES`.
        frame_dir (str): Record id (and video name).
        img_shape (tuple[int, int]): ``(h, w)`` of the video. Defaults to
            :data:`IMG_SHAPE`.
        num_frames (int, optional): Clip length T; None draws 40 to 120.
        num_persons (int, optional): 1 or 2; None draws 2 with p = 0.3.

    Returns:
        tuple[dict, np.ndarray]: The record (fields of
        :func:`mmactx.datasets.synthetic.generate_sample`, ``label`` an
        index into :data:`CLASSES`) and its frames [T, h, w, 3], uint8
        BGR.
    """
    if not 0 <= label < len(CLASSES):
        raise ValueError(f'label {label} outside 0..{len(CLASSES) - 1}')
    motion, held = divmod(label, len(OBJECTS))
    return _scene_clip(rng, MOTIONS[motion], OBJECTS[held], label, frame_dir,
                       img_shape, num_frames, num_persons)


def generate_props_sample(rng: np.random.Generator,
                          label: int,
                          frame_dir: str,
                          mimed: bool = False,
                          num_classes: int = len(PROPS),
                          img_shape: Tuple[int, int] = PROPS_IMG_SHAPE,
                          num_frames: Optional[int] = None,
                          num_persons: Optional[int] = None
                          ) -> Tuple[Dict, np.ndarray]:
    """Generate one clip of IntegralAction's synthetic classes (the motions
    of :data:`PROPS`).

    Args:
        rng (np.random.Generator): Random source; the clip is a pure
            function of its state.
        label (int): Class, an index into ``tuple(PROPS)``.
        frame_dir (str): Record id (and video name).
        mimed (bool): Hold the prop of another of the first
            ``num_classes`` classes (drawn at random), instead of the
            class's own. Defaults to False.
        num_classes (int): Classes in use (the props ``mimed`` draws
            from). Defaults to all 4.
        img_shape (tuple[int, int]): ``(h, w)`` of the video.
        num_frames (int, optional): Clip length T; None draws 40 to 120.
        num_persons (int, optional): 1 or 2; None draws 2 with p = 0.3.

    Returns:
        tuple[dict, np.ndarray]: The record (``label`` an index into
        ``tuple(PROPS)``) and its frames [T, h, w, 3], uint8 BGR.
    """
    motions = tuple(PROPS)
    if not 1 <= num_classes <= len(motions):
        raise ValueError(f'num_classes must be in 1..{len(motions)}, got '
                         f'{num_classes}')
    if not 0 <= label < num_classes:
        raise ValueError(f'label {label} outside 0..{num_classes - 1}')
    held = PROPS[motions[label]]
    if mimed:
        if num_classes < 2:
            raise ValueError('a mimed clip holds another class\'s prop: '
                             'num_classes must be at least 2')
        others = [c for c in range(num_classes) if c != label]
        held = PROPS[motions[others[rng.integers(len(others))]]]
    return _scene_clip(rng, motions[label], held, label, frame_dir,
                       img_shape, num_frames, num_persons, PROP_SCALE,
                       PROPS_ZOOM)


def generate_multitask_sample(rng: np.random.Generator,
                              label: int,
                              frame_dir: str,
                              img_shape: Tuple[int, int] = MULTITASK_IMG_SHAPE,
                              num_frames: Optional[int] = None
                              ) -> Tuple[Dict, np.ndarray]:
    """Generate one clip of the multitask data: one person doing
    ``MULTITASK_CLASSES[label]`` with nothing in hand.

    Args:
        rng (np.random.Generator): Random source; the clip is a pure
            function of its state.
        label (int): Class, an index into :data:`MULTITASK_CLASSES`.
        frame_dir (str): Record id (and video name).
        img_shape (tuple[int, int]): ``(h, w)`` of the video.
        num_frames (int, optional): Clip length T; None draws 40 to 120.

    Returns:
        tuple[dict, np.ndarray]: The record and its frames [T, h, w, 3],
        uint8 BGR, with the joint markers (:func:`draw_markers`). The
        record's ``keypoint`` [1, T, 17, 2] (float32 pixels)
        is where the COCO-17 joints truly are, ``keypoint_score`` is 1
        everywhere and ``keypoint_depth`` [1, T, 17] (float32) is their
        camera-space depth in metres: ground truth, not detections.
    """
    if not 0 <= label < len(MULTITASK_CLASSES):
        raise ValueError(f'label {label} outside '
                         f'0..{len(MULTITASK_CLASSES) - 1}')
    scene = synthetic.generate_scene(
        rng, synthetic.CLASSES.index(MULTITASK_CLASSES[label]), 'coco2d',
        frame_dir, img_shape, num_frames, 1, MULTITASK_ZOOM)
    keypoint = scene.pixels.astype(np.float32)
    record = dict(scene.record, label=int(label), keypoint=keypoint,
                  keypoint_score=np.ones(keypoint.shape[:3], np.float32),
                  keypoint_depth=scene.depth.astype(np.float32))
    frames = render_video(rng, scene.pixels, img_shape)
    draw_markers(frames, scene.pixels[0])
    return record, frames


def _write_dataset(clips: List[synthetic.Clip], video_dir: str,
                   make: Callable[[synthetic.Clip, str],
                                  Tuple[Dict, np.ndarray]],
                   progress: bool) -> Tuple[List[Dict], Dict[str, List[str]]]:
    """Generate the clips in order (frame_dirs ``syn_000000``, ...) with
    ``make(clip, frame_dir)``, writing each video atomically to
    ``{video_dir}/{frame_dir}.mp4``."""
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(clips))
    records: List[Dict] = []
    split: Dict[str, List[str]] = {}
    for i, clip in enumerate(clips):
        frame_dir = f'syn_{i:06d}'
        record, frames = make(clip, frame_dir)
        write_video(frames, osp.join(video_dir, f'{frame_dir}.mp4'), FPS)
        records.append(record)
        split.setdefault(clip.split, []).append(frame_dir)
        if bar is not None:
            bar.update()
    return records, split


def generate_video_dataset(
        num_per_class_train: int,
        num_per_class_val: int,
        video_dir: str,
        seed: int = 0,
        img_shape: Tuple[int, int] = IMG_SHAPE,
        num_classes: Optional[int] = None,
        progress: bool = False) -> Tuple[List[Dict], Dict[str, List[str]]]:
    """Generate a balanced dataset of :data:`CLASSES` with train and val
    splits, writing one video per record to ``video_dir``.

    Records are seeded as in
    :func:`mmactx.datasets.synthetic.generate_dataset`
    (:func:`~mmactx.datasets.synthetic.dataset_clips`); each video is
    written atomically (``{video_dir}/{frame_dir}.mp4``), so an interrupted
    run leaves only whole videos.

    Args:
        num_per_class_train (int): Training clips per class.
        num_per_class_val (int): Validation clips per class.
        video_dir (str): Folder of the videos (made if absent).
        seed (int): Non-negative seed. Defaults to 0.
        img_shape (tuple[int, int]): ``(h, w)`` of the videos. Defaults to
            :data:`IMG_SHAPE`.
        num_classes (int, optional): Use the first ``num_classes`` classes
            of :data:`CLASSES`; None uses all. Defaults to None.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[list[dict], dict]: The records (frame_dirs ``syn_000000``,
        ...) and ``{'train': [...], 'val': [...]}`` of frame_dirs.
    """
    clips = synthetic.dataset_clips(num_per_class_train, num_per_class_val,
                                    num_classes, len(CLASSES), seed)
    records, split = _write_dataset(
        clips, video_dir, lambda clip, frame_dir: generate_video_sample(
            clip.rng, clip.label, frame_dir, img_shape), progress)
    return records, {name: split.get(name, []) for name in ('train', 'val')}


def generate_props_dataset(
        num_per_class_train: int,
        num_per_class_val: int,
        num_per_class_mimed: int,
        video_dir: str,
        seed: int = 0,
        img_shape: Tuple[int, int] = PROPS_IMG_SHAPE,
        num_classes: Optional[int] = None,
        progress: bool = False) -> Tuple[List[Dict], Dict[str, List[str]]]:
    """Generate IntegralAction's built-in data: the motions of
    :data:`PROPS`, each with its own prop in ``train`` and ``val`` and with
    another class's prop in ``mimed`` (:func:`generate_props_sample`), one
    video per record in ``video_dir``, written atomically.

    Args:
        num_per_class_train (int): Training clips per class.
        num_per_class_val (int): Validation clips per class (own props).
        num_per_class_mimed (int): Clips per class of the ``mimed`` split.
        video_dir (str): Folder of the videos (made if absent).
        seed (int): Non-negative seed. Defaults to 0.
        img_shape (tuple[int, int]): ``(h, w)`` of the videos.
        num_classes (int, optional): Use the first ``num_classes`` (at
            least 2) classes; None uses all 4. Defaults to None.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        tuple[list[dict], dict]: The records and ``{'train': [...], 'val':
        [...], 'mimed': [...]}`` of frame_dirs.
    """
    n_cls = len(PROPS) if num_classes is None else num_classes
    clips = synthetic.dataset_clips(
        num_per_class_train, num_per_class_val, n_cls, len(PROPS), seed,
        more_splits=[('mimed', num_per_class_mimed)])
    records, split = _write_dataset(
        clips, video_dir, lambda clip, frame_dir: generate_props_sample(
            clip.rng, clip.label, frame_dir, clip.split == 'mimed', n_cls,
            img_shape), progress)
    return records, {name: split.get(name, [])
                     for name in ('train', 'val', 'mimed')}


def generate_multitask_dataset(
        num_per_class_train: int,
        num_per_class_val: int,
        video_dir: str,
        seed: int = 0,
        img_shape: Tuple[int, int] = MULTITASK_IMG_SHAPE,
        num_classes: Optional[int] = None,
        progress: bool = False) -> Tuple[List[Dict], Dict[str, List[str]]]:
    """Generate Luvizon et al.'s multitask built-in data: clips of
    :data:`MULTITASK_CLASSES` (:func:`generate_multitask_sample`) with
    train and val splits, one video per record in ``video_dir``, written
    atomically; seeded as :func:`generate_video_dataset`.

    Returns:
        tuple[list[dict], dict]: The records and ``{'train': [...],
        'val': [...]}`` of frame_dirs.
    """
    clips = synthetic.dataset_clips(num_per_class_train, num_per_class_val,
                                    num_classes, len(MULTITASK_CLASSES), seed)
    records, split = _write_dataset(
        clips, video_dir, lambda clip, frame_dir: generate_multitask_sample(
            clip.rng, clip.label, frame_dir, img_shape), progress)
    return records, {name: split.get(name, []) for name in ('train', 'val')}

"""Kinetics-skeleton (the ST-GCN release) json files to 2D annotation records.

The release has a folder of per-video json files per split
(``kinetics_train/``, ``kinetics_val/``) and a label file per split
(``kinetics_train_label.json``: video id -> ``has_skeleton``, ``label``,
``label_index``). A video file holds ``data``: a list of frames
``{'frame_index': i, 'skeleton': [{'pose': [x0, y0, x1, y1, ...],
'score': [s0, ...]}, ...]}`` with OpenPose-18 joints normalised to the
340x256 frame, plus ``label`` and ``label_index``.

Coordinates are converted to pixels of the 340x256 frame (a missing joint
stays at 0 with score 0). Person slots follow the ST-GCN feeder: in every
frame the persons are ranked by their summed joint scores and the best
``max_persons`` kept (OpenPose does not track people, so slot j is the j-th
best person of each frame).
"""
import json
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from mmactx.skeletons import OPENPOSE18_TO_COCO17, remap_joints
from mmactx.utils.cli import InputError
from .batch import SkipSample

IMG_SHAPE = (256, 340)  # (h, w) of the release's normalised frames
NUM_JOINTS = 18
NUM_CLASSES = 400  # Kinetics-400
# normalised coordinates lie in 0..1 (OpenPose puts a few joints just past
# an edge, up to 1.04 in the release); a file with values outside this
# range holds something else, e.g. pixels, which float16 would turn to inf
NORMALISED_RANGE = (-0.5, 1.5)


_LABEL_FILES: Dict[str, Dict[str, Dict]] = {}  # per process, by path


def read_label_file(path: str) -> Dict[str, Dict]:
    """Read ``kinetics_{train,val}_label.json`` (video id -> info), once per
    process.

    Raises:
        InputError: if the file is not such a json object.
    """
    if path not in _LABEL_FILES:
        try:
            with open(path, encoding='utf-8') as f:
                labels = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f'{path}: not a readable json label file '
                             f'({e})') from None
        if not isinstance(labels, dict) or not all(
                isinstance(v, dict) for v in labels.values()):
            raise InputError(f'{path}: expected a json object of video ids, '
                             'each with has_skeleton, label and label_index')
        _LABEL_FILES[path] = labels
    return _LABEL_FILES[path]


def release_class_names(path: str) -> List[str]:
    """The class names of a release label file
    (``kinetics_{train,val}_label.json``), line ``label_index`` naming that
    label: the Kinetics-400 label map of the release's records. An index
    no video of the file has is named ``'(label i: no video)'``.

    Raises:
        InputError: if the file is not a label file, or names one
            ``label_index`` twice differently.
    """
    names: Dict[int, str] = {}
    for video, info in read_label_file(path).items():
        index, name = info.get('label_index'), info.get('label')
        if isinstance(index, bool) or not isinstance(index, int) or \
                index < 0 or not isinstance(name, str):
            raise InputError(f'{path}: video {video!r}: expected an int '
                             'label_index >= 0 and a str label, got '
                             f'{index!r} and {name!r}')
        if names.setdefault(index, name) != name:
            raise InputError(f'{path}: label_index {index} is named both '
                             f'{names[index]!r} and {name!r}')
    if not names:
        raise InputError(f'{path}: no video, no class names')
    return [names.get(i, f'(label {i}: no video)')
            for i in range(max(names) + 1)]


def label_file_of(path: str) -> str:
    """The release's label file of a video file: ``<split folder>_label.json``
    beside the split folder."""
    folder = osp.dirname(osp.abspath(path))
    return folder + '_label.json'


def convert_release_file(path: str,
                         layout: str = 'coco',
                         max_persons: int = 2,
                         num_classes: int = NUM_CLASSES) -> Dict[str, Dict]:
    """:func:`convert_kinetics_file` with this video's entry of its split's
    label file, when the release has one.

    Raises:
        SkipSample: ``'no_label'`` if the label file lacks the video.
    """
    label_file = label_file_of(path)
    info = None
    if osp.isfile(label_file):
        video = osp.splitext(osp.basename(path))[0]
        info = read_label_file(label_file).get(video)
        if info is None:
            raise SkipSample('no_label',
                             f'{osp.basename(label_file)} lacks {video!r}')
    return convert_kinetics_file(path, info, layout, max_persons,
                                 num_classes)


def convert_kinetics_file(path: str,
                          label_info: Optional[Dict] = None,
                          layout: str = 'coco',
                          max_persons: int = 2,
                          num_classes: int = NUM_CLASSES) -> Dict[str, Dict]:
    """Convert one video's json file into a 2D record.

    Args:
        path (str): The json file (``<video id>.json``).
        label_info (dict, optional): This video's entry of the label file;
            its ``has_skeleton`` and ``label_index`` win over the file's.
        layout (str): ``'coco'`` (COCO-17, for the PoseC3D configs) or
            ``'openpose'`` (the 18 OpenPose joints). Defaults to ``'coco'``.
        max_persons (int): Person slots kept per frame. Defaults to 2.
        num_classes (int): ``label_index`` must be below this. Defaults to
            400 (Kinetics-400).

    Returns:
        dict: ``{'2d': record}``.

    Raises:
        SkipSample: for unreadable json, a missing field, a wrong joint
        count, no skeleton, no label, a ``label_index`` outside
        ``0..num_classes - 1`` (``'bad_label'``) or coordinates outside
        :data:`NORMALISED_RANGE` (``'not_normalised'``, e.g. pixels).
    """
    if layout not in ('coco', 'openpose'):
        raise ValueError(f'layout must be coco or openpose, got {layout!r}')
    video = osp.splitext(osp.basename(path))[0]
    if label_info is not None and not label_info.get('has_skeleton', True):
        raise SkipSample('no_skeleton', 'the label file marks it '
                         'has_skeleton: false')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SkipSample('malformed', f'not readable json: {e}') from None
    if not isinstance(data, dict) or not isinstance(data.get('data'), list):
        raise SkipSample('malformed', "field 'data' (the frames) is missing")
    label = (label_info or data).get('label_index')
    if not isinstance(label, int) or isinstance(label, bool) or label < 0:
        raise SkipSample('no_label', f'label_index is {label!r}')
    if label >= num_classes:
        raise SkipSample(
            'bad_label', f'label_index {label} is outside 0..'
            f'{num_classes - 1} ({num_classes} classes)')

    frames = data['data']
    try:
        index = [int(fr['frame_index']) for fr in frames]
        people = [fr['skeleton'] for fr in frames]
    except (TypeError, KeyError, ValueError) as e:
        raise SkipSample('malformed', f'a frame lacks frame_index or '
                         f'skeleton ({type(e).__name__}: {e})') from None
    if not any(people):
        raise SkipSample('no_skeleton', 'no frame has a person')
    first = min(index)
    total = max(index) - first + 1
    num_slots = min(max_persons, max(len(p) for p in people))
    kp = np.zeros((num_slots, total, NUM_JOINTS, 2), dtype=np.float32)
    score = np.zeros((num_slots, total, NUM_JOINTS), dtype=np.float32)
    for t, persons in zip(index, people):
        if not persons:
            continue
        try:
            pose = np.array([p['pose'] for p in persons], dtype=np.float32)
            conf = np.array([p['score'] for p in persons], dtype=np.float32)
        except (TypeError, KeyError, ValueError) as e:
            raise SkipSample(
                'malformed', f'frame_index {t}: a person lacks pose/score or '
                f'they differ in length ({type(e).__name__})') from None
        if pose.shape[1:] != (2 * NUM_JOINTS, ) or conf.shape[1:] != (
                NUM_JOINTS, ):
            raise SkipSample(
                'joint_count', f'frame_index {t}: pose has {pose.shape[1]} '
                f'values and score {conf.shape[1]}, expected '
                f'{2 * NUM_JOINTS} and {NUM_JOINTS}')
        if not (np.isfinite(pose).all() and np.isfinite(conf).all()):
            raise SkipSample('nan', f'frame_index {t} holds NaN or inf')
        low, high = NORMALISED_RANGE
        if pose.min() < low or pose.max() > high:
            far = pose.flat[np.abs(pose - 0.5).argmax()]
            raise SkipSample(
                'not_normalised', f'frame_index {t}: coordinate {far:g} is '
                f'outside {low:g}..{high:g}; the release normalises them to '
                f'0..1 of the {IMG_SHAPE[1]}x{IMG_SHAPE[0]} frame (pixels?)')
        best = np.argsort(-conf.sum(1), kind='stable')[:num_slots]
        kp[:len(best), t - first] = pose[best].reshape(-1, NUM_JOINTS, 2)
        score[:len(best), t - first] = conf[best]
    kp *= np.array(IMG_SHAPE[::-1], dtype=np.float32)
    kp[score == 0] = 0
    if layout == 'coco':
        kp, score = remap_joints(kp, score, OPENPOSE18_TO_COCO17)
    return {
        '2d':
        dict(
            frame_dir=video,
            label=label,
            total_frames=total,
            img_shape=IMG_SHAPE,
            original_shape=IMG_SHAPE,
            keypoint=kp.astype(np.float16),
            keypoint_score=score.astype(np.float16))
    }

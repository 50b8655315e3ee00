"""Mimetics pose results (IntegralAction's release) to 2D annotation records.

Mimetics is a test-only set of mimed actions whose labels are a subset of
Kinetics-400's (Mimetics50: the 50 classes of Kinetics50). IntegralAction
(Moon et al., CVPRW 2021) ships OpenPose results per video as
``pose_results/<class_folder>/<video_name>/data.json``, a json object with

* ``pose``: a list over the video's frames (frame i of the list is frame i
  of the video), each ``null`` (nobody detected) or a flat list of
  ``P * 18 * 3`` numbers: per person, the 18 OpenPose joints as
  ``(x, y, keypoint score)``, x and y in pixels of the original video;
* ``score``: a list over the frames of the ``P`` person scores (``null``
  where ``pose`` is).

A record's joint score is the keypoint score times its person's score (as
IntegralAction's loader). In every frame the persons are ranked by their
mean joint score and the best ``max_persons`` kept (OpenPose does not track
people: slot j is the j-th best person of each frame); missing persons and
frames are 0 with score 0, and so are the coordinates of joints of score 0.

The frame size is not in ``data.json``: it is read from the video
``<videos>/<class_folder>/<video_name>.<ext>`` (one of
:data:`VIDEO_EXTENSIONS`) or from the first image of the frame folder
``<videos>/<class_folder>/<video_name>/``.

Class folders are matched to the names of a class list (one per line, e.g.
Kinetics names such as ``playing guitar``) case-insensitively, with ``_``
and space equivalent
(:func:`mmactx.datasets.label_names.class_key`).
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmactx.utils.cli import InputError

from ..label_names import class_index, class_key, unknown_class_message
from .videos import VIDEO_EXTENSIONS, VideoSource, probe_source

NUM_JOINTS = 18  # OpenPose-18
VALUES_PER_PERSON = NUM_JOINTS * 3  # x, y, keypoint score
DEFAULT_MAX_PERSONS = 5  # IntegralAction's top-5 poses
POSE_FILE = 'data.json'


# ------------------------------------------------------------- pose files
def _bad(path: str, message: str) -> InputError:
    return InputError(f'{path}: {message}')


def _finite_numbers(values: list, path: str, where: str) -> np.ndarray:
    """``values`` as a float64 array; InputError naming ``where`` if an
    entry is not a finite number."""
    try:
        array = np.array(values)
    except ValueError:  # nested lists of other lengths
        array = None
    if (array is not None and array.ndim == 1 and array.dtype.kind in 'fiu'
            and np.isfinite(array).all()):
        return array.astype(np.float64)
    for j, v in enumerate(values):  # find the culprit for the message
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _bad(path, f'{where}: value {j} is {v!r}, not a number')
        if not math.isfinite(v):
            raise _bad(path, f'{where}: value {j} is {v!r} (NaN or inf)')
    return np.asarray(values, dtype=np.float64)


def parse_pose_data(data: object,
                    path: str,
                    max_persons: int = DEFAULT_MAX_PERSONS
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """Keypoints and joint scores of a loaded ``data.json``.

    Args:
        data: The json object (``{'pose': [...], 'score': [...]}``).
        path (str): Its file, for the messages.
        max_persons (int): Person slots kept per frame, best mean joint
            score first. Defaults to 5.

    Returns:
        tuple: ``keypoint`` [M, T, 18, 2] float32, pixels of the video, and
        ``keypoint_score`` [M, T, 18] float32 (keypoint score x person
        score), with T = ``len(pose)`` and M = the most persons of a frame,
        at most ``max_persons``, at least 1 (all zero where nobody is
        detected in the whole video).

    Raises:
        InputError: naming ``path``, the frame index and the field, for a
            missing field, lists of other lengths, a pose frame whose length
            is not a multiple of 54, a score frame whose length is not the
            frame's person count, or a value that is not a finite number.
    """
    if max_persons < 1:
        raise ValueError(f'max_persons must be >= 1, got {max_persons}')
    if not isinstance(data, dict):
        raise _bad(path, f'expected a json object with pose and score, got '
                   f'{type(data).__name__}')
    for field in ('pose', 'score'):
        if not isinstance(data.get(field), list):
            got = ('missing' if field not in data else
                   f'a {type(data[field]).__name__}, not a list')
            raise _bad(path, f'field {field!r} (a list over the frames) is '
                       f'{got}')
    poses, scores = data['pose'], data['score']
    if not poses:
        raise _bad(path, "field 'pose' has no frame")
    if len(scores) != len(poses):
        raise _bad(path, f"field 'score' has {len(scores)} frames but "
                   f"field 'pose' has {len(poses)}")
    frames: List[Optional[Tuple[np.ndarray, np.ndarray]]] = []
    for t, (pose, score) in enumerate(zip(poses, scores)):
        if pose is None or (isinstance(pose, list) and not pose):
            if score not in (None, []):
                raise _bad(path, f"frame {t}: field 'score' holds "
                           f"{score!r:.60} but field 'pose' is empty")
            frames.append(None)
            continue
        if not isinstance(pose, list):
            raise _bad(path, f"frame {t}: field 'pose' is a "
                       f'{type(pose).__name__}, expected null or a list')
        if len(pose) % VALUES_PER_PERSON:
            raise _bad(path, f"frame {t}: field 'pose' has {len(pose)} "
                       f'values, not a multiple of {VALUES_PER_PERSON} '
                       f'({NUM_JOINTS} joints x (x, y, score) per person)')
        persons = len(pose) // VALUES_PER_PERSON
        if not isinstance(score, list) or len(score) != persons:
            got = (f'{len(score)} values' if isinstance(score, list) else
                   repr(score))
            raise _bad(path, f"frame {t}: field 'score' has {got} but "
                       f"field 'pose' has {persons} persons")
        values = _finite_numbers(pose, path, f"frame {t}: field 'pose'")
        person_score = _finite_numbers(score, path,
                                       f"frame {t}: field 'score'")
        values = values.reshape(persons, NUM_JOINTS, 3)
        joint_score = values[..., 2] * person_score[:, None]
        frames.append((values[..., :2], joint_score))

    most = max((len(f[0]) for f in frames if f is not None), default=1)
    num_slots = min(max_persons, most)
    kp = np.zeros((num_slots, len(frames), NUM_JOINTS, 2), np.float32)
    kp_score = np.zeros((num_slots, len(frames), NUM_JOINTS), np.float32)
    for t, frame in enumerate(frames):
        if frame is None:
            continue
        coords, joint_score = frame
        best = np.argsort(-joint_score.mean(1), kind='stable')[:num_slots]
        kp[:len(best), t] = coords[best]
        kp_score[:len(best), t] = joint_score[best]
    kp[kp_score == 0] = 0
    return kp, kp_score


def read_pose_file(path: str, max_persons: int = DEFAULT_MAX_PERSONS
                   ) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`parse_pose_data` of the file ``path``.

    Raises:
        InputError: if the file cannot be read as json, or as there.
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(path, f'not a readable json pose file ({e})') from None
    return parse_pose_data(data, path, max_persons)


# ------------------------------------------------------------------ videos
def find_video(video_root: str, frame_dir: str) -> Optional[str]:
    """The video file ``<video_root>/<frame_dir>.<ext>`` (the first of
    :data:`VIDEO_EXTENSIONS` that exists), else the frame folder
    ``<video_root>/<frame_dir>/``, else None."""
    base = osp.join(video_root, frame_dir)
    for ext in VIDEO_EXTENSIONS:
        if osp.isfile(base + ext):
            return base + ext
    if osp.splitext(base)[1].lower() in VIDEO_EXTENSIONS and osp.isfile(
            base):
        return base
    return base if osp.isdir(base) else None


# --------------------------------------------------------------- converter
def convert_mimetics_video(pose_file: str,
                           frame_dir: str,
                           label: int,
                           source: VideoSource,
                           video_root: str,
                           max_persons: int = DEFAULT_MAX_PERSONS) -> Dict:
    """One video's record.

    Args:
        pose_file (str): Its ``data.json``.
        frame_dir (str): ``'<class_folder>/<video_name>'``.
        label (int): Index of its class in the class list.
        source (VideoSource): Its video (:func:`probe_source`).
        video_root (str): The folder ``filename`` is relative to.
        max_persons (int): Person slots kept per frame. Defaults to 5.

    Returns:
        dict: ``frame_dir``, ``label``, ``total_frames`` (= ``len(pose)``),
        ``img_shape`` = ``original_shape`` (h, w) of the video,
        ``keypoint`` [M, T, 18, 2] float32 pixels, ``keypoint_score``
        [M, T, 18] float32, and for a video file ``filename`` (its path
        relative to ``video_root``, for ``MMDecode``).
    """
    kp, score = read_pose_file(pose_file, max_persons)
    shape = (int(source.height), int(source.width))
    record = dict(frame_dir=frame_dir, label=int(label),
                  total_frames=kp.shape[1], img_shape=shape,
                  original_shape=shape, keypoint=kp, keypoint_score=score)
    if not source.is_folder:
        record['filename'] = osp.relpath(source.path, video_root).replace(
            os.sep, '/')
    return record


def list_pose_videos(pose_root: str) -> Dict[str, List[str]]:
    """``class_folder -> sorted video names`` of the pose folders
    ``<pose_root>/<class_folder>/<video_name>/`` (with or without a
    ``data.json``)."""
    out: Dict[str, List[str]] = {}
    for cls in sorted(os.listdir(pose_root)):
        if osp.isdir(osp.join(pose_root, cls)):
            out[cls] = sorted(
                v for v in os.listdir(osp.join(pose_root, cls))
                if osp.isdir(osp.join(pose_root, cls, v)))
    return out


def list_videos(video_root: str) -> Dict[str, List[str]]:
    """``class_folder -> sorted video names`` (files without their video
    extension, and frame folders) of ``<video_root>/<class_folder>/``."""
    out: Dict[str, List[str]] = {}
    for cls in sorted(os.listdir(video_root)):
        folder = osp.join(video_root, cls)
        if not osp.isdir(folder):
            continue
        names = set()
        for v in os.listdir(folder):
            stem, ext = osp.splitext(v)
            if osp.isdir(osp.join(folder, v)):
                names.add(v)
            elif ext.lower() in VIDEO_EXTENSIONS:
                names.add(stem)
        out[cls] = sorted(names)
    return out


def convert_mimetics(pose_root: str,
                     video_root: str,
                     class_names: Sequence[str],
                     classes_file: str = '<classes>',
                     max_persons: int = DEFAULT_MAX_PERSONS,
                     skip_unknown: bool = False,
                     progress: bool = True) -> Tuple[List[Dict], Dict]:
    """Convert every video of a Mimetics pose release.

    The class folders are matched to ``class_names`` and the videos found
    before any pose file is read.

    Args:
        pose_root (str): The ``pose_results`` folder.
        video_root (str): The folder of ``<class_folder>/<video_name>.<ext>``
            videos or ``<class_folder>/<video_name>/`` frame folders.
        class_names (Sequence[str]): The class list; a record's label is
            its class's index in it.
        classes_file (str): The list's file, for the messages.
        max_persons (int): Person slots kept per frame. Defaults to 5.
        skip_unknown (bool): Skip the class folders that are not in the
            list instead of refusing them. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        tuple: the records (sorted by ``frame_dir``) and a summary dict:
        ``videos`` (converted), ``classes`` (classes with a video),
        ``skipped`` (``frame_dir -> reason``: ``'no_pose_file'``,
        ``'no_video'``, ``'unreadable_video'``, ``'unknown_class'``),
        ``no_person`` (frame_dirs where nobody is detected) and
        ``frame_count_differs`` (``frame_dir -> (len(pose), video
        frames)`` where they differ by more than 2).

    Raises:
        InputError: for a missing folder, a class folder not in the list
            (unless ``skip_unknown``, naming the closest names), no video
            to convert, or a bad pose file (:func:`parse_pose_data`).
    """
    for name, folder in (('pose root', pose_root), ('--videos', video_root)):
        if not osp.isdir(folder):
            raise InputError(f'{name} {folder} is not a folder')
    index = class_index(class_names, classes_file)
    pose_videos = list_pose_videos(pose_root)
    if not pose_videos:
        raise InputError(f'{pose_root}: no class folders (expected '
                         f'<class_folder>/<video_name>/{POSE_FILE})')
    labels: Dict[str, int] = {}
    skipped: Dict[str, str] = {}
    for cls in pose_videos:
        if class_key(cls) in index:
            labels[cls] = index[class_key(cls)]
        elif skip_unknown:
            for v in pose_videos[cls]:
                skipped[f'{cls}/{v}'] = 'unknown_class'
        else:
            raise InputError(
                f'{pose_root}: ' + unknown_class_message(
                    cls, 'class folder', class_names, classes_file) +
                '; fix the list or pass --skip-unknown')

    # videos that have no pose folder or whose folder lacks data.json
    for cls, names in list_videos(video_root).items():
        if class_key(cls) not in index:
            continue
        have = set(pose_videos.get(cls, []))
        for v in names:
            if v not in have:
                skipped[f'{cls}/{v}'] = 'no_pose_file'
    jobs = []
    for cls, label in labels.items():
        for v in pose_videos[cls]:
            frame_dir = f'{cls}/{v}'
            pose_file = osp.join(pose_root, cls, v, POSE_FILE)
            if not osp.isfile(pose_file):
                skipped[frame_dir] = 'no_pose_file'
                continue
            video = find_video(video_root, frame_dir)
            if video is None:
                skipped[frame_dir] = 'no_video'
                continue
            jobs.append((frame_dir, pose_file, video, label))
    if not jobs:
        raise InputError(
            f'no video to convert: none of the {len(skipped)} pose folders '
            f'of {pose_root} has both a {POSE_FILE} and a video '
            f'<class_folder>/<video_name>{{{",".join(VIDEO_EXTENSIONS)}}} or '
            f'frame folder in {video_root}')

    records: List[Dict] = []
    no_person: List[str] = []
    differs: Dict[str, Tuple[int, int]] = {}
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(jobs))
    for frame_dir, pose_file, video, label in jobs:
        source = probe_source(video)
        if source is None:
            skipped[frame_dir] = 'unreadable_video'
        else:
            record = convert_mimetics_video(pose_file, frame_dir, label,
                                            source, video_root, max_persons)
            if not record['keypoint_score'].any():
                no_person.append(frame_dir)
            if source.frames and abs(source.frames -
                                     record['total_frames']) > 2:
                differs[frame_dir] = (record['total_frames'], source.frames)
            records.append(record)
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    if not records:
        raise InputError(f'no video to convert: every video of {video_root} '
                         'with a pose file is unreadable')
    records.sort(key=lambda r: r['frame_dir'])
    summary = dict(videos=len(records),
                   classes=len({r['label'] for r in records}),
                   skipped=dict(sorted(skipped.items())),
                   no_person=no_person, frame_count_differs=differs)
    return records, summary

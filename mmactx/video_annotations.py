"""Users' own labelled videos to a 2D skeleton annotation file.

A video list has one ``video_path label [split]`` line per video (``#``
starts a comment); the label is a class number, or a class name of the
label map; the optional split is ``train`` or ``val``. Each video's poses
are extracted frame by frame (:mod:`mmactx.apis.pose_extraction`) and linked
into person tracks (:func:`mmactx.apis.track_persons`), so that person slot
j is one person for the whole video. The records go through the converters'
resumable batch (:class:`mmactx.datasets.converters.ResumableBatch`). This
module stands above both :mod:`mmactx.apis` and :mod:`mmactx.datasets`,
which never import each other.
"""
import os.path as osp
import shlex
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from mmactx.apis import build_pose_estimator, track_persons
from mmactx.datasets.converters import SkipSample
from mmactx.utils.cli import InputError, check_input_files


class VideoItem(NamedTuple):
    path: str  # as resolved against the list's folder
    label: int
    split: Optional[str]  # 'train', 'val' or None (drawn)
    frame_dir: str  # unique id: the path relative to the list, no extension


def parse_video_list(path: str,
                     names: Optional[Sequence[str]] = None) -> List[VideoItem]:
    """Read a video list; relative video paths are taken from the list's
    folder. Fields are split as a shell does (quote a path with spaces).

    Raises:
        InputError: (a ``ValueError``) naming the file, line and field of a
            bad line (an unbalanced quote included), an unknown class name,
            a label outside the label map, or a video listed twice; or
            naming the file when it is missing or not UTF-8 text.
    """
    check_input_files({'video list': path})
    root = osp.dirname(osp.abspath(path))
    index = {n: i for i, n in enumerate(names or ())}
    items, seen = [], {}
    with open(path, encoding='utf-8') as f:
        try:
            lines = f.readlines()
        except UnicodeDecodeError as e:
            raise InputError(f'{path}: not UTF-8 text ({e.reason} at byte '
                             f'{e.start})') from None
    for lineno, line in enumerate(lines, 1):
        where = f'{path}, line {lineno}'
        try:
            fields = shlex.split(line, comments=True)
        except ValueError as e:  # shlex: 'No closing quotation', ...
            hint = ('every quote must be closed, e.g. "my videos/a.mp4" 0'
                    if 'quotation' in str(e) else
                    'a backslash escapes the next character; write \\\\ '
                    'for one')
            raise InputError(f'{where}: {e} ({hint})') from None
        if not fields:
            continue
        if len(fields) not in (2, 3):
            raise InputError(f'{where}: expected "video_path label '
                             f'[split]", got {len(fields)} fields')
        video, label = fields[0], fields[1]
        if label.lstrip('-').isdigit():
            label_id = int(label)
            if label_id < 0 or (names and label_id >= len(names)):
                raise InputError(
                    f'{where}: label {label_id} outside 0..'
                    f'{len(names) - 1 if names else "inf"}')
        elif label in index:
            label_id = index[label]
        else:
            raise InputError(f'{where}: label {label!r} is neither a '
                             f'number nor a class of the label map')
        split = fields[2] if len(fields) == 3 else None
        if split not in (None, 'train', 'val'):
            raise InputError(f"{where}: split must be 'train' or 'val', "
                             f'got {split!r}')
        full = video if osp.isabs(video) else osp.join(root, video)
        rel = osp.relpath(full, root) if not osp.isabs(video) else video
        frame_dir = osp.splitext(rel)[0].replace(osp.sep, '/')
        if frame_dir in seen:
            raise InputError(f'{where}: {video} is listed twice (line '
                             f'{seen[frame_dir]} too)')
        seen[frame_dir] = lineno
        items.append(VideoItem(full, label_id, split, frame_dir))
    if not items:
        raise InputError(f'{path}: no videos listed')
    return items


def stratified_split(items: Sequence[VideoItem], frame_dirs: Sequence[str],
                     val_ratio: float, seed: int) -> Dict[str, List[str]]:
    """Train/val split of the converted videos: a given split is kept; the
    others are split per class so that about ``val_ratio`` of each class
    (at least one video, if the class has two or more) is in val.
    Deterministic for a seed."""
    by_dir = {it.frame_dir: it for it in items}
    split: Dict[str, List[str]] = dict(train=[], val=[])
    free: Dict[int, List[str]] = {}
    for d in frame_dirs:
        it = by_dir[d]
        if it.split:
            split[it.split].append(d)
        else:
            free.setdefault(it.label, []).append(d)
    rng = np.random.default_rng(seed)
    for label in sorted(free):
        dirs = free[label]
        n_val = int(round(len(dirs) * val_ratio))
        if val_ratio > 0 and len(dirs) >= 2:
            n_val = min(max(n_val, 1), len(dirs) - 1)
        chosen = set(rng.permutation(len(dirs))[:n_val].tolist())
        for i, d in enumerate(dirs):
            split['val' if i in chosen else 'train'].append(d)
    order = {d: i for i, d in enumerate(frame_dirs)}
    return {k: sorted(v, key=order.get) for k, v in split.items()}


def convert_video(path: str, items: Dict[str, VideoItem], backend: str,
                  backend_kwargs: Dict, max_persons: int) -> Dict[str, dict]:
    """One video's record: ``{'2d': record}`` with COCO-17 keypoints
    [M, T, 17, 2] and scores [M, T, 17] (float32, M <= ``max_persons``).

    Raises:
        SkipSample: ``undecodable`` (OpenCV cannot open or read it),
            ``no_person`` (nobody found in any frame).
    """
    import cv2
    item = items[path]
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise SkipSample('undecodable', f'OpenCV cannot open {path}')
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = fps if fps and np.isfinite(fps) and fps > 0 else 30.
    frames, shape = [], None
    try:
        with build_pose_estimator(backend, **backend_kwargs) as estimator:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                shape = frame.shape[:2]
                t = len(frames)
                frames.append(estimator(frame, t, round(t * 1000 / fps)))
    finally:
        cap.release()
    if not frames:
        raise SkipSample('undecodable', f'no frame of {path} could be read')
    kp, score = track_persons(frames, max_persons=max_persons)
    if kp.shape[0] == 0:
        raise SkipSample('no_person', f'nobody found in {len(frames)} '
                         'frames')
    record = dict(
        frame_dir=item.frame_dir, label=item.label, img_shape=tuple(shape),
        original_shape=tuple(shape), total_frames=len(frames),
        keypoint=kp, keypoint_score=score,
        num_person_raw=int(max(len(f) for f in frames)))
    return {'2d': record}

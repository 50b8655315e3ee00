"""Poses read from a keypoint file, e.g. written by an earlier run with
:func:`save_poses`."""
import json
import os.path as osp
import zipfile
from typing import List, Sequence

import numpy as np

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_path
from .base import NUM_JOINTS, FramePoses, PoseEstimator


class PrecomputedPoses(PoseEstimator):
    """Keypoints read from a file, one entry per video frame.

    Formats:

    * ``.npz`` (read without pickle): ``keypoints`` float [T, N, 17, 2]
      pixels and ``scores`` float [T, N, 17]; padding persons have all
      scores 0 and are dropped.
    * ``.json``: a list of T frames, each a list of persons
      ``{"keypoints": [[x, y] * 17], "scores": [s * 17]}``.

    Kept persons (a score above 0) must have finite keypoints and scores
    in [0, 1].

    Raises:
        InputError: (a ``ValueError``) naming the file, the frame and the
            field, for a missing file, a file of another format, a missing
            field, a wrong shape or a value out of range.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        if not osp.isfile(path):
            raise InputError(f'pose file {path} does not exist')
        if path.endswith('.npz'):
            self.frames = self._load_npz(path)
        elif path.endswith('.json'):
            self.frames = self._load_json(path)
        else:
            raise InputError(f'{path}: pose files must be .npz or .json')

    @staticmethod
    def _load_npz(path: str) -> List[FramePoses]:
        not_npz = (f'{path} is not an .npz file of poses as --save-poses '
                   f'(save_poses) writes them')
        with open(path, 'rb') as f:
            magic = f.read(6)
        if not magic.startswith((b'PK\x03\x04', b'PK\x05\x06')):
            what = ('it holds a single .npy array' if magic ==
                    b'\x93NUMPY' else 'it is not a zip archive')
            raise InputError(f'{not_npz} ({what})')
        try:
            with np.load(path, allow_pickle=False) as data:
                for key in ('keypoints', 'scores'):
                    if key not in data:
                        raise InputError(f'{path}: missing array {key!r} '
                                         f'(has {sorted(data.files)})')
                arrays = {}
                for key in ('keypoints', 'scores'):
                    try:
                        arrays[key] = data[key]
                    except ValueError as e:
                        if 'allow_pickle' not in str(e):
                            raise InputError(f'{not_npz} (array {key!r}: '
                                             f'{e})') from None
                        raise InputError(
                            f'{path}: array {key!r} holds Python objects, '
                            f'which are never unpickled; save numbers '
                            f'(float32)') from None
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise InputError(f'{not_npz} ({e})') from None
        kps, scores = arrays['keypoints'], arrays['scores']
        if kps.ndim != 4 or kps.shape[2:] != (NUM_JOINTS, 2):
            raise InputError(f'{path}: keypoints must be [T, N, 17, 2], got '
                             f'{list(kps.shape)}')
        if scores.shape != kps.shape[:3]:
            raise InputError(f'{path}: scores must be [T, N, 17] = '
                             f'{list(kps.shape[:3])}, got '
                             f'{list(scores.shape)}')
        if kps.dtype.kind not in 'iuf' or scores.dtype.kind not in 'iuf':
            raise InputError(f'{path}: keypoints and scores must be numbers, '
                             f'got {kps.dtype} and {scores.dtype}')
        frames = []
        for t, (kp, sc) in enumerate(zip(kps.astype(np.float32),
                                         scores.astype(np.float32))):
            keep = sc.max(axis=1) > 0
            frames.append(_checked(path, t, kp[keep], sc[keep]))
        return frames

    @staticmethod
    def _load_json(path: str) -> List[FramePoses]:
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise InputError(f'{path}: not a JSON file of poses (line '
                             f'{e.lineno}, column {e.colno}: {e.msg})'
                             ) from None
        except UnicodeDecodeError as e:
            raise InputError(f'{path}: not a JSON file of poses (not UTF-8 '
                             f'text: {e.reason} at byte {e.start})') from None
        if not isinstance(data, list):
            raise InputError(f'{path}: expected a list of frames')
        frames = []
        for t, persons in enumerate(data):
            if not isinstance(persons, list):
                raise InputError(f'{path}: frame {t} must be a list of '
                                 f'persons')
            kps, scores = [], []
            for i, person in enumerate(persons):
                for key, shape in (('keypoints', (NUM_JOINTS, 2)),
                                   ('scores', (NUM_JOINTS, ))):
                    if not isinstance(person, dict) or key not in person:
                        raise InputError(f'{path}: frame {t}, person {i}: '
                                         f'missing field {key!r}')
                    try:
                        value = np.asarray(person[key], np.float32)
                    except (TypeError, ValueError):  # not all numbers
                        value = None
                    if value is None or value.shape != shape:
                        got = ('values that are not an array of numbers'
                               if value is None else list(value.shape))
                        raise InputError(
                            f'{path}: frame {t}, person {i}: field {key!r} '
                            f'must have shape {list(shape)}, got {got}')
                    (kps if key == 'keypoints' else scores).append(value)
            frames.append(
                _checked(path, t, np.stack(kps), np.stack(scores)) if kps
                else FramePoses.empty())
        return frames

    def __call__(self, frame: np.ndarray, index: int,
                 timestamp_ms: int) -> FramePoses:
        if index >= len(self.frames):
            raise InputError(f'{self.path} holds poses of '
                             f'{len(self.frames)} frames; the video has more '
                             f'(frame {index})')
        return self.frames[index]

    def check_frame_count(self, num_frames: int, video: str) -> None:
        """Refuse a file whose number of frames differs from the video's
        (poses of another video, or of another cut of it).

        Raises:
            InputError: naming the file, the video and both counts.
        """
        if len(self.frames) != num_frames:
            raise InputError(f'{self.path} holds poses of '
                             f'{len(self.frames)} frames but {video} has '
                             f'{num_frames}; the poses must be of this '
                             f'video, one entry per frame')


def _checked(path: str, t: int, keypoints: np.ndarray,
             scores: np.ndarray) -> FramePoses:
    """The frame's poses, after checking that they are finite and that the
    scores lie in [0, 1]."""
    if not (np.isfinite(keypoints).all() and np.isfinite(scores).all()):
        raise InputError(f'{path}: frame {t}: keypoints or scores of a '
                         f'person hold NaN or infinite values')
    if scores.size and (scores.min() < 0 or scores.max() > 1):
        raise InputError(f'{path}: frame {t}: scores must lie in [0, 1], '
                         f'got {scores.min():g}..{scores.max():g}')
    return FramePoses(keypoints, scores)


def save_poses(path: str, frames: Sequence[FramePoses]) -> None:
    """Write per-frame poses as a ``.npz`` that :class:`PrecomputedPoses`
    reads (atomically; persons padded with zero scores)."""
    n = max([len(f) for f in frames] + [0])
    kps = np.zeros((len(frames), n, NUM_JOINTS, 2), np.float32)
    scores = np.zeros((len(frames), n, NUM_JOINTS), np.float32)
    for t, f in enumerate(frames):
        kps[t, :len(f)] = f.keypoints
        scores[t, :len(f)] = f.scores
    with atomic_path(path, suffix='.tmp.npz') as tmp:
        np.savez_compressed(tmp, keypoints=kps, scores=scores)

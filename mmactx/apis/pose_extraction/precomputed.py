"""Poses read from a keypoint file, e.g. written by an earlier run with
:func:`save_poses`."""
import json
import os.path as osp
from typing import List, Sequence

import numpy as np

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

    Raises:
        ValueError: naming the file, the frame and the field, for a missing
            field or a wrong shape.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        if not osp.isfile(path):
            raise FileNotFoundError(f'pose file {path} does not exist')
        if path.endswith('.npz'):
            self.frames = self._load_npz(path)
        elif path.endswith('.json'):
            self.frames = self._load_json(path)
        else:
            raise ValueError(f'{path}: pose files must be .npz or .json')

    @staticmethod
    def _load_npz(path: str) -> List[FramePoses]:
        with np.load(path, allow_pickle=False) as data:
            for key in ('keypoints', 'scores'):
                if key not in data:
                    raise ValueError(f'{path}: missing array {key!r} (has '
                                     f'{sorted(data.files)})')
            kps, scores = data['keypoints'], data['scores']
        if kps.ndim != 4 or kps.shape[2:] != (NUM_JOINTS, 2):
            raise ValueError(f'{path}: keypoints must be [T, N, 17, 2], got '
                             f'{list(kps.shape)}')
        if scores.shape != kps.shape[:3]:
            raise ValueError(f'{path}: scores must be [T, N, 17] = '
                             f'{list(kps.shape[:3])}, got '
                             f'{list(scores.shape)}')
        frames = []
        for kp, sc in zip(kps.astype(np.float32), scores.astype(np.float32)):
            keep = sc.max(axis=1) > 0
            frames.append(FramePoses(kp[keep], sc[keep]))
        return frames

    @staticmethod
    def _load_json(path: str) -> List[FramePoses]:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise ValueError(f'{path}: expected a list of frames')
        frames = []
        for t, persons in enumerate(data):
            if not isinstance(persons, list):
                raise ValueError(f'{path}: frame {t} must be a list of '
                                 f'persons')
            kps, scores = [], []
            for i, person in enumerate(persons):
                for key, shape in (('keypoints', (NUM_JOINTS, 2)),
                                   ('scores', (NUM_JOINTS, ))):
                    if not isinstance(person, dict) or key not in person:
                        raise ValueError(f'{path}: frame {t}, person {i}: '
                                         f'missing field {key!r}')
                    value = np.asarray(person[key], np.float32)
                    if value.shape != shape:
                        raise ValueError(
                            f'{path}: frame {t}, person {i}: field {key!r} '
                            f'must have shape {list(shape)}, got '
                            f'{list(value.shape)}')
                    (kps if key == 'keypoints' else scores).append(value)
            frames.append(
                FramePoses(np.stack(kps), np.stack(scores)) if kps else
                FramePoses.empty())
        return frames

    def __call__(self, frame: np.ndarray, index: int,
                 timestamp_ms: int) -> FramePoses:
        if index >= len(self.frames):
            raise ValueError(f'{self.path} holds poses of '
                             f'{len(self.frames)} frames; the video has more '
                             f'(frame {index})')
        return self.frames[index]


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

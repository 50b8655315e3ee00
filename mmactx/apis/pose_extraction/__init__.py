"""2D pose extraction from video frames behind one interface.

Every estimator maps a BGR frame to the persons found in it, as COCO-17
keypoints in pixels with scores (:class:`FramePoses`). One backend a module:

* ``mediapipe`` (the offline default): MediaPipe BlazePose from its wheel
  (:mod:`.mediapipe_backend`).
* ``mmpose``: top-down estimation with a user's mmpose config and checkpoint,
  on person boxes from MediaPipe (or the whole frame) (:mod:`.mmpose_backend`).
* ``precomputed``: keypoints from a ``.npz`` or ``.json`` file
  (:mod:`.precomputed`).
"""
from typing import Dict

from .base import FramePoses, PoseEstimator
from .mediapipe_backend import (MediaPipePoseEstimator, cache_dir,
                                mediapipe_pose_task)
from .mmpose_backend import MMPosePoseEstimator, boxes_from_poses
from .precomputed import PrecomputedPoses, save_poses

BACKENDS = ('mediapipe', 'mmpose', 'precomputed')


def build_pose_estimator(backend: str, **kwargs) -> PoseEstimator:
    """An estimator by backend name: ``mediapipe`` (kwargs of
    :class:`MediaPipePoseEstimator`), ``mmpose`` (of
    :class:`MMPosePoseEstimator`) or ``precomputed`` (``path``)."""
    classes: Dict[str, type] = dict(
        mediapipe=MediaPipePoseEstimator,
        mmpose=MMPosePoseEstimator,
        precomputed=PrecomputedPoses)
    if backend not in classes:
        raise ValueError(f'unknown pose backend {backend!r}; expected one of '
                         f'{BACKENDS}')
    return classes[backend](**kwargs)


__all__ = [
    'BACKENDS', 'FramePoses', 'MMPosePoseEstimator', 'MediaPipePoseEstimator',
    'PoseEstimator', 'PrecomputedPoses', 'boxes_from_poses',
    'build_pose_estimator', 'cache_dir', 'mediapipe_pose_task', 'save_poses'
]

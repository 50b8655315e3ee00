"""The interface every pose backend implements: a BGR frame in, the
persons found in it out, as COCO-17 keypoints in pixels with scores."""
from typing import NamedTuple

import numpy as np

from mmactx.skeletons import COCO

NUM_JOINTS = COCO.num_joints


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


def backend_import_error(backend: str, package: str, error: ImportError,
                         install: str) -> ImportError:
    """The error to raise when a backend's package fails to import: it names
    the module that is really missing, which is often a dependency of the
    package rather than the package itself.

    Args:
        backend (str): Backend name, e.g. ``'mediapipe'``.
        package (str): The top-level package the backend imports.
        error (ImportError): What the import raised.
        install (str): How to install what is missing.
    """
    missing = getattr(error, 'name', None)
    if missing is not None and missing.split('.')[0] == package:
        what = f'{package} is not installed'
    else:
        what = (f'{package} is installed but importing it failed: {error}'
                f' (a dependency of {package})')
    return ImportError(f'the {backend} pose backend needs {package}: {what}; '
                       f'{install}')

"""How a crop's pixels and depths become the targets of a soft-argmax pose
model (Luvizon et al.), and back: the one definition that the data
transforms (numpy) and the models (torch) share.

* **2D**: a joint at crop pixel ``(x, y)`` (0-based, pixel centres at
  integers, as mmcv / mmpose) of a crop ``size = (w, h)`` pixels has the
  target ``(x / w, y / h)`` in [0, 1) for joints inside the crop
  (deephar's normalisation).
* **Depth**: a joint at depth ``z`` (camera space) of a person whose root
  joint is at depth ``root_z`` has the target ``(z - root_z) / span + 0.5``:
  [0, 1] covers ``root_z +- span / 2``; the paper's span is 2000 mm (2 m
  for data in metres).
* **Crop to image**: a crop is cut from an image by a 2 x 3 affine
  ``matrix`` (image pixels -> crop pixels, the matrix given to
  ``cv2.warpAffine``); its inverse maps predictions back.

The functions take numpy arrays or torch tensors (the same type for all
array arguments) and use only operators, so one rule serves both.
"""
from typing import Any, Sequence, Tuple

import numpy as np

#: The paper's depth span: [0, 1] covers the root depth +- 1000 mm
DEPTH_SPAN_MM = 2000.0


def _size(size: Sequence[float]) -> Tuple[float, float]:
    w, h = (float(v) for v in size)
    if not (w > 0 and h > 0):
        raise ValueError(f'crop size must be positive (w, h), got {size}')
    return w, h


def normalize_coords(xy: Any, size: Sequence[float]) -> Any:
    """Crop pixels ``[..., 2]`` -> targets in [0, 1): ``(x / w, y / h)``
    for ``size = (w, h)``."""
    w, h = _size(size)
    return xy * xy.new_tensor([1 / w, 1 / h]) if hasattr(
        xy, 'new_tensor') else xy * np.array([1 / w, 1 / h], xy.dtype)


def denormalize_coords(xy: Any, size: Sequence[float]) -> Any:
    """Targets ``[..., 2]`` -> crop pixels: ``(x * w, y * h)``."""
    w, h = _size(size)
    return xy * xy.new_tensor([w, h]) if hasattr(
        xy, 'new_tensor') else xy * np.array([w, h], xy.dtype)


def normalize_depth(z: Any, root_z: Any, span: float) -> Any:
    """Depths ``[...]`` -> targets: ``(z - root_z) / span + 0.5``
    (``root_z`` broadcasts: a scalar, or ``[..., 1]`` per person)."""
    if not span > 0:
        raise ValueError(f'depth span must be positive, got {span}')
    return (z - root_z) / span + 0.5


def denormalize_depth(z: Any, root_z: Any, span: float) -> Any:
    """Targets ``[...]`` -> depths: ``(z - 0.5) * span + root_z``."""
    if not span > 0:
        raise ValueError(f'depth span must be positive, got {span}')
    return (z - 0.5) * span + root_z


def apply_affine(xy: Any, matrix: Any) -> Any:
    """Points ``[..., 2]`` through a 2 x 3 affine ``matrix``:
    ``matrix[:, :2] @ p + matrix[:, 2]``."""
    return xy @ matrix[:, :2].T + matrix[:, 2]


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 2 x 3 affine (numpy; ``cv2.invertAffineTransform``
    without OpenCV's float32 cast)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (2, 3):
        raise ValueError(f'an affine matrix is 2 x 3, got shape '
                         f'{matrix.shape}')
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    return np.linalg.inv(full)[:2]

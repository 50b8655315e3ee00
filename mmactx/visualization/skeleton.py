"""Drawing 2D skeletons on frames."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from mmactx.skeletons import COCO, SkeletonLayout
from .video import drawing_scale

# BGR colour of each person slot (cycled).
PERSON_COLORS: Tuple[Tuple[int, int, int], ...] = (
    (0, 200, 255), (255, 120, 0), (60, 220, 60), (200, 60, 255),
    (0, 90, 255), (255, 255, 0))


def draw_skeletons(frame: np.ndarray,
                   keypoints: np.ndarray,
                   scores: Optional[np.ndarray] = None,
                   layout: SkeletonLayout = COCO,
                   score_thr: float = 0.3,
                   colors: Sequence[Tuple[int, int, int]] = PERSON_COLORS
                   ) -> np.ndarray:
    """Draw the persons of one frame in place: bones as lines, joints as
    dots, one colour per person slot; joints below ``score_thr`` and bones
    touching them are left out.

    Args:
        frame (np.ndarray): BGR uint8 [H, W, 3].
        keypoints (np.ndarray): [M, V, 2] pixel coordinates.
        scores (np.ndarray, optional): [M, V]; None draws every joint.
        layout (SkeletonLayout): Joint layout (its bones are drawn).
        score_thr (float): Smallest score drawn. Defaults to 0.3.
        colors (Sequence): BGR colour per person slot, cycled.

    Returns:
        np.ndarray: ``frame``.
    """
    thick = max(1, round(2 * drawing_scale(frame.shape)))
    for m, kp in enumerate(np.asarray(keypoints, np.float32)):
        ok = (np.ones(len(kp), bool) if scores is None else
              np.asarray(scores[m]) >= score_thr)
        ok &= np.isfinite(kp).all(-1)
        color = colors[m % len(colors)]
        pts = np.round(kp).astype(np.int32)
        for a, b in layout.bones:
            if ok[a] and ok[b]:
                cv2.line(frame, tuple(map(int, pts[a])),
                         tuple(map(int, pts[b])), color, thick, cv2.LINE_AA)
        for j in np.flatnonzero(ok):
            cv2.circle(frame, tuple(map(int, pts[j])), round(1.5 * thick),
                       (255, 255, 255), -1, cv2.LINE_AA)
    return frame


def layout_for(num_joints: int, name: Optional[str] = None) -> SkeletonLayout:
    """The layout called ``name``, or the one with ``num_joints`` joints."""
    from mmactx.skeletons import LAYOUTS, get_layout
    if name is not None:
        layout = get_layout(name)
        if layout.num_joints != num_joints:
            raise ValueError(f'layout {name!r} has {layout.num_joints} '
                             f'joints, the keypoints {num_joints}')
        return layout
    found = [lay for lay in LAYOUTS.values() if lay.num_joints == num_joints]
    if not found:
        raise ValueError(f'no known skeleton layout has {num_joints} joints '
                         f'(known: {sorted(LAYOUTS)})')
    return found[0]


def project_3d(keypoint: np.ndarray, yaw: float = 30.,
               pitch: float = 10.) -> np.ndarray:
    """Orthographic view of 3D joints [..., 3] (x right, y up, z depth, as
    Kinect gives them): turned by ``yaw`` degrees about the vertical axis
    and ``pitch`` degrees about the horizontal one; returns [..., 2] with
    image y pointing down."""
    a, b = np.deg2rad(yaw), np.deg2rad(pitch)
    x, y, z = keypoint[..., 0], keypoint[..., 1], keypoint[..., 2]
    x1 = np.cos(a) * x + np.sin(a) * z
    z1 = -np.sin(a) * x + np.cos(a) * z
    y1 = np.cos(b) * y - np.sin(b) * z1
    return np.stack([x1, -y1], -1)


def fit_to_canvas(points: np.ndarray, valid: np.ndarray, size: int,
                  margin: float = 0.08,
                  top: float = 0.15) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Scale and move 2D points [..., 2] so that the valid ones fit a square
    canvas of ``size`` pixels, leaving ``top`` of it free for text; returns
    the points and the canvas (h, w)."""
    pts = points[valid] if valid.any() else np.zeros((1, 2))
    lo, hi = pts.min(0), pts.max(0)
    room = np.array([1 - 2 * margin, 1 - margin - top]) * size
    scale = (room / np.maximum(hi - lo, 1e-6)).min()
    centre = np.array([size / 2, size * (top + (1 - margin - top) / 2)])
    return (points - (lo + hi) / 2) * scale + centre, (size, size)

"""Drawing 2D skeletons on frames."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from mmactx.skeletons import COCO, SkeletonLayout

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
    thick = max(1, round(min(frame.shape[:2]) / 240))
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
            cv2.circle(frame, tuple(map(int, pts[j])), thick + 1,
                       (255, 255, 255), -1, cv2.LINE_AA)
    return frame

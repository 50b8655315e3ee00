"""Drawing the outputs of Luvizon et al.'s multitask model on video frames:
the 2D pose on the frame, a small 3D pose inset, and the clip labels as a
track along the bottom.

All functions draw on BGR uint8 frames [H, W, 3] in place and return the
frame. Sizes (line widths, letters, the inset) follow
:func:`~mmactx.visualization.video.drawing_scale`, so they keep their size
relative to the frame at any resolution.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from mmactx.skeletons import SkeletonLayout

from .skeleton import PERSON_COLORS, draw_skeletons, project_3d
from .video import drawing_scale

#: BGR colours of the label track's clip segments, cycled by class index.
CLASS_COLORS: Tuple[Tuple[int, int, int], ...] = (
    (230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66),
    (0, 114, 178), (213, 94, 0), (204, 121, 167), (120, 120, 120))


def draw_pose_2d(frame: np.ndarray,
                 keypoints: np.ndarray,
                 visibility: Optional[np.ndarray],
                 layout: SkeletonLayout,
                 threshold: float = 0.5,
                 color: Tuple[int, int, int] = PERSON_COLORS[0]
                 ) -> np.ndarray:
    """Draw one person's 2D pose: bones and joints whose visibility is above
    ``threshold`` (strictly: ``> threshold``).

    Args:
        frame (np.ndarray): BGR uint8 [H, W, 3], drawn on in place.
        keypoints (np.ndarray): [J, 2] (x, y) frame pixels.
        visibility (np.ndarray, optional): [J] in [0, 1]; None draws every
            joint.
        layout (SkeletonLayout): The joints' layout (its bones are drawn);
            it must have J joints.
        threshold (float): Joints with visibility <= threshold are left
            out, with their bones. Defaults to 0.5.
        color (tuple): BGR bone colour.

    Returns:
        np.ndarray: ``frame``.

    Raises:
        ValueError: ``keypoints`` not [J, 2], ``visibility`` not [J], or
            a layout of another joint count.
    """
    kp = np.asarray(keypoints, np.float32)
    if kp.ndim != 2 or kp.shape[1] != 2:
        raise ValueError(f'keypoints must be [J, 2] pixels, got shape '
                         f'{kp.shape}')
    if layout.num_joints != len(kp):
        raise ValueError(f'layout {layout.name!r} has {layout.num_joints} '
                         f'joints, the pose {len(kp)}')
    scores = None
    if visibility is not None:
        vis = np.asarray(visibility, np.float32)
        if vis.shape != (len(kp), ):
            raise ValueError(f'visibility must be [J] = [{len(kp)}], got '
                             f'shape {vis.shape}')
        # draw_skeletons keeps scores >= thr; the rule here is > threshold
        scores = np.where(vis > threshold, 1., 0.)[None]
    return draw_skeletons(frame, kp[None], scores, layout, score_thr=0.5,
                          colors=(color, ))


def pose_3d_canvas(coords: np.ndarray,
                   visibility: Optional[np.ndarray],
                   layout: SkeletonLayout,
                   size: int,
                   threshold: float = 0.5,
                   yaw: float = 90.,
                   pitch: float = 0.,
                   title: str = '3D side') -> np.ndarray:
    """A square picture of a 3D pose seen from the side.

    The normalised coordinates (x right, y down in [0, 1] of the crop; z
    in [0, 1], 0.5 = the root's depth, larger = farther, see
    :mod:`mmactx.pose_coords`) are centred on 0.5 and turned y-up, then
    seen orthographically from ``yaw`` degrees about the vertical axis
    (90: from the person's side, depth horizontal) and ``pitch`` degrees
    about the horizontal one (:func:`project_3d`). The scale is fixed (the
    unit cube fills the canvas), so the pose does not jump between frames;
    a faint vertical line marks the root depth z = 0.5.

    Args:
        coords (np.ndarray): [J, 3] normalised (x, y, z).
        visibility (np.ndarray, optional): [J]; joints <= ``threshold`` are
            left out. None draws all.
        layout (SkeletonLayout): The joints' layout (J joints).
        size (int): Canvas side in pixels (>= 16).
        threshold (float): Visibility threshold. Defaults to 0.5.
        yaw (float): Viewing angle about the vertical axis, degrees.
            Defaults to 90 (side view).
        pitch (float): Viewing angle about the horizontal axis, degrees.
            Defaults to 0.
        title (str): Text at the top left. Defaults to ``'3D side'``.

    Returns:
        np.ndarray: BGR uint8 [size, size, 3].

    Raises:
        ValueError: ``coords`` not [J, 3] or ``size`` < 16.
    """
    xyz = np.asarray(coords, np.float64)
    if xyz.ndim != 2 or xyz.shape[1] != 3:
        raise ValueError(f'coords must be [J, 3] normalised (x, y, z), got '
                         f'shape {xyz.shape}')
    if size < 16:
        raise ValueError(f'the 3D inset needs a side of >= 16 pixels, got '
                         f'{size}')
    canvas = np.full((size, size, 3), 40, np.uint8)
    centred = np.stack(
        [xyz[:, 0] - 0.5, 0.5 - xyz[:, 1], xyz[:, 2] - 0.5], -1)
    flat = project_3d(centred, yaw=yaw, pitch=pitch)  # image y down
    scale = 0.8 * size  # the unit cube's side; margins of 10 %
    pts = flat * scale + size / 2
    root = project_3d(np.zeros((1, 3)), yaw=yaw, pitch=pitch)[0]
    x0 = int(round(root[0] * scale + size / 2))
    cv2.line(canvas, (x0, 0), (x0, size - 1), (90, 90, 90), 1)
    draw_pose_2d(canvas, pts, visibility, layout, threshold,
                 color=PERSON_COLORS[1])
    font = max(0.3, size / 400)
    cv2.putText(canvas, title, (4, 4 + int(20 * font)),
                cv2.FONT_HERSHEY_SIMPLEX, font, (220, 220, 220), 1,
                cv2.LINE_AA)
    cv2.rectangle(canvas, (0, 0), (size - 1, size - 1), (200, 200, 200), 1)
    return canvas


def draw_pose_3d_inset(frame: np.ndarray,
                       coords: np.ndarray,
                       visibility: Optional[np.ndarray],
                       layout: SkeletonLayout,
                       fraction: float = 0.3,
                       threshold: float = 0.5,
                       yaw: float = 90.,
                       pitch: float = 0.) -> np.ndarray:
    """Paste :func:`pose_3d_canvas` into the top right corner of ``frame``.

    Args:
        frame (np.ndarray): BGR uint8 [H, W, 3], drawn on in place.
        coords (np.ndarray): [J, 3] normalised (x, y, z).
        visibility (np.ndarray, optional): [J] or None.
        layout (SkeletonLayout): The joints' layout.
        fraction (float): Inset side as a fraction of min(H, W), in
            (0, 1]. Defaults to 0.3.
        threshold, yaw, pitch: As for :func:`pose_3d_canvas`.

    Returns:
        np.ndarray: ``frame``.

    Raises:
        ValueError: ``fraction`` outside (0, 1], or an inset smaller than
            16 pixels (a frame too small).
    """
    if not 0 < fraction <= 1:
        raise ValueError(f'fraction must be in (0, 1], got {fraction}')
    h, w = frame.shape[:2]
    side = int(fraction * min(h, w))
    inset = pose_3d_canvas(coords, visibility, layout, side, threshold,
                           yaw=yaw, pitch=pitch)
    margin = min(max(2, round(8 * drawing_scale(frame.shape))),
                 min(h, w) - side)
    frame[margin:margin + side, w - margin - side:w - margin] = inset
    return frame


def class_color(label: int) -> Tuple[int, int, int]:
    """BGR colour of a class on the label track (cycled by index)."""
    return CLASS_COLORS[int(label) % len(CLASS_COLORS)]


def draw_label_track(frame: np.ndarray,
                     text: str,
                     labels: Optional[Sequence[int]] = None,
                     position: Optional[float] = None) -> np.ndarray:
    """Draw the action label as a track along the bottom of ``frame``.

    A dark band across the bottom ~10 % of the frame holds ``text`` (e.g.
    ``'wave 0.87'``). Given ``labels``, the band's top edge becomes a
    timeline: one segment per clip, coloured by its label
    (:func:`class_color`), with a white cursor at ``position``.

    Args:
        frame (np.ndarray): BGR uint8 [H, W, 3], drawn on in place.
        text (str): The label text of the current clip.
        labels (Sequence[int], optional): Top-1 class of every clip of the
            video, in order.
        position (float, optional): Where the frame lies in the video, in
            [0, 1] (frame index / frame count); drawn only with
            ``labels``.

    Returns:
        np.ndarray: ``frame``.
    """
    h, w = frame.shape[:2]
    scale = drawing_scale(frame.shape)
    font_scale = max(0.35, 0.75 * scale)
    stroke = max(1, round(1.5 * scale))
    (_, text_h), base = cv2.getTextSize('Ag', cv2.FONT_HERSHEY_SIMPLEX,
                                        font_scale, stroke)
    strip = max(3, round(6 * scale)) if labels else 0
    band = min(h, text_h + base + 2 * max(3, round(6 * scale)) + strip)
    top = h - band
    region = frame[top:h]
    region[:] = (region.astype(np.uint16) * 3 // 10).astype(np.uint8)
    if labels:
        count = len(labels)
        for i, label in enumerate(labels):
            x0, x1 = round(i * w / count), round((i + 1) * w / count)
            cv2.rectangle(frame, (x0, top), (max(x0, x1 - 1),
                                             top + strip - 1),
                          class_color(label), -1)
        if position is not None:
            x = int(round(min(max(position, 0.), 1.) * (w - 1)))
            cv2.line(frame, (x, top), (x, top + strip - 1), (255, 255, 255),
                     max(1, round(2 * scale)))
    org = (max(4, round(6 * scale)), h - base - max(2, round(4 * scale)))
    cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                (255, 255, 255), stroke, cv2.LINE_AA)
    return frame

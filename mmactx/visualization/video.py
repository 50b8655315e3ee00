"""Drawing heatmap volumes and text, reading videos, and writing videos
atomically."""
import os.path as osp
from contextlib import contextmanager
from typing import Iterator, Sequence, Tuple

import cv2
import numpy as np

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_path


def heatmap_frames(volume: np.ndarray, size: int = 256) -> np.ndarray:
    """Colour frames of a pseudo-heatmap volume.

    Args:
        volume (np.ndarray): [C, T, H, W] heatmaps (joints or limbs), values
            in [0, 1].
        size (int): Height of the output frames; the width keeps the
            aspect ratio. Defaults to 256.

    Returns:
        np.ndarray: uint8 [T, size, W', 3] BGR frames: the maximum over the
        channels, colour-mapped (dark: 0, bright: 1).
    """
    peak = np.clip(volume.max(axis=0), 0, 1)  # [T, H, W]
    t, h, w = peak.shape
    width = max(1, round(w * size / h))
    frames = np.empty((t, size, width, 3), np.uint8)
    for i, img in enumerate((peak * 255).astype(np.uint8)):
        img = cv2.resize(img, (width, size), interpolation=cv2.INTER_NEAREST)
        frames[i] = cv2.applyColorMap(img, cv2.COLORMAP_INFERNO)
    return frames


def drawing_scale(shape: Sequence[int]) -> float:
    """How large to draw on a frame of ``shape`` (H, W, ...): 1 for a
    480-pixel frame, proportional to min(H, W), so that text and line widths
    keep their size relative to the frame at any resolution."""
    return min(shape[:2]) / 480


def put_text_lines(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Write lines of text at the top left of a BGR frame, in place, white
    on a dark outline so it reads on any background. Letters are about 4 %
    of min(H, W) high, strokes and outline grow with them
    (:func:`drawing_scale`)."""
    scale = drawing_scale(frame.shape)
    font_scale = max(0.35, 0.85 * scale)
    stroke = max(1, round(1.5 * scale))
    outline = stroke + max(2, round(1.5 * scale))
    (_, height), _ = cv2.getTextSize('Ag', cv2.FONT_HERSHEY_SIMPLEX,
                                     font_scale, stroke)
    step = round(1.6 * height) + outline
    margin = max(4, round(6 * scale))
    for i, text in enumerate(lines):
        org = (margin, margin + height + step * i)
        cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    (0, 0, 0), outline, cv2.LINE_AA)
        cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, font_scale,
                    (255, 255, 255), stroke, cv2.LINE_AA)
    return frame


def open_video(path: str) -> Tuple[cv2.VideoCapture, float, int]:
    """An opened capture of ``path``, its frame rate (30 when unknown) and
    its frame count as the container states it (0 when unknown).

    Raises:
        InputError: The file does not exist or OpenCV cannot decode it.
    """
    if not osp.isfile(path):
        raise InputError(f'video {path} does not exist')
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise InputError(f'cannot decode video {path}')
    fps = cap.get(cv2.CAP_PROP_FPS)
    fps = float(fps) if fps and np.isfinite(fps) and fps > 0 else 30.
    return cap, fps, max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))


def frames_of(path: str) -> Iterator[np.ndarray]:
    """The BGR frames of a video, in order, one at a time."""
    cap = open_video(path)[0]
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield frame
    finally:
        cap.release()


@contextmanager
def video_writer(path: str, fps: float,
                 size: Tuple[int, int]) -> Iterator[cv2.VideoWriter]:
    """An OpenCV mp4v writer of ``size`` (w, h) frames whose file appears at
    ``path`` only when the block ends without an error (written under a
    temporary name, then renamed; deleted on an error).

    Raises:
        RuntimeError: if OpenCV cannot open a writer for the file.
    """
    with atomic_path(path, suffix='.tmp.mp4') as tmp:
        writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                 tuple(size))
        if not writer.isOpened():
            raise RuntimeError(f'OpenCV cannot write {path} (mp4v)')
        try:
            yield writer
        finally:
            writer.release()


def write_image(image: np.ndarray, path: str) -> None:
    """Write a BGR image atomically; the format follows the extension of
    ``path`` (e.g. ``.png``).

    Raises:
        OSError: if OpenCV cannot write it.
    """
    with atomic_path(path, suffix='.tmp' + osp.splitext(path)[1]) as tmp:
        if not cv2.imwrite(tmp, np.ascontiguousarray(image)):
            raise OSError(f'OpenCV cannot write {path}')


def write_video(frames: Sequence[np.ndarray], path: str,
                fps: float = 10) -> None:
    """Write BGR frames to an ``.mp4`` (mp4v) file atomically (see
    :func:`video_writer`)."""
    if not len(frames):
        raise ValueError(f'{path}: no frames to write')
    h, w = frames[0].shape[:2]
    with video_writer(path, fps, (w, h)) as writer:
        for frame in frames:
            writer.write(np.ascontiguousarray(frame))

"""Keypoint decoding and the subject-centred crop."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PoseDecode(BaseTransform):
    """Take the sampled frames of ``keypoint`` (and ``keypoint_score``).

    Same behaviour as mmaction2's ``PoseDecode``: the arrays are indexed by
    ``frame_inds + offset`` along the time axis and cast to float32.

    Required Keys:

        - keypoint
        - total_frames (optional)
        - frame_inds (optional)
        - offset (optional)
        - keypoint_score (optional)

    Modified Keys:

        - keypoint
        - keypoint_score (optional)
        - frame_inds (optional)
        - total_frames (optional)
    """

    def transform(self, results: Dict) -> Dict:
        if 'total_frames' not in results:
            results['total_frames'] = results['keypoint'].shape[1]
        if 'frame_inds' not in results:
            results['frame_inds'] = np.arange(results['total_frames'])
        if results['frame_inds'].ndim != 1:
            results['frame_inds'] = np.squeeze(results['frame_inds'])
        inds = results['frame_inds'] + results.get('offset', 0)
        if 'keypoint_score' in results:
            results['keypoint_score'] = results['keypoint_score'][:, inds] \
                .astype(np.float32)
        results['keypoint'] = results['keypoint'][:, inds].astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'


def combine_quadruple(a: Sequence[float],
                      b: Sequence[float]) -> Tuple[float, ...]:
    """Compose two ``(x, y, w, h)`` crops given as fractions of the image:
    ``b`` is relative to the result of ``a``."""
    return (a[0] + a[2] * b[0], a[1] + a[3] * b[1], a[2] * b[2], a[3] * b[3])


def compact_box(keypoint: np.ndarray, img_shape: Tuple[int, int],
                padding: float, threshold: float,
                hw_ratio: Optional[Tuple[float, float]],
                allow_imgpad: bool) -> Optional[Tuple[int, int, int, int]]:
    """The subject-centred box of ``PoseCompact`` and ``MMCompact``.

    The tight box around all non-zero x and y coordinates (zeros mean
    "missing") of ``keypoint`` [..., C >= 2] (pixels), grown by ``padding``
    about its centre, grown to the height/width range ``hw_ratio``, then
    truncated to integers (and clipped to the ``(h, w)`` image unless
    ``allow_imgpad``).

    Returns:
        tuple[int] | None: ``(min_x, min_y, max_x, max_y)`` in pixels, or
        None where no coordinate is non-zero or the tight box is narrower
        or shorter than ``threshold`` pixels.
    """
    h, w = img_shape
    kp_x, kp_y = keypoint[..., 0], keypoint[..., 1]
    xs, ys = kp_x[kp_x != 0], kp_y[kp_y != 0]
    if xs.size == 0 or ys.size == 0:
        return None
    min_x, max_x = xs.min(), xs.max()
    min_y, max_y = ys.min(), ys.max()
    if max_x - min_x < threshold or max_y - min_y < threshold:
        return None

    center = ((max_x + min_x) / 2, (max_y + min_y) / 2)
    half_w = (max_x - min_x) / 2 * (1 + padding)
    half_h = (max_y - min_y) / 2 * (1 + padding)
    if hw_ratio is not None:
        half_h = max(hw_ratio[0] * half_w, half_h)
        half_w = max(1 / hw_ratio[1] * half_h, half_w)
    min_x, max_x = center[0] - half_w, center[0] + half_w
    min_y, max_y = center[1] - half_h, center[1] + half_h
    if allow_imgpad:
        return int(min_x), int(min_y), int(max_x), int(max_y)
    return (int(max(0, min_x)), int(max(0, min_y)), int(min(w, max_x)),
            int(min(h, max_y)))


@TRANSFORMS.register_module()
class PoseCompact(BaseTransform):
    """Crop the frame to the box around every joint of every person.

    The tight box around all non-zero coordinates (zeros mean "missing") of
    all persons and frames is grown by ``padding`` about its centre,
    optionally brought to the ``hw_ratio``, and the keypoints are moved into
    it. A drop-in replacement for mmaction2's ``PoseCompact`` (same boxes,
    same results), which fails under numpy 2 (``np.Inf``).

    Required Keys:

        - keypoint
        - img_shape

    Modified Keys:

        - img_shape
        - keypoint

    Added Keys:

        - crop_quadruple

    Args:
        padding (float): Box growth ratio; 0.25 gives 1.25x the width and
            height. Defaults to 0.25.
        threshold (int): Leave the sample unchanged if the tight box is
            narrower or shorter than this, in pixels. Defaults to 10.
        hw_ratio (float | tuple[float], optional): Height/width ratio (or
            range) the box is grown to. Defaults to None.
        allow_imgpad (bool): Whether the box may extend past the image.
            Defaults to True.
    """

    def __init__(self,
                 padding: float = 0.25,
                 threshold: int = 10,
                 hw_ratio: Optional[Union[float, Tuple[float, float]]] = None,
                 allow_imgpad: bool = True) -> None:
        if padding < 0:
            raise ValueError(f'padding must be >= 0, got {padding}')
        self.padding = padding
        self.threshold = threshold
        if hw_ratio is not None and not isinstance(hw_ratio, (tuple, list)):
            hw_ratio = (hw_ratio, hw_ratio)
        self.hw_ratio = None if hw_ratio is None else tuple(hw_ratio)
        self.allow_imgpad = allow_imgpad

    def _box(self, results: Dict) -> Optional[Tuple[int, int, int, int]]:
        """The crop box of the record's keypoints (NaN coordinates become
        0, the missing-joint convention), or None where there is none."""
        kp = results['keypoint']
        kp[np.isnan(kp)] = 0.
        return compact_box(kp, results['img_shape'], self.padding,
                           self.threshold, self.hw_ratio, self.allow_imgpad)

    @staticmethod
    def _shift(results: Dict, box: Tuple[int, int, int, int]) -> None:
        """Move the keypoints (not the missing ones, at 0) into the box and
        make it the image."""
        min_x, min_y, max_x, max_y = box
        kp_x, kp_y = results['keypoint'][..., 0], results['keypoint'][..., 1]
        kp_x[kp_x != 0] -= min_x
        kp_y[kp_y != 0] -= min_y
        results['img_shape'] = (max_y - min_y, max_x - min_x)

    def transform(self, results: Dict) -> Dict:
        h, w = results['img_shape']
        box = self._box(results)
        if box is None:
            return results
        min_x, min_y, max_x, max_y = box
        self._shift(results, box)
        results['crop_quadruple'] = combine_quadruple(
            results.get('crop_quadruple', (0., 0., 1., 1.)),
            (min_x / w, min_y / h, (max_x - min_x) / w, (max_y - min_y) / h))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(padding={self.padding}, '
                f'threshold={self.threshold}, hw_ratio={self.hw_ratio}, '
                f'allow_imgpad={self.allow_imgpad})')


def crop_frames(imgs: Sequence[np.ndarray],
                box: Tuple[int, int, int, int]) -> List[np.ndarray]:
    """Crop the frames [H, W, C] to ``box = (min_x, min_y, max_x, max_y)``
    (pixels, end exclusive); the part of the box outside the image is zero,
    as mmaction2's padded crop. Returns [max_y - min_y, max_x - min_x, C]
    frames, views of one new array (the input frames are not stacked into
    another copy first)."""
    first = imgs[0]
    h, w = first.shape[:2]
    x0, y0, x1, y1 = box
    out = np.zeros((len(imgs), y1 - y0, x1 - x0) + first.shape[2:],
                   first.dtype)
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x1, w), min(y1, h)
    if sx1 > sx0 and sy1 > sy0:
        for k, img in enumerate(imgs):
            out[k, sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = \
                img[sy0:sy1, sx0:sx1]
    return list(out)


@TRANSFORMS.register_module()
class MMCompact(PoseCompact):
    """Crop the frames and the keypoints to the box around the subject.

    A drop-in replacement for mmaction2's ``MMCompact`` (same arguments,
    boxes and results; mmaction2's fails under numpy 2 on ``np.Inf``). The
    box is :func:`compact_box`'s, shared with :class:`PoseCompact`; where
    that box is undefined (no joint, or a tight box under ``threshold``
    pixels) the whole frame is kept. Frames are cut in one vectorised copy;
    the part of the box outside the image is black (zeros).

    Required Keys:

        - imgs (list of [H, W, C] arrays)
        - keypoint ([M, T, V, C] pixels, NaN or 0 = missing)
        - img_shape ((H, W))

    Modified Keys:

        - imgs (list of [h, w, C] arrays)
        - keypoint (x - min_x, y - min_y for non-zero coordinates; NaN set
          to 0)
        - img_shape ((h, w) of the box)

    Args:
        padding (float): Box growth ratio. Defaults to 0.25.
        threshold (int): Keep the whole frame if the tight box is narrower
            or shorter than this, in pixels. Defaults to 10.
        hw_ratio (float | tuple[float], optional): Height/width ratio (or
            range) of the box. Defaults to 1.
        allow_imgpad (bool): Whether the box may extend past the image.
            Defaults to True.
    """

    def __init__(self,
                 padding: float = 0.25,
                 threshold: int = 10,
                 hw_ratio: Optional[Union[float, Tuple[float, float]]] = 1,
                 allow_imgpad: bool = True) -> None:
        super().__init__(padding, threshold, hw_ratio, allow_imgpad)

    def transform(self, results: Dict) -> Dict:
        h, w = results['img_shape']
        box = self._box(results)
        if box is None:
            box = (0, 0, w, h)
        self._shift(results, box)
        results['imgs'] = crop_frames(results['imgs'], box)
        return results

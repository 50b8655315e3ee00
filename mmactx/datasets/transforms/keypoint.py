"""Keypoint decoding and the subject-centred crop."""
from typing import Dict, Optional, Sequence, Tuple, Union

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

    def transform(self, results: Dict) -> Dict:
        h, w = results['img_shape']
        kp = results['keypoint']
        kp[np.isnan(kp)] = 0.
        kp_x, kp_y = kp[..., 0], kp[..., 1]
        xs, ys = kp_x[kp_x != 0], kp_y[kp_y != 0]
        if xs.size == 0 or ys.size == 0:
            return results
        min_x, max_x = xs.min(), xs.max()
        min_y, max_y = ys.min(), ys.max()
        if max_x - min_x < self.threshold or max_y - min_y < self.threshold:
            return results

        center = ((max_x + min_x) / 2, (max_y + min_y) / 2)
        half_w = (max_x - min_x) / 2 * (1 + self.padding)
        half_h = (max_y - min_y) / 2 * (1 + self.padding)
        if self.hw_ratio is not None:
            half_h = max(self.hw_ratio[0] * half_w, half_h)
            half_w = max(1 / self.hw_ratio[1] * half_h, half_w)
        min_x, max_x = center[0] - half_w, center[0] + half_w
        min_y, max_y = center[1] - half_h, center[1] + half_h
        if self.allow_imgpad:
            min_x, min_y, max_x, max_y = (int(min_x), int(min_y), int(max_x),
                                          int(max_y))
        else:
            min_x, min_y = int(max(0, min_x)), int(max(0, min_y))
            max_x, max_y = int(min(w, max_x)), int(min(h, max_y))

        kp_x[kp_x != 0] -= min_x
        kp_y[kp_y != 0] -= min_y
        results['img_shape'] = (max_y - min_y, max_x - min_x)
        results['crop_quadruple'] = combine_quadruple(
            results.get('crop_quadruple', (0., 0., 1., 1.)),
            (min_x / w, min_y / h, (max_x - min_x) / w, (max_y - min_y) / h))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(padding={self.padding}, '
                f'threshold={self.threshold}, hw_ratio={self.hw_ratio}, '
                f'allow_imgpad={self.allow_imgpad})')

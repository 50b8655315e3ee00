"""View normalisation of 3D skeleton clips (CTR-GCN's NW-UCLA feeder).

CTR-GCN's NW-UCLA feeder (``feeders/feeder_ucla.py``) normalises each clip
in this order, before it samples the frames:

1. :class:`CenterOnJoint`: subtract one joint of the first frame (the
   ``spine`` of NW-UCLA-20) from every joint of every frame;
2. :class:`RandomViewTransform` (training only): rotate about y and x by
   random integer angles and scale by a random factor;
3. :class:`MinMaxScale`: map each axis, over all frames and joints of the
   clip, linearly onto ``[-1, 1]``.

A pipeline then samples the frames (``PoolSampleFrames`` and
``PoseDecode``) and derives the stream's features from the normalised joints
(``SkeletonFeatures``), as the feeder derives bones and motion.

All three take ``keypoint`` [M, T, V, C] (persons, frames, joints,
coordinates). A person's frame whose coordinates are all zero is padding
(``FormatGCNInput`` and the converters pad with zeros): it stays zero and
takes no part in the centre or in the minimum and maximum.
"""
from typing import Dict, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import SkeletonLayout, get_layout

from .skeleton import rotation_matrix


def present_frames(keypoint: np.ndarray) -> np.ndarray:
    """Which person-frames hold a skeleton.

    Args:
        keypoint (np.ndarray): [M, T, V, C] coordinates.

    Returns:
        np.ndarray: [M, T] bool, True where any coordinate of the person's
        frame is non-zero (all-zero frames are padding).
    """
    return np.any(keypoint != 0, axis=(2, 3))


def _check_keypoint(keypoint: np.ndarray, name: str) -> None:
    if keypoint.ndim != 4:
        raise ValueError(f'{name} needs keypoint [M, T, V, C], got shape '
                         f'{keypoint.shape}')


@TRANSFORMS.register_module()
class CenterOnJoint(BaseTransform):
    """Move the origin to one joint of the main person's first frame.

    The ``joint`` of person 0 in its first present frame (frame 0 unless
    frame 0 is padding) is subtracted from every joint of every present
    frame of every person; padding frames stay zero. CTR-GCN's NW-UCLA
    feeder subtracts joint 1 (``spine``) of frame 0. A clip that is all
    padding is returned unchanged.

    Required Keys:

        - keypoint ([M, T, V, C], V the layout's joints, any unit)

    Modified Keys:

        - keypoint ([M, T, V, C], float32, same unit)

    Args:
        layout (str | SkeletonLayout): Layout that names the joints.
            Defaults to ``'nw-ucla'``.
        joint (str): Name of the joint that becomes the origin, one of the
            layout's ``joints``. Defaults to ``'spine'`` (NW-UCLA-20's
            joint 1, as CTR-GCN's feeder).
    """

    def __init__(self,
                 layout: Union[str, SkeletonLayout] = 'nw-ucla',
                 joint: str = 'spine') -> None:
        self.layout = get_layout(layout) if isinstance(layout,
                                                       str) else layout
        if joint not in self.layout.joints:
            raise ValueError(f'layout {self.layout.name!r} has no joint '
                             f'{joint!r}; its joints are '
                             f'{self.layout.joints}')
        self.joint = joint
        self.joint_index = self.layout.joints.index(joint)

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'], dtype=np.float32)
        _check_keypoint(kp, 'CenterOnJoint')
        if kp.shape[2] != self.layout.num_joints:
            raise ValueError(
                f'{results.get("frame_dir")!r}: keypoint has {kp.shape[2]} '
                f'joints, layout {self.layout.name} has '
                f'{self.layout.num_joints}')
        present = present_frames(kp)
        first = np.flatnonzero(present[0])
        if first.size:
            center = kp[0, first[0], self.joint_index]
            kp = np.where(present[..., None, None], kp - center,
                          np.float32(0))
        results['keypoint'] = kp
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout.name!r}, '
                f'joint={self.joint!r})')


def view_matrix(angle_x: float, angle_y: float,
                scale: float = 1.0) -> np.ndarray:
    """The 3x3 matrix ``A`` of CTR-GCN's NW-UCLA view transform.

    Row vectors ``p`` (x, y, z) map to ``p @ A`` with ``A = Ry Rx S``, the
    matrices of the feeder's ``rand_view_transform``. For column vectors
    this is ``s * Rot_x(angle_x) @ Rot_y(angle_y)``: a right-handed rotation
    by ``angle_y`` about y, then by ``angle_x`` about x, and a uniform
    scale.

    Args:
        angle_x (float): Angle about x in degrees.
        angle_y (float): Angle about y in degrees.
        scale (float): Uniform scale factor. Defaults to 1.0.

    Returns:
        np.ndarray: [3, 3] float64 matrix, applied as ``keypoint @ A``.
    """
    # rotation_matrix((x, y, 0)) is Ry @ Rx in the feeder's convention
    return rotation_matrix(np.radians([angle_x, angle_y, 0.0])) * scale


@TRANSFORMS.register_module()
class RandomViewTransform(BaseTransform):
    """Random view rotation about x and y and a random uniform scale.

    CTR-GCN's NW-UCLA training augmentation: two integer angles drawn
    uniformly from ``[-max_angle, max_angle]`` degrees (both ends included;
    x first, then y) and a scale ``s ~ U(scale_range)``, then every
    coordinate row ``p`` becomes ``p @ view_matrix(ax, ay, s)``. Draws use
    numpy's global generator, once per sample; all persons and frames get
    the same transform. The transform is linear, so padding (all-zero)
    frames stay zero. Test pipelines leave it out (the feeder's test path
    uses angles 0 and scale 1, the identity).

    Required Keys:

        - keypoint ([M, T, V, 3])

    Modified Keys:

        - keypoint ([M, T, V, 3], float32, unit of the input times ``s``)

    Args:
        max_angle (int): Largest angle about each axis, in degrees.
            Defaults to 60.
        scale_range (Sequence[float]): ``(low, high)`` of the uniform scale,
            ``0 < low <= high``. Defaults to (0.5, 1.5).
    """

    def __init__(self,
                 max_angle: int = 60,
                 scale_range: Sequence[float] = (0.5, 1.5)) -> None:
        if isinstance(max_angle, bool) or not isinstance(
                max_angle, (int, np.integer)) or not 0 <= max_angle <= 180:
            raise ValueError('max_angle must be an integer number of degrees '
                             f'in [0, 180], got {max_angle!r}')
        if len(scale_range) != 2 or not 0 < scale_range[0] <= \
                scale_range[1]:
            raise ValueError('scale_range must be (low, high) with 0 < low '
                             f'<= high, got {scale_range!r}')
        self.max_angle = int(max_angle)
        self.scale_range = (float(scale_range[0]), float(scale_range[1]))

    def draw(self) -> Tuple[int, int, float]:
        """Random ``(angle_x, angle_y, scale)``, angles in degrees."""
        ax, ay = np.random.randint(-self.max_angle, self.max_angle + 1, 2)
        s = np.random.uniform(*self.scale_range)
        return int(ax), int(ay), float(s)

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'])
        _check_keypoint(kp, 'RandomViewTransform')
        if kp.shape[-1] != 3:
            raise ValueError(f'RandomViewTransform needs 3D keypoints, got '
                             f'shape {kp.shape}')
        matrix = view_matrix(*self.draw())
        results['keypoint'] = (kp.astype(np.float64) @ matrix).astype(
            np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(max_angle={self.max_angle}, '
                f'scale_range={self.scale_range})')


@TRANSFORMS.register_module()
class MinMaxScale(BaseTransform):
    """Map each coordinate axis of the clip linearly onto ``value_range``.

    Per axis ``c``, the minimum and maximum run over every joint of every
    present frame of every person (the whole clip, before any frame
    sampling), and ``x -> low + (x - min) / (max - min) * (high - low)``
    (CTR-GCN's NW-UCLA feeder: ``[-1, 1]``). An axis whose values are all
    equal (``max == min``, e.g. a one-joint clip or a planar skeleton) maps
    to the middle of the range, ``(low + high) / 2``, with no division by
    zero. Padding (all-zero) frames stay zero; a clip that is all padding
    is returned unchanged.

    Required Keys:

        - keypoint ([M, T, V, C], any unit)

    Modified Keys:

        - keypoint ([M, T, V, C], float32, unitless, in ``value_range``)

    Args:
        value_range (Sequence[float]): ``(low, high)``, ``low < high``.
            Defaults to (-1.0, 1.0).
    """

    def __init__(self, value_range: Sequence[float] = (-1.0, 1.0)) -> None:
        if len(value_range) != 2 or not value_range[0] < value_range[1]:
            raise ValueError('value_range must be (low, high) with low < '
                             f'high, got {value_range!r}')
        self.value_range = (float(value_range[0]), float(value_range[1]))

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'])
        _check_keypoint(kp, 'MinMaxScale')
        present = present_frames(kp)
        if not present.any():
            results['keypoint'] = kp.astype(np.float32)
            return results
        x = kp.astype(np.float64)
        points = x[present]  # [N, V, C]
        lo = points.min(axis=(0, 1))
        span = points.max(axis=(0, 1)) - lo
        low, high = self.value_range
        flat = span == 0
        scaled = (x - lo) / np.where(flat, 1.0, span) * (high - low) + low
        scaled = np.where(flat, (low + high) / 2, scaled)
        results['keypoint'] = np.where(present[..., None, None], scaled,
                                       0).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'value_range={self.value_range})')

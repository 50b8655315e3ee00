"""Skeleton-sequence transforms of the GCN pipelines (CTR-GCN / EPP-Net).

EPP-Net's feeder, in its order: crop the valid frames and resize them to a
fixed window (:class:`ValidCropResize`), rotate the whole sequence at random
(:class:`RandomRotation3D`), then derive the stream's features (joint, bone,
joint motion, bone motion: :class:`SkeletonFeatures`). mmaction's
``FormatGCNInput`` then pads the persons and ``PackActionInputs`` packs
``keypoint`` [clips, M, T, V, C].
"""
from typing import Dict, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import SkeletonLayout, get_layout


def resize_time(x: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """Linear resampling along ``axis`` to ``length`` samples, as torch's
    ``F.interpolate(..., mode='bilinear', align_corners=False)`` does along
    one axis (source position ``(i + 0.5) * T / length - 0.5``, clamped)."""
    t = x.shape[axis]
    pos = (np.arange(length) + 0.5) * (t / length) - 0.5
    pos = np.maximum(pos, 0)
    lo = np.minimum(np.floor(pos).astype(np.int64), t - 1)
    hi = np.minimum(lo + 1, t - 1)
    w = (pos - lo).astype(np.float32)
    shape = [1] * x.ndim
    shape[axis] = length
    w = w.reshape(shape)
    return np.take(x, lo, axis) * (1 - w) + np.take(x, hi, axis) * w


@TRANSFORMS.register_module()
class ValidCropResize(BaseTransform):
    """Crop the valid frames in time and resize them to ``window`` frames.

    The valid frames are those whose coordinates are not all zero (counted,
    as in CTR-GCN, from the start of the sequence). Training
    (``p_interval=(lo, hi)``): a crop of ``clip(floor(valid * p), window,
    valid)`` frames, ``p ~ U(lo, hi)``, at a random start. Testing
    (``p_interval=(p,)``): the centre, ``int((1 - p) * valid / 2)`` frames
    trimmed at each end. The crop is linearly resampled to ``window``
    frames (``F.interpolate`` bilinear, ``align_corners=False``, along time).
    Random draws use numpy's global generator.

    Required Keys:

        - keypoint ([M, T, V, C])
        - keypoint_score (optional, [M, T, V])

    Modified Keys:

        - keypoint ([M, window, V, C], float32)
        - keypoint_score (optional)
        - total_frames

    Args:
        window (int): Output frames. Defaults to 64.
        p_interval (Sequence[float]): ``(lo, hi)`` for training, ``(p, )``
            for testing. Defaults to (0.5, 1.0).
    """

    def __init__(self, window: int = 64,
                 p_interval: Sequence[float] = (0.5, 1.0)) -> None:
        if window < 1 or len(p_interval) not in (1, 2):
            raise ValueError(f'need window >= 1 and a p_interval of 1 or 2 '
                             f'values, got {window} and {p_interval}')
        self.window = window
        self.p_interval = tuple(p_interval)

    def crop(self, valid: int) -> Tuple[int, int]:
        """Start and length of the crop among ``valid`` frames."""
        if len(self.p_interval) == 1:
            bias = int((1 - self.p_interval[0]) * valid / 2)
            return bias, valid - 2 * bias
        lo, hi = self.p_interval
        p = np.random.rand() * (hi - lo) + lo
        length = min(max(int(np.floor(valid * p)), self.window), valid)
        return np.random.randint(0, valid - length + 1), length

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint']
        valid = int((kp.sum(axis=(0, 2, 3)) != 0).sum())
        if valid == 0:
            raise ValueError(f'{results.get("frame_dir")!r}: every frame '
                             'is all zero; nothing to crop')
        start, length = self.crop(valid)
        results['keypoint'] = resize_time(
            kp[:, start:start + length].astype(np.float32), self.window)
        if 'keypoint_score' in results:
            score = results['keypoint_score'][:, start:start + length]
            results['keypoint_score'] = resize_time(
                score.astype(np.float32), self.window)
        results['total_frames'] = self.window
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(window={self.window}, '
                f'p_interval={self.p_interval})')


def rotation_matrix(angles: Sequence[float]) -> np.ndarray:
    """``Rz @ Ry @ Rx`` for angles (x, y, z) in radians, in CTR-GCN's sign
    convention (applied to column vectors)."""
    (cx, cy, cz), (sx, sy, sz) = np.cos(angles), np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cx, sx], [0, -sx, cx]])
    ry = np.array([[cy, 0, -sy], [0, 1, 0], [sy, 0, cy]])
    rz = np.array([[cz, sz, 0], [-sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx


@TRANSFORMS.register_module()
class RandomRotation3D(BaseTransform):
    """Rotate the whole 3D sequence by random angles about x, y and z.

    The three angles are drawn from ``U(-theta, theta)`` (numpy's global
    generator), once per sample; all frames and persons get the same
    rotation ``Rz Ry Rx`` (CTR-GCN's ``random_rot``). All-zero (missing)
    joints stay zero.

    Required Keys:

        - keypoint ([M, T, V, 3])

    Modified Keys:

        - keypoint

    Args:
        theta (float): Largest angle in radians. Defaults to 0.3.
    """

    def __init__(self, theta: float = 0.3) -> None:
        self.theta = theta

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint']
        if kp.shape[-1] != 3:
            raise ValueError(f'RandomRotation3D needs 3D keypoints, got '
                             f'shape {kp.shape}')
        rot = rotation_matrix(
            np.random.uniform(-self.theta, self.theta, 3)).astype(np.float32)
        results['keypoint'] = kp.astype(np.float32) @ rot.T
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(theta={self.theta})'


@TRANSFORMS.register_module()
class SkeletonFeatures(BaseTransform):
    """Joint, bone, joint-motion and bone-motion features of a skeleton.

    * ``j``: the coordinates;
    * ``b``: each joint minus its parent along the layout's bones (the root
      joint's bone is 0), e.g. EPP-Net's 24 NTU bone pairs;
    * ``jm`` / ``bm``: ``x[t + 1] - x[t]`` of the joints / bones, 0 in the
      last frame.

    The features are concatenated along C in the order given. With 2D
    keypoints and ``keypoint_score``, the score is appended as a third
    channel first; the bone's score is the mean of its two joints' and the
    motion's the mean of its two frames'.

    Required Keys:

        - keypoint ([M, T, V, C])
        - keypoint_score (optional)

    Modified Keys:

        - keypoint ([M, T, V, C * len(feats)], float32)
        - keypoint_score (removed when merged into the features)

    Args:
        layout (str | SkeletonLayout): Layout of the bones. Defaults to
            ``'nturgb+d'``.
        feats (Sequence[str]): Features among ``j``, ``b``, ``jm``, ``bm``.
            Defaults to ``('j', )``.
    """

    FEATS = ('j', 'b', 'jm', 'bm')

    def __init__(self, layout: Union[str, SkeletonLayout] = 'nturgb+d',
                 feats: Sequence[str] = ('j', )) -> None:
        unknown = [f for f in feats if f not in self.FEATS]
        if unknown or not feats:
            raise ValueError(f'feats must be among {self.FEATS}, got '
                             f'{feats}')
        self.layout = get_layout(layout) if isinstance(layout,
                                                       str) else layout
        self.feats = tuple(feats)
        self.child = np.array([c for c, _ in self.layout.bones])
        self.parent = np.array([p for _, p in self.layout.bones])

    def bones(self, x: np.ndarray, score: bool) -> np.ndarray:
        out = np.zeros_like(x)
        out[..., self.child, :] = x[..., self.child, :] - \
            x[..., self.parent, :]
        if score:
            out[..., self.child, -1] = (x[..., self.child, -1] +
                                        x[..., self.parent, -1]) / 2
        return out

    @staticmethod
    def motion(x: np.ndarray, score: bool) -> np.ndarray:
        out = np.zeros_like(x)
        out[:, :-1] = x[:, 1:] - x[:, :-1]
        if score:
            out[:, :-1, :, -1] = (x[:, 1:, :, -1] + x[:, :-1, :, -1]) / 2
        return out

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint'].astype(np.float32)
        if kp.shape[2] != self.layout.num_joints:
            raise ValueError(
                f'{results.get("frame_dir")!r}: keypoint has {kp.shape[2]} '
                f'joints, layout {self.layout.name} has '
                f'{self.layout.num_joints}')
        score = 'keypoint_score' in results and kp.shape[-1] == 2
        if score:  # moved into the features (FormatGCNInput must not re-add)
            kp = np.concatenate(
                [kp, results.pop('keypoint_score')[..., None].astype(
                    np.float32)],
                axis=-1)
        joints = kp
        bones = self.bones(kp, score) if {'b', 'bm'} & set(self.feats) \
            else None
        made = dict(j=joints, b=bones)
        if 'jm' in self.feats:
            made['jm'] = self.motion(joints, score)
        if 'bm' in self.feats:
            made['bm'] = self.motion(bones, score)
        results['keypoint'] = np.concatenate([made[f] for f in self.feats],
                                             axis=-1)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout.name!r}, '
                f'feats={self.feats})')

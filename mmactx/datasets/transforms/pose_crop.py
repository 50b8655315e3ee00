"""The person crop of Luvizon et al.'s pose and action models (deephar):
a square window around the target person, its random jitter, the affine warp
of the frames and keypoints into it, the per-channel power augmentation and
the [0, 1] coordinate targets of a pose batch.

Conventions (shared with :mod:`mmactx.pose_coords`):

* Pixels are 0-based with pixel centres at integers (mmcv / mmpose).
* A crop window is ``crop_center`` ``[2]`` (image pixels, float64) and
  ``crop_size`` (the side of the square window, image pixels), optionally
  rotated by ``crop_rotation`` degrees and mirrored (``crop_flip``).
* :class:`CropAffine` maps the window centre to ``(w / 2, h / 2)`` of the
  ``input_size = (w, h)`` crop and ``crop_size`` image pixels to ``w`` crop
  pixels, as mmpose's ``get_warp_matrix`` (so the matrices are equal); a
  positive rotation turns the window clockwise on the image (y down), so
  the person appears turned counter-clockwise in the crop, as mmpose.
* Frames are ``img`` (one image, mmcv's ``LoadImageFromFile``) or ``imgs``
  (a list of frames of a clip); keypoints are ``keypoint`` ``[M, T, V, 2]``
  (T = 1 for ``img``), ``keypoint_score`` ``[M, T, V]`` (> 0: labelled) and
  optionally ``keypoint_depth`` ``[M, T, V]``.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.pose_coords import apply_affine, normalize_coords, normalize_depth
from mmactx.registry import TRANSFORMS
from mmactx.skeletons import get_layout


def _sample_name(results: Dict) -> str:
    """What names a sample in an error message."""
    for key in ('frame_dir', 'img_path', 'filename'):
        if key in results:
            return f'{key}={results[key]!r}'
    return 'a sample without frame_dir/img_path'


def _frames_key(results: Dict) -> str:
    """``'img'`` or ``'imgs'``, whichever holds the frames."""
    if 'img' in results:
        return 'img'
    if 'imgs' in results:
        return 'imgs'
    raise KeyError(f'{_sample_name(results)} has neither img nor imgs')


def _get_frames(results: Dict) -> List[np.ndarray]:
    key = _frames_key(results)
    return [results['img']] if key == 'img' else list(results['imgs'])


def _set_frames(results: Dict, frames: List[np.ndarray]) -> None:
    if _frames_key(results) == 'img':
        results['img'] = frames[0]
    else:
        results['imgs'] = frames


def _labelled(results: Dict, min_score: float = 0.0) -> np.ndarray:
    """``[M, T, V]`` bool: score above ``min_score`` and finite x, y."""
    kp = np.asarray(results['keypoint'])
    score = np.asarray(results['keypoint_score'])
    return (score > min_score) & np.isfinite(kp).all(-1)


@TRANSFORMS.register_module()
class BoxFromKeypoints(BaseTransform):
    """The square crop window around one person's labelled joints over all
    frames (deephar's ``get_bbox_from_poses``; NTU's "GT skeleton box x
    1.5").

    The window is centred on the centre of the joints' bounding box (all T
    frames together) and its side is ``scale * max(box w, box h)``.

    Required Keys:
        keypoint ([M, T, V, 2] float, image pixels), keypoint_score
        ([M, T, V]).

    Added Keys:
        crop_center ([2] float64, image pixels), crop_size (float, image
        pixels).

    Args:
        scale (float): Side of the window over the box's longer side.
            Defaults to 1.5.
        person (int): The person whose joints make the box. Defaults to 0.
        min_score (float): A joint counts when its score is above this.
            Defaults to 0.0.
    """

    def __init__(self,
                 scale: float = 1.5,
                 person: int = 0,
                 min_score: float = 0.0) -> None:
        if not scale > 0:
            raise ValueError(f'scale must be positive, got {scale}')
        self.scale = scale
        self.person = person
        self.min_score = min_score

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'], dtype=np.float64)
        labelled = _labelled(results, self.min_score)
        if not 0 <= self.person < kp.shape[0]:
            raise ValueError(f'{_sample_name(results)}: no person '
                             f'{self.person} (it has {kp.shape[0]})')
        points = kp[self.person][labelled[self.person]]
        if len(points) == 0:
            raise ValueError(f'{_sample_name(results)}: person {self.person} '
                             'has no labelled joint in any frame: cannot '
                             'make a crop box')
        low, high = points.min(0), points.max(0)
        size = self.scale * float((high - low).max())
        if not size > 0:
            raise ValueError(f'{_sample_name(results)}: the labelled joints '
                             f'of person {self.person} span no area (a '
                             'single point): cannot make a crop box')
        results['crop_center'] = (low + high) / 2
        results['crop_size'] = size
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'person={self.person}, min_score={self.min_score})')


@TRANSFORMS.register_module()
class RandomCropJitter(BaseTransform):
    """The random crop augmentation of deephar: rotation, zoom, shift and
    horizontal flip, drawn once per sample (all frames of a clip share it).

    * rotation: uniform in ``[-rotation, rotation]`` degrees; with
      ``rotation_step``, uniform over the grid ``-rotation, -rotation +
      step, ..., rotation`` (deephar's MPII: 40, step 5).
    * zoom: a factor ``s`` drawn uniformly from ``scales`` (deephar's
      ``{0.7, 1, 1.3}``); ``s`` > 1 makes the person appear ``s`` times
      larger: ``crop_size /= s``.
    * shift: ``(dx, dy)`` uniform in ``[-shift[0], shift[0]] x [-shift[1],
      shift[1]]`` pixels of the ``input_size`` crop (NTU: 40, 10), along the
      (rotated) crop axes: the window centre moves by that many crop pixels,
      i.e. ``(dx, dy) * crop_size / input_w`` image pixels after the zoom.
    * flip: with probability ``flip_ratio`` (applied by :class:`CropAffine`,
      mirroring inside the crop).

    A ``crop_rotation`` / ``crop_flip`` already in the results (e.g. a fixed
    test-time flip) is combined with the draw: the angles add, the flips
    cancel.

    Required Keys:
        crop_center, crop_size (e.g. from :class:`BoxFromKeypoints`).

    Modified Keys:
        crop_center, crop_size.

    Added Keys:
        crop_rotation (float, degrees), crop_flip (bool).

    Args:
        rotation (float): Maximum absolute rotation, degrees. Defaults to 0.
        rotation_step (float, optional): Grid step of the rotation.
            Defaults to None (continuous).
        scales (Sequence[float]): Zoom factors to choose from. Defaults to
            ``(1., )``.
        shift (Sequence[float]): Maximum ``(x, y)`` shift in crop pixels.
            Defaults to ``(0., 0.)``.
        flip_ratio (float): Probability of a horizontal flip. Defaults to 0.
        input_size (Sequence[int]): ``(w, h)`` of the crop that the shift is
            measured in (that of :class:`CropAffine`). Defaults to
            ``(256, 256)``.
    """

    def __init__(self,
                 rotation: float = 0.,
                 rotation_step: Optional[float] = None,
                 scales: Sequence[float] = (1., ),
                 shift: Sequence[float] = (0., 0.),
                 flip_ratio: float = 0.,
                 input_size: Sequence[int] = (256, 256)) -> None:
        if rotation < 0:
            raise ValueError(f'rotation must be >= 0, got {rotation}')
        if rotation_step is not None and not rotation_step > 0:
            raise ValueError(
                f'rotation_step must be positive, got {rotation_step}')
        if len(scales) == 0 or not all(s > 0 for s in scales):
            raise ValueError(f'scales must be positive numbers, got {scales}')
        if len(shift) != 2 or any(s < 0 for s in shift):
            raise ValueError(f'shift must be (x, y) >= 0, got {shift}')
        if not 0 <= flip_ratio <= 1:
            raise ValueError(f'flip_ratio must be in [0, 1], got {flip_ratio}')
        self.rotation = float(rotation)
        self.rotation_step = rotation_step
        self.scales = tuple(float(s) for s in scales)
        self.shift = tuple(float(s) for s in shift)
        self.flip_ratio = flip_ratio
        self.input_size = tuple(int(v) for v in input_size)

    def _draw_rotation(self) -> float:
        if self.rotation == 0:
            return 0.0
        if self.rotation_step is None:
            return float(np.random.uniform(-self.rotation, self.rotation))
        steps = int(math.floor(self.rotation / self.rotation_step + 1e-9))
        return float(np.random.randint(-steps, steps + 1) * self.rotation_step)

    def transform(self, results: Dict) -> Dict:
        rotation = self._draw_rotation() + float(
            results.get('crop_rotation', 0.0))
        zoom = self.scales[np.random.randint(len(self.scales))]
        size = float(results['crop_size']) / zoom
        shift = np.array([np.random.uniform(-s, s) for s in self.shift])
        rad = math.radians(rotation)
        cos, sin = math.cos(rad), math.sin(rad)
        # crop axes expressed in the image: x = (cos, sin), y = (-sin, cos)
        along = np.array([[cos, -sin], [sin, cos]]) @ shift
        results['crop_center'] = np.asarray(
            results['crop_center'],
            dtype=np.float64) + along * size / self.input_size[0]
        results['crop_size'] = size
        results['crop_rotation'] = rotation
        flip = bool(np.random.rand() < self.flip_ratio)
        results['crop_flip'] = flip != bool(results.get('crop_flip', False))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(rotation={self.rotation}, '
                f'rotation_step={self.rotation_step}, scales={self.scales}, '
                f'shift={self.shift}, flip_ratio={self.flip_ratio}, '
                f'input_size={self.input_size})')


def crop_matrix(center: Sequence[float],
                size: float,
                input_size: Sequence[int],
                rotation: float = 0.0,
                flip: bool = False) -> np.ndarray:
    """The 2 x 3 affine image pixels -> crop pixels of a crop window.

    ``p -> (w / 2, h / 2) + (w / size) * R(-rotation) @ (p - center)``,
    then, with ``flip``, ``x -> w - 1 - x`` (``cv2.flip`` of the crop).
    Without flip it equals mmpose's ``get_warp_matrix(center, (size,
    size * h / w), rotation, (w, h))``.

    Args:
        center: ``[2]`` window centre, image pixels.
        size: Window width, image pixels (its height is ``size * h / w``).
        input_size: ``(w, h)`` of the crop, pixels.
        rotation: Degrees; positive turns the window clockwise on the image.
        flip: Mirror the crop horizontally.

    Returns:
        np.ndarray: ``[2, 3]`` float64.
    """
    w, h = (float(v) for v in input_size)
    if not size > 0:
        raise ValueError(f'crop size must be positive, got {size}')
    k = w / float(size)
    rad = math.radians(rotation)
    cos, sin = math.cos(rad), math.sin(rad)
    linear = k * np.array([[cos, sin], [-sin, cos]])
    center = np.asarray(center, dtype=np.float64).reshape(2)
    matrix = np.concatenate(
        [linear, (np.array([w / 2, h / 2]) - linear @ center)[:, None]], 1)
    if flip:
        mirror = np.array([[-1.0, 0.0], [0.0, 1.0]])
        matrix = np.concatenate(
            [mirror @ matrix[:, :2],
             (mirror @ matrix[:, 2] + [w - 1, 0])[:, None]], 1)
    return matrix


@TRANSFORMS.register_module()
class CropAffine(BaseTransform):
    """Warp the frames and keypoints into the crop window (see
    :func:`crop_matrix`).

    Every frame is warped with ``cv2.warpAffine`` (bilinear, zero border)
    to ``input_size``; ``keypoint`` goes through the same matrix. On a flip
    the joints are also permuted by the layout's ``flip_index`` (left and
    right swap names), and ``keypoint_score`` / ``keypoint_depth`` with
    them; ``layout`` is then required.

    Required Keys:
        img or imgs, keypoint, crop_center, crop_size.

    Optional Keys:
        crop_rotation (default 0), crop_flip (default False),
        keypoint_score, keypoint_depth.

    Modified Keys:
        img or imgs, keypoint, keypoint_score, keypoint_depth, img_shape.

    Added Keys:
        crop_matrix ([2, 3] float64, image -> crop, the flip included),
        input_size ((w, h)), crop_joint_order ([V] int, flipped samples
        only: joint j of the crop is joint ``crop_joint_order[j]`` of the
        image, to map predictions back).

    Args:
        input_size (Sequence[int]): ``(w, h)`` of the crop. Defaults to
            ``(256, 256)``.
        layout (str, optional): Skeleton layout name of
            :mod:`mmactx.skeletons`, needed when a sample is flipped.
            Defaults to None.
    """

    def __init__(self,
                 input_size: Sequence[int] = (256, 256),
                 layout: Optional[str] = None) -> None:
        if len(input_size) != 2 or not all(int(v) > 0 for v in input_size):
            raise ValueError(f'input_size must be (w, h) > 0, got '
                             f'{input_size}')
        self.input_size: Tuple[int, int] = (int(input_size[0]),
                                            int(input_size[1]))
        self.layout = layout
        self.flip_index = (get_layout(layout).flip_index()
                           if layout is not None else None)

    def transform(self, results: Dict) -> Dict:
        flip = bool(results.get('crop_flip', False))
        matrix = crop_matrix(results['crop_center'],
                             float(results['crop_size']), self.input_size,
                             float(results.get('crop_rotation', 0.0)), flip)
        frames = [
            cv2.warpAffine(
                frame,
                matrix,
                self.input_size,
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=0) for frame in _get_frames(results)
        ]
        _set_frames(results, frames)
        if 'keypoint' in results:
            kp = np.asarray(results['keypoint'])
            dtype = kp.dtype if kp.dtype.kind == 'f' else np.float32
            results['keypoint'] = apply_affine(
                kp.astype(np.float64), matrix).astype(dtype)
        if flip:
            if self.flip_index is None:
                raise ValueError(
                    f'{_sample_name(results)} is flipped (crop_flip) but '
                    'CropAffine has no layout to swap left and right joints:'
                    " set layout (e.g. 'mpii')")
            for key in ('keypoint', 'keypoint_score', 'keypoint_depth'):
                if key in results:
                    value = np.asarray(results[key])
                    axis = 2  # [M, T, V(, C)]
                    if value.shape[axis] != len(self.flip_index):
                        raise ValueError(
                            f'{_sample_name(results)}: {key} has '
                            f'{value.shape[axis]} joints, layout '
                            f'{self.layout!r} has {len(self.flip_index)}')
                    results[key] = np.take(value, self.flip_index, axis=axis)
            # joint j of the crop is joint crop_joint_order[j] of the image
            results['crop_joint_order'] = np.asarray(self.flip_index)
        results['crop_matrix'] = matrix
        results['input_size'] = self.input_size
        results['img_shape'] = (self.input_size[1], self.input_size[0])
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, '
                f'layout={self.layout!r})')


@TRANSFORMS.register_module()
class ChannelPower(BaseTransform):
    """deephar's colour augmentation: each channel of ``img / 255`` raised
    to a power drawn uniformly in ``[low, high]`` (one power per channel,
    shared by all frames of a clip), then back to uint8 (rounded).

    Required Keys:
        img or imgs ([H, W, C] uint8).

    Modified Keys:
        img or imgs.

    Args:
        low (float): Smallest power. Defaults to 0.9.
        high (float): Largest power. Defaults to 1.1.
    """

    def __init__(self, low: float = 0.9, high: float = 1.1) -> None:
        if not 0 < low <= high:
            raise ValueError(f'need 0 < low <= high, got {low}, {high}')
        self.low = low
        self.high = high

    def transform(self, results: Dict) -> Dict:
        frames = _get_frames(results)
        channels = frames[0].shape[-1] if frames[0].ndim == 3 else 1
        power = np.random.uniform(self.low, self.high, size=channels)
        out = []
        for frame in frames:
            if frame.dtype != np.uint8:
                raise TypeError(f'{_sample_name(results)}: ChannelPower '
                                f'needs uint8 frames, got {frame.dtype}')
            value = np.power(frame.astype(np.float32) / 255.0,
                             power.astype(np.float32))
            out.append(np.clip(np.rint(value * 255.0), 0,
                               255).astype(np.uint8))
        _set_frames(results, out)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(low={self.low}, high={self.high})'


@TRANSFORMS.register_module()
class PoseCoordTargets(BaseTransform):
    """The coordinate targets of a pose batch (after :class:`CropAffine`):
    one person in one frame, normalised by :mod:`mmactx.pose_coords`.

    * ``gt_coords`` ``[V, 2]`` (or ``[V, 3]`` with ``depth_span``) float32:
      ``(x / w, y / h)`` of the crop pixels and, for z,
      ``normalize_depth(z, z_root, depth_span)``. Entries that are not valid
      are 0 (read them through ``gt_coords_valid``).
    * ``gt_coords_valid`` ``[V, D]`` bool: x, y are valid for labelled
      joints (score > 0, finite), also outside the crop (their target is
      then outside [0, 1], which deephar keeps: only unlabelled joints are
      masked, as its -1e9 fill); z is valid where the joint is labelled, its
      depth finite and the root joint labelled with a finite depth.
    * ``gt_visible`` ``[V]`` float32: 1 for labelled joints inside the crop
      ``[0, w) x [0, h)`` (the paper's visibility target), else 0.
    * ``root_depth`` (float, the data's depth unit; NaN when the root is
      unlabelled): only with ``depth_span``, to map predictions back
      (``denormalize_depth``).

    Required Keys:
        keypoint ([M, T, V, 2] crop pixels), keypoint_score, input_size or
        img_shape, keypoint_depth (with depth_span).

    Added Keys:
        gt_coords, gt_coords_valid, gt_visible, root_depth and depth_span
        (3D only).

    Args:
        layout (str): Skeleton layout name (checks V; names the root).
        depth_span (float, optional): Depth range mapped onto [0, 1], in the
            data's unit (2.0 for metres: the paper's 2000 mm). None: 2D
            targets. Defaults to None.
        root (str, optional): Root joint name (``'pelvis'`` for h36m,
            ``'spine_base'`` for nturgb+d); required with depth_span.
        person (int): The target person. Defaults to 0.
        frame (int): The frame whose pose is the target. Defaults to 0.
    """

    def __init__(self,
                 layout: str,
                 depth_span: Optional[float] = None,
                 root: Optional[str] = None,
                 person: int = 0,
                 frame: int = 0) -> None:
        self.layout = layout
        skeleton = get_layout(layout)
        self.num_joints = skeleton.num_joints
        if depth_span is not None:
            if not depth_span > 0:
                raise ValueError(
                    f'depth_span must be positive, got {depth_span}')
            if root is None:
                raise ValueError('depth targets (depth_span) need the root '
                                 "joint's name (root=...)")
        self.root_index = (skeleton.joint_index(root)
                           if root is not None else None)
        self.depth_span = depth_span
        self.root = root
        self.person = person
        self.frame = frame

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'], dtype=np.float64)
        if kp.ndim != 4 or kp.shape[2] != self.num_joints:
            raise ValueError(
                f'{_sample_name(results)}: keypoint must be [M, T, '
                f'{self.num_joints}, 2] for layout {self.layout!r}, got '
                f'shape {kp.shape}')
        if not (0 <= self.person < kp.shape[0]
                and 0 <= self.frame < kp.shape[1]):
            raise ValueError(f'{_sample_name(results)}: no person '
                             f'{self.person} / frame {self.frame} in '
                             f'keypoint of shape {kp.shape}')
        if 'input_size' in results:
            w, h = results['input_size']
        else:
            h, w = results['img_shape'][:2]
        xy = kp[self.person, self.frame]
        score = np.asarray(results['keypoint_score'])[self.person, self.frame]
        labelled = (score > 0) & np.isfinite(xy).all(-1)
        coords = normalize_coords(np.where(labelled[:, None], xy, 0.0),
                                  (w, h))
        inside = (labelled & (xy[:, 0] >= 0) & (xy[:, 0] < w)
                  & (xy[:, 1] >= 0) & (xy[:, 1] < h))
        valid = np.repeat(labelled[:, None], 2, axis=1)
        if self.depth_span is not None:
            if 'keypoint_depth' not in results:
                raise KeyError(f'{_sample_name(results)} has no '
                               'keypoint_depth for the depth targets')
            z = np.asarray(results['keypoint_depth'],
                           dtype=np.float64)[self.person, self.frame]
            z_ok = labelled & np.isfinite(z)
            root_z = z[self.root_index]
            if z_ok[self.root_index]:
                results['root_depth'] = float(root_z)
                z_target = normalize_depth(np.where(z_ok, z, root_z), root_z,
                                           self.depth_span)
            else:
                results['root_depth'] = float('nan')
                z_ok = np.zeros_like(z_ok)
                z_target = np.zeros_like(z)
            z_target = np.where(z_ok, z_target, 0.0)
            results['depth_span'] = self.depth_span
            coords = np.concatenate([coords, z_target[:, None]], 1)
            valid = np.concatenate([valid, z_ok[:, None]], 1)
        results['gt_coords'] = coords.astype(np.float32)
        results['gt_coords_valid'] = valid
        results['gt_visible'] = inside.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(layout={self.layout!r}, '
                f'depth_span={self.depth_span}, root={self.root!r}, '
                f'person={self.person}, frame={self.frame})')

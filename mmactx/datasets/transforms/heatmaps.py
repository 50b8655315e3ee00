"""Pseudo-heatmap volumes of joints and limbs (PoseC3D's input), on the CPU.

:class:`GeneratePoseTarget` is mmaction2's transform of the same name, with
the same arguments and the same volumes (to float32 rounding), vectorised
over frames, channels and persons. What a volume holds and how it is
rendered are defined once in :mod:`mmactx.rendering` and shared with the
torch renderer of the model's device; this module lays the volume out as
``[T, C, H, W]`` numpy arrays and adds the mirrored copy of the flip test.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.rendering import render
from mmactx.rendering.rules import (EPS, NUMPY_BUDGET, HeatmapSpec,
                                    RenderBudget, finite_joints, size_splits)
from mmactx.skeletons import COCO

# This renderer's bindings of the shared rules, read at every call (tests
# vary them): the chunk size of limbs, and the bound on their size classes.
_CHUNK_ELEMENTS = NUMPY_BUDGET.chunk_elements


def _budget() -> RenderBudget:
    """The shared numpy budget, with this module's chunk size."""
    return RenderBudget(_CHUNK_ELEMENTS, NUMPY_BUDGET.group_cost)


def _image_offsets(shape: Tuple[int, ...], channel: np.ndarray,
                   num_channels: int, image_size: int) -> np.ndarray:
    """Flat offsets [prod(shape)] in a [T, C, H, W] volume of the images of
    keypoints ``shape = [M, T, K]``, keypoint k in ``channel[k]``."""
    T = shape[1]
    offset = (np.arange(T)[:, None] * num_channels +
              np.asarray(channel)) * image_size
    return np.broadcast_to(offset, shape).reshape(-1)


def render_points(out: np.ndarray,
                  channel: np.ndarray,
                  kps: np.ndarray,
                  values: np.ndarray,
                  sigma: float,
                  eps: float = EPS) -> None:
    """Max-merge joint Gaussians into a heatmap volume.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [V] channel of each joint.
        kps (np.ndarray): float32 [M, T, V, 2] coordinates in pixels;
            joints with a non-finite coordinate are not drawn.
        values (np.ndarray): float32 [M, T, V] peak values; joints below
            ``eps`` are skipped.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values. Defaults to the
            shared rule's.
    """
    _, C, H, W = out.shape
    x, y, value = finite_joints(kps[..., 0], kps[..., 1], values)
    render.render_points(out.reshape(-1),
                         _image_offsets(value.shape, channel, C, H * W),
                         x.reshape(-1), y.reshape(-1), value.reshape(-1), H,
                         W, sigma, eps)


def render_segments(out: np.ndarray,
                    channel: np.ndarray,
                    a: np.ndarray,
                    b: np.ndarray,
                    va: np.ndarray,
                    vb: np.ndarray,
                    sigma: float,
                    eps: float = EPS) -> None:
    """Max-merge limb (segment) Gaussians into a heatmap volume.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [K] channel of each of the K segments.
        a, b (np.ndarray): float32 [M, T, K, 2] segment ends in pixels;
            segments with a non-finite end are not drawn.
        va, vb (np.ndarray): float32 [M, T, K] values of the ends; a segment
            has ``min(va, vb)`` and is skipped below ``eps``. Ends less than
            a pixel apart draw the point ``a`` with ``va`` (mmaction's rule).
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values. Defaults to the
            shared rule's.
    """
    _, C, H, W = out.shape
    ax, ay, va = finite_joints(a[..., 0], a[..., 1], va)
    bx, by, vb = finite_joints(b[..., 0], b[..., 1], vb)
    render.render_segments(out.reshape(-1),
                           _image_offsets(va.shape, channel, C, H * W),
                           *(t.reshape(-1) for t in (ax, ay, bx, by, va, vb)),
                           H, W, sigma, _budget(), size_splits(va.size), eps)


def _spec_field(name: str) -> property:
    return property(lambda self: getattr(self.spec, name),
                    doc=f'``{name}`` of :attr:`spec`.')


@TRANSFORMS.register_module()
class GeneratePoseTarget(BaseTransform):
    """Render joint and/or limb pseudo-heatmap volumes [T, C, H, W].

    A drop-in replacement for mmaction2's ``GeneratePoseTarget`` (same
    arguments, same volumes within float32 rounding, by the rules of
    :mod:`mmactx.rendering.rules`), vectorised over frames, channels and
    persons. Unlike mmaction2, ``with_kp=True, with_limb=True`` puts the V
    joint maps first and the L limb maps after them (mmaction2 writes the
    limbs over the joints' channels). Its arguments are read-only
    attributes of its :attr:`spec`.

    Required Keys:

        - keypoint
        - keypoint_score (optional)
        - img_shape

    Added Keys:

        - imgs (or heatmap_imgs when imgs already exists, for RGBPose)

    Args:
        sigma (float): Gaussian sigma in pixels. Defaults to 0.6.
        use_score (bool): Scale each Gaussian by the keypoint score.
            Defaults to True.
        with_kp (bool): Render joint heatmaps. Defaults to True.
        with_limb (bool): Render limb heatmaps. Defaults to False.
        skeletons (tuple[tuple[int]]): Limb pairs. Defaults to the COCO-17
            limbs of :data:`mmactx.skeletons.COCO`.
        double (bool): Append the horizontally mirrored volume (the flip
            test). Defaults to False.
        left_kp (tuple[int]): Left joints. Defaults to COCO's.
        right_kp (tuple[int]): Right joints. Defaults to COCO's.
        left_limb (tuple[int]): Left limbs (indices into ``skeletons``).
            Defaults to those of the default limbs.
        right_limb (tuple[int]): Right limbs. Defaults likewise.
        scaling (float): Heatmap size relative to ``img_shape``.
            Defaults to 1.
    """

    sigma = _spec_field('sigma')
    use_score = _spec_field('use_score')
    with_kp = _spec_field('with_kp')
    with_limb = _spec_field('with_limb')
    skeletons = _spec_field('skeletons')
    double = _spec_field('double')
    left_kp = _spec_field('left_kp')
    right_kp = _spec_field('right_kp')
    left_limb = _spec_field('left_limb')
    right_limb = _spec_field('right_limb')
    scaling = _spec_field('scaling')
    eps = _spec_field('eps')

    def __init__(self,
                 sigma: float = 0.6,
                 use_score: bool = True,
                 with_kp: bool = True,
                 with_limb: bool = False,
                 skeletons: Sequence[Sequence[int]] = COCO.limbs,
                 double: bool = False,
                 left_kp: Sequence[int] = COCO.left,
                 right_kp: Sequence[int] = COCO.right,
                 left_limb: Optional[Sequence[int]] = None,
                 right_limb: Optional[Sequence[int]] = None,
                 scaling: float = 1.) -> None:
        self.spec = HeatmapSpec(
            sigma=sigma, use_score=use_score, with_kp=with_kp,
            with_limb=with_limb, skeletons=skeletons, double=double,
            left_kp=left_kp, right_kp=right_kp, left_limb=left_limb,
            right_limb=right_limb, scaling=scaling)

    def generate(self,
                 keypoint: np.ndarray,
                 score: Optional[np.ndarray],
                 img_shape: Tuple[int, int],
                 copies: int = 1) -> np.ndarray:
        """Render the volume of one sample.

        Args:
            keypoint (np.ndarray): [M, T, V, C>=2] pixel coordinates.
            score (np.ndarray, optional): [M, T, V] scores; None means 1.
            img_shape (tuple[int, int]): (h, w) of the coordinate frame.
            copies (int): Allocate room for this many volumes along the
                frame axis and render into the first. Defaults to 1.

        Returns:
            np.ndarray: float32 [copies * T, C, H', W'], C = V (joints) + L
            (limbs), H' = int(h * scaling + 0.5).
        """
        spec = self.spec
        x, y, value = render.keypoint_inputs(keypoint[..., 0],
                                             keypoint[..., 1], score, spec)
        T, V = x.shape[1:]
        h, w = spec.output_shape(img_shape)
        num_c = spec.num_channels(V)
        volume = np.zeros((copies * T, num_c, h, w), dtype=np.float32)
        render.render_heatmaps(
            volume.reshape(-1), np.arange(T) * (num_c * h * w), h * w, x, y,
            value, spec, h, w, _budget(),
            size_splits(x.shape[0] * T * len(spec.skeletons)))
        return volume

    def flip_index(self, num_joints: int) -> np.ndarray:
        """Channel permutation of a horizontal flip of the volume."""
        return np.array(self.spec.flip_index(num_joints))

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint']
        heatmap = self.generate(kp, results.get('keypoint_score'),
                                results['img_shape'], 1 + self.double)
        if self.double:
            # one mirrored copy per channel: 4x faster than np.take along
            # the channel axis of the reversed view
            T = kp.shape[1]
            src, dst = heatmap[:T, :, :, ::-1], heatmap[T:]
            for c, from_c in enumerate(self.spec.flip_index(kp.shape[2])):
                dst[:, c] = src[:, from_c]
        key = 'heatmap_imgs' if 'imgs' in results else 'imgs'
        results[key] = heatmap
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(sigma={self.sigma}, '
                f'use_score={self.use_score}, with_kp={self.with_kp}, '
                f'with_limb={self.with_limb}, skeletons={self.skeletons}, '
                f'double={self.double}, left_kp={self.left_kp}, '
                f'right_kp={self.right_kp}, left_limb={self.left_limb}, '
                f'right_limb={self.right_limb}, scaling={self.scaling})')

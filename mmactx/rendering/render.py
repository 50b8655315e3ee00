"""The vectorised heatmap renderer, written once for numpy and torch.

Every Gaussian is evaluated only on its window (see
:mod:`mmactx.rendering.rules`), on patches of one size per call (joints) or
per group of similar windows (limbs), and merged into the volume by a
scatter of maxima. A patch larger than a window repeats the window's last
row and column: the repeats recompute the same pixels with the same values,
which the maximum leaves unchanged, so no pixel outside a window is
written. The x and y terms of every Gaussian are computed per patch row and
column and combined with one broadcast operation per step; the keypoints are
on the last axis, so that each call runs long inner loops.

The volume is any flat float32 array (numpy, or a torch tensor on any
device); the caller gives the flat offset of every keypoint's image, which
is all the renderers' layouts differ in.
"""
from typing import Optional, Tuple

import numpy as np

from .backend import Array, array_ops
from .rules import (EPS, EXP_FLOOR, HeatmapSpec, RenderBudget, chunk_length,
                    exponent_scale, finite_joints, joint_patch_size,
                    limb_shape, plan_limb_groups, size_splits, window)


def keypoint_inputs(x: Array, y: Array, score: Optional[Array],
                    spec: HeatmapSpec) -> Tuple[Array, Array, Array]:
    """Coordinates and peak values of keypoints, by the rules of ``spec``.

    Args:
        x, y (Array): [..., V] coordinates in pixels of ``img_shape``, any
            float dtype.
        score (Array, optional): [..., V] scores; None means 1.
        spec (HeatmapSpec): What to render.

    Returns:
        tuple: float32 [..., V] ``x`` and ``y`` in heatmap pixels (scaled by
        ``spec.scaling``) and peak values (the scores with ``use_score``,
        else 1), after :func:`~mmactx.rendering.rules.finite_joints`.
    """
    ops = array_ops(x)
    x = ops.as_float(x) * spec.scaling
    y = ops.as_float(y) * spec.scaling
    value = (ops.as_float(score) if spec.use_score and score is not None
             else ops.ones(x.shape, x))
    return finite_joints(x, y, value)


def _joint_axis(coord: Array, size: int, sigma: float,
                patch: int) -> Tuple[Array, Array, Array]:
    """Patch pixels and Gaussian profiles of joints along one image axis.

    Args:
        coord (Array): float32 [n] coordinates in pixels.
        size (int): Image size along the axis.
        sigma (float): Gaussian sigma in pixels.
        patch (int): Patch size along the axis.

    Returns:
        tuple: int [patch, n] pixels (the window's, its last repeated;
        inside the image even for empty windows), float32 [patch, n]
        profile ``exp(-(pixel - coord)^2 / (2 s^2))`` and bool [n] whether
        the window is not empty.
    """
    ops = array_ops(coord)
    xp = ops.xp
    first, last = window(coord, coord, sigma, size)
    steps = ops.arange(patch, coord)[:, None]
    pixel = xp.clip(xp.minimum(first + steps, last), 0, size - 1)
    profile = pixel - coord
    profile *= profile
    profile *= exponent_scale(sigma)
    ops.clip_(profile, EXP_FLOOR, 0.)  # both bounds: numpy's fast clip
    ops.exp_(profile)
    return ops.as_index(pixel), profile, last >= first


def render_points(flat: Array, offset: Array, x: Array, y: Array,
                  value: Array, height: int, width: int, sigma: float,
                  eps: float = EPS) -> None:
    """Max-merge joint Gaussians into a volume.

    Every Gaussian is the outer product of a row and a column profile on a
    patch of the widest window (:func:`~mmactx.rendering.rules.
    joint_patch_size`).

    Args:
        flat (Array): float32 [numel] the volume, flattened; images of
            ``height x width`` pixels, row-major.
        offset (Array): int [n] flat offset of each joint's image.
        x, y (Array): float32 [n] finite coordinates in pixels.
        value (Array): float32 [n] peak values; joints below ``eps`` are
            skipped.
        height, width (int): Image size in pixels.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values.
    """
    ops = array_ops(x)
    xp = ops.xp
    px, gx, drawn = _joint_axis(x, width, sigma,
                                joint_patch_size(sigma, width))
    py, gy, inside_y = _joint_axis(y, height, sigma,
                                   joint_patch_size(sigma, height))
    drawn = drawn & inside_y & (value >= eps)
    gy *= xp.where(drawn, value, 0.)
    patch = gy[:, None] * gx  # [ph, pw, n]
    index = (py * width + offset)[:, None] + px
    ops.scatter_max(flat, index.reshape(-1), patch.reshape(-1))


def _segment_patches(x: Array, y: Array, ax: Array, ay: Array, abx: Array,
                     aby: Array, inv: Array, value: Array,
                     sigma: float) -> Array:
    """Gaussians of the distance to segments on their patches.

    The distance is taken to the point ``a + c (b - a)`` with the projection
    parameter ``c`` clipped to [0, 1]. ``c`` is affine in the pixel
    coordinates, so it costs one broadcast addition of per-row and
    per-column terms; ``c = 0`` gives exactly the distance to ``a``.

    Args:
        x (Array): float32 [pw, k] pixel columns of each segment's patch.
        y (Array): float32 [ph, k] pixel rows.
        ax, ay, abx, aby, inv, value (Array): float32 [k] the segments'
            first end, ``b - a``, projection factor and peak value
            (:class:`~mmactx.rendering.rules.LimbShape`).
        sigma (float): Gaussian sigma in pixels.

    Returns:
        Array: float32 [ph, pw, k] the Gaussians.
    """
    ops = array_ops(x)
    dx, dy = x - ax, y - ay
    coeff = (dy * (aby * inv))[:, None] + dx * (abx * inv)
    ops.clip_(coeff, 0, 1)
    # (c (b - a) - (p - a))^2, componentwise, reusing the buffers
    ex = coeff * abx
    ex -= dx
    ex *= ex
    ey = coeff
    ey *= aby
    ey -= dy[:, None]
    ey *= ey
    ex += ey
    ex *= exponent_scale(sigma)
    ops.clip_(ex, EXP_FLOOR, 0.)  # the floor; both bounds: numpy's fast clip
    ops.exp_(ex)
    ex *= value
    return ex


def render_segments(flat: Array,
                    offset: Array,
                    ax: Array,
                    ay: Array,
                    bx: Array,
                    by: Array,
                    va: Array,
                    vb: Array,
                    height: int,
                    width: int,
                    sigma: float,
                    budget: RenderBudget,
                    max_classes: Optional[int] = None,
                    eps: float = EPS) -> None:
    """Max-merge limb (segment) Gaussians into a volume.

    Limbs are grouped by window size (:func:`~mmactx.rendering.rules.
    plan_limb_groups`); each group is rendered on patches of its largest
    window, in chunks of at most ``budget.chunk_elements`` pixels.

    Args:
        flat (Array): float32 [numel] the volume, flattened; images of
            ``height x width`` pixels, row-major.
        offset (Array): int [n] flat offset of each limb's image.
        ax, ay, bx, by (Array): float32 [n] finite limb ends in pixels.
        va, vb (Array): float32 [n] values of the ends.
        height, width (int): Image size in pixels.
        sigma (float): Gaussian sigma in pixels.
        budget (RenderBudget): Chunk size and group cost.
        max_classes (int, optional): Most size classes per axis. Defaults
            to :func:`~mmactx.rendering.rules.size_splits` of ``n``.
        eps (float): Drawing threshold of the values.
    """
    ops = array_ops(ax)
    xp = ops.xp
    limb = limb_shape(ax, ay, bx, by, va, vb, eps)
    sx, lx = window(limb.lo_x, limb.hi_x, sigma, width)
    sy, ly = window(limb.lo_y, limb.hi_y, sigma, height)
    drawn = limb.valued & (lx >= sx) & (ly >= sy)
    # window sizes, 0 for limbs not drawn
    h = ops.as_index(xp.where(drawn, ly - sy + 1, 0))
    w = ops.as_index(xp.where(drawn, lx - sx + 1, 0))
    counts = ops.bincount(h * (width + 1) + w, (height + 1) * (width + 1))
    if max_classes is None:
        max_classes = size_splits(ax.shape[0])
    groups = plan_limb_groups(
        counts.reshape(height + 1, width + 1), budget.group_cost,
        max_classes)
    if not groups.counts:
        return
    group = ops.from_host(groups.table, ax)[h, w]
    order = ops.argsort(group)[:sum(groups.counts)]
    # every limb's terms in group order, so that chunks are slices
    sx, lx, sy, ly, offset = (t[order] for t in (sx, lx, sy, ly, offset))
    ax, ay, abx, aby, inv, value = (
        t[order]
        for t in (ax, ay, limb.abx, limb.aby, limb.inv, limb.value))
    start = 0
    for (ph, pw), count in zip(groups.sizes, groups.counts):
        rows = ops.arange(ph, ax)[:, None]
        cols = ops.arange(pw, ax)[:, None]
        step = chunk_length((ph, pw), budget.chunk_elements)
        for first in range(start, start + count, step):
            e = slice(first, min(first + step, start + count))
            pix_x = xp.minimum(sx[e] + cols, lx[e])  # [pw, k]
            pix_y = xp.minimum(sy[e] + rows, ly[e])  # [ph, k]
            patch = _segment_patches(pix_x, pix_y, ax[e], ay[e], abx[e],
                                     aby[e], inv[e], value[e], sigma)
            index = ((ops.as_index(pix_y) * width + offset[e])[:, None] +
                     ops.as_index(pix_x))
            ops.scatter_max(flat, index.reshape(-1), patch.reshape(-1))
        start += count


def render_heatmaps(flat: Array,
                    frame_offset: Array,
                    channel_stride: int,
                    x: Array,
                    y: Array,
                    value: Array,
                    spec: HeatmapSpec,
                    height: int,
                    width: int,
                    budget: RenderBudget,
                    max_classes: Optional[int] = None) -> None:
    """Render the joint and/or limb maps of ``spec`` into a volume.

    Args:
        flat (Array): float32 [numel] the volume, flattened, zero in the
            channels drawn; images of ``height x width`` pixels, row-major.
        frame_offset (Array): int [...] broadcastable to ``x.shape[:-1]``:
            flat offset of channel 0's image of each frame; channel ``c``'s
            image is ``c * channel_stride`` further.
        channel_stride (int): Flat distance between channels.
        x, y, value (Array): float32 [..., V] from :func:`keypoint_inputs`
            (persons, frames and any other axes before the V joints).
        spec (HeatmapSpec): What to render: joints in channels ``0..V-1``
            (``with_kp``), then the limbs.
        height, width (int): Heatmap size in pixels.
        budget (RenderBudget): Chunk size and group cost of the limbs.
        max_classes (int, optional): Most limb size classes per axis.
            Defaults to :func:`~mmactx.rendering.rules.size_splits`.
    """
    ops = array_ops(x)
    xp = ops.xp
    num_joints = x.shape[-1]
    frames = frame_offset[..., None]

    def offsets(first: int, num: int, shape: tuple) -> Array:
        """Flat image offsets [prod(shape)] of channels first..first+num-1
        of every frame, broadcast over the axes of ``shape``."""
        channels = ops.arange(num, x, integer=True) + first
        return xp.broadcast_to(frames + channels * channel_stride,
                               shape).reshape(-1)

    if spec.with_kp:
        render_points(flat, offsets(0, num_joints, x.shape), x.reshape(-1),
                      y.reshape(-1), value.reshape(-1), height, width,
                      spec.sigma)
    if spec.with_limb:
        a, b = (ops.from_host(np.array(ends, dtype=np.int64), x)
                for ends in zip(*spec.skeletons))
        ax, ay, va = (t[..., a] for t in (x, y, value))
        bx, by, vb = (t[..., b] for t in (x, y, value))
        render_segments(
            flat, offsets(num_joints * spec.with_kp, len(spec.skeletons),
                          ax.shape), ax.reshape(-1), ay.reshape(-1),
            bx.reshape(-1), by.reshape(-1), va.reshape(-1), vb.reshape(-1),
            height, width, spec.sigma, budget, max_classes)

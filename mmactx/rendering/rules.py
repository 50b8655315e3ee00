"""The rules of PoseC3D's pseudo-heatmap volumes, defined once.

Both renderers read them: the numpy transform
:class:`mmactx.datasets.transforms.GeneratePoseTarget` and the torch
renderer of the model's device :class:`mmactx.models.HeatmapRenderer`, both
through :mod:`mmactx.rendering.render`. The helpers take numpy arrays or
torch tensors alike.

What a volume holds (mmaction2 1.2.0's ``GeneratePoseTarget``; values agree
to float32 rounding):

* the window of a joint at ``(x, y)`` is ``[max(int(x - 3s), 0),
  min(int(x + 3s) + 1, W))`` (likewise in y; ``int`` truncates toward zero)
  and holds ``v * exp(-((px - x)^2 + (py - y)^2) / (2 s^2))``;
* the window of a limb ``(a, b)`` is the box of ``a`` and ``b`` grown by
  ``3s`` in the same way and holds ``min(va, vb) * exp(-d^2 / (2 s^2))``,
  ``d`` the distance to the segment; ends less than a pixel apart
  (squared distance below 1) draw the joint of ``a`` with ``va``;
* joints with a value below ``EPS`` and limbs whose smaller end value is
  below it are not drawn; values are the scores (ones without scores or with
  ``use_score=False``);
* a joint with a non-finite coordinate is drawn as if its value were 0:
  neither it nor the limbs it ends (mmaction2 leaves them undefined);
* Gaussian exponents are floored at ``EXP_FLOOR``;
* persons and windows merge by maximum; with ``double`` the flip test
  appends the mirrored volume, the channels of left and right joints (and
  limbs) swapped.

How the renderer covers the windows (no effect on the values): joints on one
patch size, limbs in groups of similar window size (:func:`plan_limb_groups`)
and in chunks of at most ``chunk_elements`` patch pixels
(:class:`RenderBudget`).
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmactx.skeletons import COCO, swap_order
from .backend import Array, array_namespace

# Half-width of a window, in sigmas.
REACH_SIGMAS = 3.0
# Drawing threshold of peak values (mmaction2's ``eps``).
EPS = 1e-4
# Limbs shorter than this squared length (pixels^2) are drawn as their
# first joint.
MIN_LIMB_SQUARED = 1.0
# Floor of the Gaussian exponents ``-d^2 / (2 s^2)``: values inside a window
# never go below exp(-87) ~ 1.6e-38 (the smallest normal float32 is 1.2e-38).
# mmaction2 goes on down to float32's underflow at exp(-104), so volumes
# differ from its by at most 1.6e-38 times the peak value, where its
# Gaussian is below that (box corners of long diagonal limbs), far inside
# any tolerance. In exchange, torch's CPU exp never sees the arguments that
# make it 10-30x slower (measured: those whose result is subnormal or
# underflows), which long limbs give by the thousand; numpy's exp is as
# fast either way, and the floor costs it one cheap pass over the patches.
# (Before, numpy had no floor and torch floored at -60, which also wrote
# exp(-60) ~ 8.7e-27 into padded pixels outside the windows; no pixel
# outside a window is written now.)
EXP_FLOOR = -87.0
# Ratio between the largest and the smallest window size on one axis of a
# size class of limbs, before classes are merged.
SIZE_CLASS_RATIO = 1.5
# Patch pixels rendered at once: the memory bound of a chunk of limbs (a
# few float32 and int64 buffers of this size). On a CPU larger chunks are no
# faster; on a GPU every chunk costs some 20 kernel launches, so its chunks
# are 4x larger.
CHUNK_ELEMENTS = 1 << 20
GPU_CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class RenderBudget:
    """How a renderer trades padding for calls (no effect on the values).

    Attributes:
        chunk_elements (int): Most patch pixels of one chunk of limbs.
        group_cost (float): Fixed cost of one more limb group, in patch
            pixels: a size class is merged into the next larger one while
            the pixels its patches gain cost less.
    """
    chunk_elements: int
    group_cost: float


# Measured on a 2-core CPU: one limb group costs about 45 us of numpy calls,
# as much as 1e4 patch pixels; torch's calls cost more each.
NUMPY_BUDGET = RenderBudget(CHUNK_ELEMENTS, 1e4)
TORCH_CPU_BUDGET = RenderBudget(CHUNK_ELEMENTS, 3e4)
# On a GPU a pixel is almost free and each group costs kernel launches: few
# groups, padded more.
TORCH_GPU_BUDGET = RenderBudget(GPU_CHUNK_ELEMENTS, 1e6)


def reach(sigma: float) -> float:
    """Half-width of a window in pixels: ``3 sigma``."""
    return REACH_SIGMAS * sigma


def exponent_scale(sigma: float) -> float:
    """``-1 / (2 sigma^2)``: the Gaussian is ``exp(d^2 * scale)``."""
    return -0.5 / sigma**2


def window(lo: Array, hi: Array, sigma: float,
           size: int) -> Tuple[Array, Array]:
    """First and last pixel (inclusive) of windows along one image axis.

    Args:
        lo, hi (Array): float32 [...] smallest and largest coordinate of
            each window's keypoints, in pixels (equal for a joint).
        sigma (float): Gaussian sigma in pixels.
        size (int): Image size along the axis.

    Returns:
        tuple: float32 [...] ``first`` and ``last``, whole numbers:
        ``[trunc(lo - 3s), trunc(hi + 3s)]`` clipped to ``[0, size - 1]``;
        the window is empty where ``last < first``.
    """
    xp = array_namespace(lo)
    first = xp.clip(xp.trunc(lo - reach(sigma)), 0, None)
    last = xp.clip(xp.trunc(hi + reach(sigma)), None, size - 1)
    return first, last


def joint_patch_size(sigma: float, size: int) -> int:
    """Pixels along one axis of the patch every joint is rendered on: the
    widest joint window, ``int(6 sigma) + 2``, at most ``size``.

    ``trunc(x + 3s) - trunc(x - 3s)`` is at most ``int(6s) + 1`` where
    ``x - 3s >= 0``, and where it is negative the window starts at 0 and
    ends before ``6s + 1``.
    """
    return min(int(2 * reach(sigma)) + 2, size)


def finite_joints(x: Array, y: Array,
                  value: Array) -> Tuple[Array, Array, Array]:
    """Apply the non-finite rule: a joint with a non-finite coordinate gets
    value 0 (so neither it nor its limbs are drawn) and coordinates 0 (so
    that the arithmetic stays finite). All arrays float32 [...].

    Returns:
        tuple: ``x``, ``y`` and ``value`` after the rule.
    """
    xp = array_namespace(x)
    finite = xp.isfinite(x) & xp.isfinite(y)
    return (xp.where(finite, x, 0.), xp.where(finite, y, 0.),
            xp.where(finite, value, 0.))


@dataclass
class LimbShape:
    """What the limb rules make of limb ends (arrays [...] of one library).

    Attributes:
        lo_x, hi_x, lo_y, hi_y (Array): float32 extent of the window's
            keypoints (both ends; only ``a`` for a point limb).
        value (Array): float32 peak value: ``min(va, vb)``, ``va`` for a
            point limb.
        valued (Array): bool, ``min(va, vb) >= EPS``.
        abx, aby (Array): float32 ``b - a``.
        inv (Array): float32 ``1 / |b - a|^2``, 0 for a point limb: the
            projection parameter of a pixel ``p`` is ``(p - a) . (b - a) *
            inv``, so a point limb draws the distance to ``a``.
    """
    lo_x: Array
    hi_x: Array
    lo_y: Array
    hi_y: Array
    value: Array
    valued: Array
    abx: Array
    aby: Array
    inv: Array


def limb_shape(ax: Array, ay: Array, bx: Array, by: Array, va: Array,
               vb: Array, eps: float = EPS) -> LimbShape:
    """The limb rules for limbs from ``a`` to ``b`` (float32 [...] pixel
    coordinates and values of the ends)."""
    xp = array_namespace(ax)
    abx, aby = bx - ax, by - ay
    length2 = abx * abx + aby * aby
    point = length2 < MIN_LIMB_SQUARED
    lowest = xp.minimum(va, vb)
    inv = 1 / xp.clip(length2, MIN_LIMB_SQUARED, None)
    return LimbShape(
        lo_x=xp.where(point, ax, xp.minimum(ax, bx)),
        hi_x=xp.where(point, ax, xp.maximum(ax, bx)),
        lo_y=xp.where(point, ay, xp.minimum(ay, by)),
        hi_y=xp.where(point, ay, xp.maximum(ay, by)),
        value=xp.where(point, va, lowest),
        valued=lowest >= eps,
        abx=abx,
        aby=aby,
        inv=xp.where(point, 0., inv))


@dataclass(frozen=True)
class HeatmapSpec:
    """What to render: the arguments of ``GeneratePoseTarget``, checked and
    with their defaults. Both renderers hold one.

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
        left_kp, right_kp (tuple[int]): Left and right joints. Default to
            COCO's.
        left_limb, right_limb (tuple[int], optional): Left and right limbs
            (indices into ``skeletons``). Default to those of COCO's default
            limbs (mmaction2's defaults).
        scaling (float): Heatmap size relative to ``img_shape``.
            Defaults to 1.
    """
    sigma: float = 0.6
    use_score: bool = True
    with_kp: bool = True
    with_limb: bool = False
    skeletons: Tuple[Tuple[int, int], ...] = COCO.limbs
    double: bool = False
    left_kp: Tuple[int, ...] = COCO.left
    right_kp: Tuple[int, ...] = COCO.right
    left_limb: Optional[Tuple[int, ...]] = None
    right_limb: Optional[Tuple[int, ...]] = None
    scaling: float = 1.

    def __post_init__(self) -> None:
        if not (self.with_kp or self.with_limb):
            raise ValueError('at least one of with_kp and with_limb must be '
                             'True')
        default_left, default_right = COCO.limb_flip_pairs()
        fixed = dict(
            skeletons=tuple(tuple(limb) for limb in self.skeletons),
            left_kp=tuple(self.left_kp),
            right_kp=tuple(self.right_kp),
            left_limb=tuple(default_left if self.left_limb is None else
                            self.left_limb),
            right_limb=tuple(default_right if self.right_limb is None else
                             self.right_limb))
        for name, value in fixed.items():
            object.__setattr__(self, name, value)

    @property
    def eps(self) -> float:
        """Drawing threshold of the peak values."""
        return EPS

    def output_shape(self, img_shape: Sequence[int]) -> Tuple[int, int]:
        """``(H', W')`` of the heatmaps of keypoints in an ``img_shape``
        ``(h, w)`` frame: ``int(h * scaling + 0.5)``, likewise w."""
        return (int(img_shape[0] * self.scaling + 0.5),
                int(img_shape[1] * self.scaling + 0.5))

    def num_channels(self, num_joints: int) -> int:
        """Channels of a volume: V joints (with_kp), then L limbs."""
        return num_joints * self.with_kp + len(self.skeletons) * self.with_limb

    def flip_index(self, num_joints: int) -> List[int]:
        """Channel permutation of a horizontal flip of the volume."""
        order = []
        if self.with_kp:
            order += swap_order(num_joints, self.left_kp, self.right_kp)
        if self.with_limb:
            offset = num_joints * self.with_kp
            order += [offset + i for i in swap_order(
                len(self.skeletons), self.left_limb, self.right_limb)]
        return order


def size_splits(num_segments: int) -> int:
    """Most size classes per image axis among the limb groups of
    ``num_segments`` limbs: about the cube root over 2, within [2, 8] (6
    for one training clip's 1.6k limbs, 8 from 3.4k). A bound on the number
    of groups (at most its square); the cost rule of
    :func:`plan_limb_groups` rarely reaches it."""
    return int(min(max(round(num_segments**(1 / 3) / 2), 2), 8))


def _size_classes(count: List[int], other: List[float], group_cost: float,
                  max_classes: int) -> List[int]:
    """Split the sizes along one axis into classes.

    Args:
        count (list[int]): Windows of each size ``0..S`` along the axis.
        other (list[float]): Per size, the sum of those windows' sizes
            along the other axis (for widths: the height class's patch
            height): in a class of largest size ``m`` their patches cover
            ``m * other`` pixels.
        group_cost (float): Cost of a class, in pixels.
        max_classes (int): Most classes.

    Returns:
        list[int]: Largest size of each class, ascending; a class holds the
        sizes above the previous one.
    """
    present = [s for s, c in enumerate(count) if c]
    # geometric classes anchored at the largest size
    bounds, i = [], len(present) - 1
    while i >= 0:
        top = present[i]
        bounds.append(top)
        while i >= 0 and present[i] * SIZE_CLASS_RATIO > top:
            i -= 1
    bounds.reverse()
    sums, prev = [], 0
    for top in bounds:
        sums.append(math.fsum(other[prev + 1:top + 1]))
        prev = top
    # merge a class into the next while its extra padding costs less than a
    # class
    kept, kept_sums, pending = [], [], 0.
    for k, top in enumerate(bounds):
        pending += sums[k]
        if k + 1 < len(bounds) and pending * (bounds[k + 1] -
                                              top) < group_cost:
            continue
        kept.append(top)
        kept_sums.append(pending)
        pending = 0.
    while len(kept) > max(max_classes, 1):
        k = min(range(len(kept) - 1),
                key=lambda j: kept_sums[j] * (kept[j + 1] - kept[j]))
        # class k joins class k + 1 (which takes index k)
        kept_sums[k + 1] += kept_sums[k]
        del kept[k], kept_sums[k]
    return kept


@dataclass(frozen=True)
class LimbGroups:
    """Limb windows grouped by size, each group rendered on one patch size.

    Attributes:
        table (np.ndarray): int16 [H + 1, W + 1] group of a window of
            height h and width w; ``len(sizes)`` (after every group) for
            empty windows.
        sizes (tuple[tuple[int, int]]): Patch ``(height, width)`` of each
            group: its largest window height and width.
        counts (tuple[int]): Windows in each group.
    """
    table: np.ndarray
    sizes: Tuple[Tuple[int, int], ...]
    counts: Tuple[int, ...]


def plan_limb_groups(counts: np.ndarray, group_cost: float,
                     max_classes: int) -> LimbGroups:
    """Group limb windows by size so that their patches pad few pixels.

    Heights are split into size classes, then the widths of each height
    class: first into classes whose largest size is at most 1.5 times the
    smallest, anchored at the largest size; then a class is merged into the
    next larger one while the pixels its patches gain cost less than
    ``group_cost``; then, beyond ``max_classes`` classes, the cheapest
    merges. Grouping by count quantiles instead (the earlier rule) padded
    2-5x the window pixels, up to 56x56 patches for windows a third that
    size; these classes pad 1.4-1.6x.

    Args:
        counts (np.ndarray): int [H + 1, W + 1] number of windows of each
            height and width (row and column 0: empty windows, not drawn).
        group_cost (float): Cost of one more group, in patch pixels.
        max_classes (int): Most size classes per axis.

    Returns:
        LimbGroups: the groups.
    """
    counts = np.array(counts, dtype=np.int64)
    counts[0] = 0
    counts[:, 0] = 0
    rows, cols = counts.shape
    table = np.full((rows, cols), 0, dtype=np.int16)
    # the largest height present up to each row, per width
    heights = np.arange(rows)[:, None]
    tallest = np.maximum.accumulate(np.where(counts > 0, heights, 0), 0)
    sizes, group_counts = [], []
    lo = 0
    for hi in _size_classes(counts.sum(1).tolist(),
                            (counts @ np.arange(cols)).tolist(), group_cost,
                            max_classes):
        per_width = counts[lo + 1:hi + 1].sum(0).tolist()
        top = tallest[hi].tolist()
        start = 0
        for end in _size_classes(per_width, [c * hi for c in per_width],
                                 group_cost, max_classes):
            table[lo + 1:hi + 1, start + 1:end + 1] = len(sizes)
            sizes.append((max(top[start + 1:end + 1]), end))
            group_counts.append(sum(per_width[start + 1:end + 1]))
            start = end
        lo = hi
    # empty windows (and sizes no window has) sort after every group
    table[counts == 0] = len(sizes)
    return LimbGroups(table, tuple(sizes), tuple(group_counts))


def chunk_length(patch: Tuple[int, int], chunk_elements: int) -> int:
    """Limbs rendered at once on ``patch`` (height, width) pixels: as many
    as fit in ``chunk_elements``, at least one."""
    return max(1, chunk_elements // (patch[0] * patch[1]))

"""Pseudo-heatmap volumes of joints and limbs (PoseC3D's input).

The renderer is vectorised over frames, channels and persons: every Gaussian
is evaluated only on its small window (a patch of the largest window size in
the batch) and merged into the volume with a scatter of element-wise maxima.
Pixel values, windows and merging follow mmaction2's ``GeneratePoseTarget``
exactly (values agree to float32 rounding):

* a joint at ``(x, y)`` with value ``v`` covers the window
  ``[max(int(x - 3s), 0), min(int(x + 3s) + 1, W))`` (and likewise in y) with
  ``v * exp(-((px - x)^2 + (py - y)^2) / (2 s^2))``; ``int`` truncates toward
  zero;
* a limb ``(a, b)`` covers the box of ``a`` and ``b`` grown by ``3s`` with
  ``min(va, vb) * exp(-d^2 / (2 s^2))``, ``d`` the distance to the segment;
  ends closer than one pixel draw the joint heatmap of ``a`` with ``va``;
* persons and windows merge by maximum, values below ``eps`` are skipped.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import COCO

# Bound on the patch pixels rendered at once (float32), to keep the memory of
# 10-clip test samples small.
_CHUNK_ELEMENTS = 1 << 20
# Segments are grouped by window size so that short limbs are not rendered
# on the patch size of the longest one.
_SIZE_GROUPS = 4
# Pixel coordinate that puts masked pixels far from every segment: their
# Gaussian underflows to exactly 0.
_FAR = np.float32(1e4)


def _windows(lo: np.ndarray, hi: np.ndarray, reach: float,
             size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Integer pixel windows ``[start, end)`` covering ``[lo - reach, hi +
    reach]`` with mmaction's truncating ``int()`` rules, clipped to the
    image."""
    start = np.maximum(np.trunc(lo - reach), 0).astype(np.int64)
    end = np.minimum(np.trunc(hi + reach).astype(np.int64) + 1, size)
    return start, end


def _axis(start: np.ndarray, end: np.ndarray, extent: int,
          size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Pixels of patches of ``extent`` pixels along one axis.

    Each patch starts at its window start, moved back where needed to stay
    inside the image.

    Returns:
        tuple: ``(pixels [N, extent] int64, coords [N, extent] float32)``
        with the coordinates of pixels outside the window set far away.
    """
    pix = np.minimum(start, size - extent)[:, None] + np.arange(extent)
    coords = pix.astype(np.float32)
    coords[(pix < start[:, None]) | (pix >= end[:, None])] = _FAR
    return pix, coords


def _duplicate_rank(target: np.ndarray) -> np.ndarray:
    """For each entry, how many earlier entries share its target."""
    order = np.argsort(target, kind='stable')
    sorted_t = target[order]
    first = np.flatnonzero(np.r_[True, sorted_t[1:] != sorted_t[:-1]])
    group_start = np.repeat(first, np.diff(np.r_[first, len(target)]))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(target)) - group_start
    return rank


def _point_patches(x: np.ndarray, y: np.ndarray, a: np.ndarray,
                   value: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussians around points ``a`` [N, 2] on pixel grids ``x`` [N, pw],
    ``y`` [N, ph]: separable, so only the outer product is 2D."""
    k = np.float32(-0.5 / sigma**2)
    gx = np.exp((x - a[:, :1])**2 * k)
    gy = np.exp((y - a[:, 1:])**2 * k) * value[:, None]
    return gy[:, :, None] * gx[:, None, :]


def _segment_patches(x: np.ndarray, y: np.ndarray, a: np.ndarray,
                     b: np.ndarray, value: np.ndarray,
                     sigma: float) -> np.ndarray:
    """Gaussians of the distance to segments ``a``-``b`` [N, 2] (at least a
    pixel long) on pixel grids ``x`` [N, pw], ``y`` [N, ph]."""
    ax, ay, bx, by = (v[:, None] for v in (a[:, 0], a[:, 1], b[:, 0],
                                            b[:, 1]))
    abx, aby = bx - ax, by - ay
    d2_ab = abx**2 + aby**2
    d2_a = ((y - ay)**2)[:, :, None] + ((x - ax)**2)[:, None, :]
    d2_b = ((y - by)**2)[:, :, None] + ((x - bx)**2)[:, None, :]
    # the position of each pixel's projection along a->b, in mmaction's
    # float32 arithmetic (its rounding decides which end dominates)
    coeff = d2_a - d2_b
    coeff += d2_ab[..., None]
    coeff /= (2 * d2_ab)[..., None]
    np.clip(coeff, 0, 1, out=coeff)
    # squared distance to the projection; a clipped coefficient of 0 gives
    # exactly the distance to a, the b side is copied below
    d2 = coeff * abx[..., None]
    d2 += ax[..., None]
    np.subtract(x[:, None, :], d2, out=d2)
    d2 *= d2
    dy = coeff * aby[..., None]
    dy += ay[..., None]
    np.subtract(y[:, :, None], dy, out=dy)
    dy *= dy
    d2 += dy
    np.copyto(d2, d2_b, where=coeff >= 1)
    d2 *= np.float32(-0.5 / sigma**2)
    patch = np.exp(d2, out=d2)
    patch *= value[:, None, None]
    return patch


def _draw(flat: np.ndarray, hw: Tuple[int, int], target: np.ndarray,
          a: np.ndarray, b: Optional[np.ndarray], value: np.ndarray,
          window: Tuple[np.ndarray, ...], sigma: float, fresh: bool) -> None:
    """Render N Gaussians on one patch size and merge them into ``flat``.

    Args:
        flat (np.ndarray): The flattened [T, C, H, W] volume.
        hw (tuple[int, int]): (H, W).
        target (np.ndarray): [N] distinct frame-channel indices t * C + c.
        a (np.ndarray): [N, 2] float32 points or segment starts.
        b (np.ndarray, optional): [N, 2] segment ends; None for points.
        value (np.ndarray): [N] float32 peak values.
        window (tuple): ``(sx, ex, sy, ey)`` [N] pixel windows.
        sigma (float): Gaussian sigma in pixels.
        fresh (bool): The targets are still all zero: write, don't merge.
    """
    H, W = hw
    sx, ex, sy, ey = window
    pix_x, x = _axis(sx, ex, int((ex - sx).max()), W)
    pix_y, y = _axis(sy, ey, int((ey - sy).max()), H)
    if b is None:
        patch = _point_patches(x, y, a, value, sigma)
    else:
        patch = _segment_patches(x, y, a, b, value, sigma)
    index = (target * (H * W))[:, None] + pix_y * W
    index = index[:, :, None] + pix_x[:, None, :]
    if fresh:
        flat[index] = patch
    else:
        flat[index] = np.maximum(flat[index], patch)


def render_segments(out: np.ndarray, channel: np.ndarray, a: np.ndarray,
                    b: np.ndarray, va: np.ndarray, vb: np.ndarray,
                    sigma: float, eps: float) -> None:
    """Max-merge segment (or point) Gaussians into a heatmap volume.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [K] channel of each of the K segments.
        a, b (np.ndarray): float32 [M, T, K, 2] segment ends in pixels;
            pass ``b = a`` for joints.
        va, vb (np.ndarray): float32 [M, T, K] values of the ends; a segment
            has ``min(va, vb)`` (``va`` when its ends are less than a pixel
            apart) and is skipped below ``eps``.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values.
    """
    T, C, H, W = out.shape
    reach = 3 * sigma
    point = ((a - b)**2).sum(-1, dtype=np.float32) < 1
    lo = np.where(point[..., None], a, np.minimum(a, b))
    hi = np.where(point[..., None], a, np.maximum(a, b))
    sx, ex = _windows(lo[..., 0], hi[..., 0], reach, W)
    sy, ey = _windows(lo[..., 1], hi[..., 1], reach, H)
    drawn = (np.minimum(va, vb) >= eps) & (ex > sx) & (ey > sy)
    if not drawn.any():
        return
    _, t, k = np.nonzero(drawn)
    target = t * C + np.asarray(channel)[k]
    value = np.where(point, va, np.minimum(va, vb))[drawn]
    a, b, point = a[drawn], b[drawn], point[drawn]
    window = tuple(w[drawn] for w in (sx, ex, sy, ey))
    area = (window[1] - window[0]) * (window[3] - window[2])
    flat = out.reshape(-1)
    # Persons overlap in the same frame and channel: the first entry of each
    # target is written, later ones are merged by maximum, one rank at a time.
    rank = _duplicate_rank(target)
    for r in range(int(rank.max()) + 1):
        for is_point in (True, False):
            sel = np.flatnonzero((rank == r) & (point == is_point))
            if sel.size == 0:
                continue
            # short limbs should not be rendered on the longest one's patch
            sel = sel[np.argsort(area[sel], kind='stable')]
            groups = 1 if is_point else _SIZE_GROUPS
            for group in np.array_split(sel, min(groups, sel.size)):
                step = max(1, _CHUNK_ELEMENTS // int(area[group[-1]]))
                for i in range(0, group.size, step):
                    g = group[i:i + step]
                    _draw(flat, (H, W), target[g], a[g],
                          None if is_point else b[g], value[g],
                          tuple(w[g] for w in window), sigma, r == 0)


@TRANSFORMS.register_module()
class GeneratePoseTarget(BaseTransform):
    """Render joint and/or limb pseudo-heatmap volumes [T, C, H, W].

    A drop-in replacement for mmaction2's ``GeneratePoseTarget`` (same
    arguments, same volumes within float32 rounding), vectorised over frames,
    channels and persons. Unlike mmaction2, ``with_kp=True, with_limb=True``
    puts the V joint maps first and the L limb maps after them (mmaction2
    writes the limbs over the joints' channels).

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
        if not (with_kp or with_limb):
            raise ValueError('at least one of with_kp and with_limb must be '
                             'True')
        default_left, default_right = COCO.limb_flip_pairs()
        self.sigma = sigma
        self.use_score = use_score
        self.with_kp = with_kp
        self.with_limb = with_limb
        self.skeletons = tuple(tuple(limb) for limb in skeletons)
        self.double = double
        self.left_kp = tuple(left_kp)
        self.right_kp = tuple(right_kp)
        self.left_limb = tuple(
            default_left if left_limb is None else left_limb)
        self.right_limb = tuple(
            default_right if right_limb is None else right_limb)
        self.scaling = scaling
        self.eps = 1e-4

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
        kps = keypoint[..., :2].astype(np.float32)
        kps *= self.scaling
        M, T, V = kps.shape[:3]
        if score is None or not self.use_score:
            values = np.ones((M, T, V), dtype=np.float32)
        else:
            values = score.astype(np.float32, copy=False)
        h = int(img_shape[0] * self.scaling + 0.5)
        w = int(img_shape[1] * self.scaling + 0.5)
        num_c = V * self.with_kp + len(self.skeletons) * self.with_limb
        volume = np.zeros((copies * T, num_c, h, w), dtype=np.float32)
        heatmap = volume[:T]
        if self.with_kp:
            render_segments(heatmap, np.arange(V), kps, kps, values, values,
                            self.sigma, self.eps)
        if self.with_limb:
            ia, ib = np.array(self.skeletons).T
            render_segments(heatmap, V * self.with_kp + np.arange(len(ia)),
                            kps[:, :, ia], kps[:, :, ib], values[:, :, ia],
                            values[:, :, ib], self.sigma, self.eps)
        return volume

    def flip_index(self, num_joints: int) -> np.ndarray:
        """Channel permutation of a horizontal flip of the volume."""
        order = []
        if self.with_kp:
            joints = np.arange(num_joints)
            joints[list(self.left_kp)] = self.right_kp
            joints[list(self.right_kp)] = self.left_kp
            order.append(joints)
        if self.with_limb:
            limbs = np.arange(len(self.skeletons))
            limbs[list(self.left_limb)] = self.right_limb
            limbs[list(self.right_limb)] = self.left_limb
            order.append(limbs + num_joints * self.with_kp)
        return np.concatenate(order)

    def transform(self, results: Dict) -> Dict:
        kp = results['keypoint']
        heatmap = self.generate(kp, results.get('keypoint_score'),
                                results['img_shape'], 1 + self.double)
        if self.double:
            T = kp.shape[1]
            np.take(heatmap[:T, :, :, ::-1], self.flip_index(kp.shape[2]),
                    axis=1, out=heatmap[T:])
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

"""Pseudo-heatmap volumes of joints and limbs (PoseC3D's input).

The renderer is vectorised over frames, channels and persons: every Gaussian
is evaluated only on its window (joints: on a patch of the largest joint
window, as one separable outer product; limbs: on a patch of the largest
window among segments of similar size) and merged into the volume by a
scatter of element-wise maxima.
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

Joints with a non-finite coordinate, and limbs that end in one, are not
drawn (mmaction2 leaves them undefined).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import COCO

# Bound on the patch pixels rendered at once (float32), to keep the memory of
# 10-clip test samples small.
_CHUNK_ELEMENTS = 1 << 20
# Pixel coordinate that puts masked pixels far from every segment: their
# Gaussian underflows to exactly 0.
_FAR = np.float32(1e4)
# Stand-in for non-finite coordinates (of joints and of both ends of their
# limbs): far enough left of and above the image that the window is empty.
_OFF_IMAGE = np.float32(-1e4)


def _windows(lo: np.ndarray, hi: np.ndarray, reach: float,
             size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Integer pixel windows ``[start, end)`` covering ``[lo - reach, hi +
    reach]`` with mmaction's truncating ``int()`` rules, clipped to the
    image."""
    start = np.maximum(np.trunc(lo - reach), 0).astype(np.intp)
    end = np.minimum(np.trunc(hi + reach), size - 1).astype(np.intp) + 1
    return start, end


def _segment_patches(x: np.ndarray, y: np.ndarray, a: np.ndarray,
                     b: np.ndarray, value: np.ndarray,
                     sigma: float) -> np.ndarray:
    """Gaussians of the distance to segments ``a``-``b`` [N, 2] on pixel
    grids ``x`` [pw, N], ``y`` [ph, N]; returns [ph, pw, N].

    The distance is taken to the point ``a + c (b - a)`` with the projection
    parameter ``c`` clipped to [0, 1]. ``c`` is affine in the pixel
    coordinates, so it costs one 2D addition of per-row and per-column
    terms; ``c = 0`` gives exactly the distance to ``a`` (mmaction's
    "a dominates" case). Ends less than a pixel apart get ``c = 0``: the
    Gaussian of the point ``a`` (mmaction's rule). The segments are on the
    last axis, so that every numpy call runs long inner loops.
    """
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    abx, aby = bx - ax, by - ay
    d2_ab = abx**2 + aby**2
    inv = np.where(d2_ab < 1, np.float32(0), 1 / np.maximum(d2_ab, 1))
    dx, dy = x - ax, y - ay  # [pw, N], [ph, N]
    coeff = (dy * (aby * inv))[:, None] + dx * (abx * inv)
    np.clip(coeff, 0, 1, out=coeff)
    ex = coeff * abx
    np.subtract(dx, ex, out=ex)
    ex *= ex
    ey = np.multiply(coeff, aby, out=coeff)
    np.subtract(dy[:, None], ey, out=ey)
    ey *= ey
    ex += ey
    ex *= np.float32(-0.5 / sigma**2)
    patch = np.exp(ex, out=ex)
    patch *= value
    return patch


def size_splits(num_segments: int) -> int:
    """How many parts limb windows are split into, by one side and then each
    part by the other, to choose patch sizes: about the cube root of the
    number of segments over 4, within [2, 8], i.e. 3 x 3 groups for one
    clip's limbs (1.6k segments) and 6 x 6 for ten (16k). More groups pad
    fewer pixels but each costs a fixed overhead; these were the fastest
    splits measured for both."""
    return int(np.clip(round(np.cbrt(num_segments) / 4), 2, 8))


def _size_groups(height: np.ndarray, width: np.ndarray
                 ) -> Tuple[np.ndarray, List[int]]:
    """Order segments into groups of similar window size, each rendered on
    one patch size: by height into :func:`size_splits` parts, then each part
    by width into as many groups.

    Returns:
        tuple: the order (int [N]) and the group boundaries in it.
    """
    n = len(height)
    parts = size_splits(n)
    part = np.empty(n, dtype=np.intp)
    part[np.argsort(height, kind='stable')] = np.arange(n) * parts // n
    order = np.lexsort((width, part))
    bounds, start = [0], 0
    for size in np.bincount(part, minlength=parts).tolist():
        bounds += [start + size * j // parts for j in range(1, parts + 1)]
        start += size
    return order, bounds


def _joint_profiles(coord: np.ndarray, size: int,
                    sigma: float) -> Tuple[np.ndarray, np.ndarray,
                                           np.ndarray]:
    """Patch origins and Gaussian profiles of joints along one image axis.

    Args:
        coord (np.ndarray): finite float32 [M, n] coordinates in pixels.
        size (int): Image size along the axis.
        sigma (float): Gaussian sigma in pixels.

    Returns:
        tuple: intp [M, n] first pixel of each joint's patch, float32
        [M, P, n] profile on the patch's P pixels (P: the widest window,
        zero outside the joint's own window), and bool [M, n] whether the
        window is inside the image.
    """
    reach = 3 * sigma
    # window [lo, hi] with mmaction's truncation toward zero
    lo = np.trunc(coord - reach)
    np.maximum(lo, 0, out=lo)
    hi = np.trunc(coord + reach)
    np.minimum(hi, size - 1, out=hi)
    inside = hi >= lo
    width = max(int((hi - lo).max()) + 1, 1)
    # patches start at the window, moved back to stay inside the image
    origin = np.minimum(lo, size - width)
    lo -= origin
    hi -= origin
    steps = np.arange(width, dtype=np.float32)[:, None]
    profile = (origin - coord)[:, None] + steps
    profile *= profile
    profile *= np.float32(-0.5 / sigma**2)
    np.exp(profile, out=profile)
    profile *= (steps >= lo[:, None]) & (steps <= hi[:, None])
    return origin.astype(np.intp), profile, inside


def render_points(out: np.ndarray, channel: np.ndarray, kps: np.ndarray,
                  values: np.ndarray, sigma: float, eps: float) -> None:
    """Max-merge joint Gaussians into a heatmap volume.

    Every Gaussian is the outer product of a row and a column profile on a
    patch of the widest window, zero outside its own window. Arrays keep the
    joints on their last (longest) axis and x and y in separate contiguous
    arrays, so that each numpy call runs long unit-stride inner loops, and
    one ``np.maximum.at`` merges all persons.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [V] channel of each joint.
        kps (np.ndarray): float32 [M, T, V, 2] coordinates in pixels;
            joints with a non-finite coordinate are not drawn.
        values (np.ndarray): float32 [M, T, V] peak values; joints below
            ``eps`` are skipped.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values.
    """
    T, C, H, W = out.shape
    M, _, V = values.shape
    n = T * V
    if not np.isfinite(kps).all():
        kps = np.where(np.isfinite(kps), kps, _OFF_IMAGE)
    ox, gx, drawn = _joint_profiles(kps[..., 0].reshape(M, n), W, sigma)
    oy, gy, inside_y = _joint_profiles(kps[..., 1].reshape(M, n), H, sigma)
    value = values.reshape(M, n)
    drawn &= inside_y
    drawn &= value >= eps
    gy *= np.where(drawn, value, np.float32(0))[:, None]
    patch = gy[:, :, None] * gx[:, None]  # [M, ph, pw, n]
    ph, pw = gy.shape[1], gx.shape[1]
    first = ((np.arange(T)[:, None] * C + np.asarray(channel)).reshape(-1) *
             (H * W) + oy * W + ox)  # [M, n]
    index = first[:, None, None] + (np.arange(ph)[:, None, None] * W +
                                    np.arange(pw)[:, None])
    np.maximum.at(out.reshape(-1), index.reshape(-1), patch.reshape(-1))


def render_segments(out: np.ndarray, channel: np.ndarray, a: np.ndarray,
                    b: np.ndarray, va: np.ndarray, vb: np.ndarray,
                    sigma: float, eps: float) -> None:
    """Max-merge limb (segment) Gaussians into a heatmap volume.

    Segments are grouped by window size; each group is rendered on patches
    of its largest window (pixels outside a segment's own window are 0) and
    max-merged into the volume with ``np.maximum.at``.

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
        eps (float): Drawing threshold of the values.
    """
    T, C, H, W = out.shape
    finite = np.isfinite(a).all(-1) & np.isfinite(b).all(-1)
    if not finite.all():  # both ends off the image: an empty window
        a = np.where(finite[..., None], a, _OFF_IMAGE)
        b = np.where(finite[..., None], b, _OFF_IMAGE)
    point = ((a - b)**2).sum(-1, dtype=np.float32) < 1
    lo = np.where(point[..., None], a, np.minimum(a, b))
    hi = np.where(point[..., None], a, np.maximum(a, b))
    sx, ex = _windows(lo[..., 0], hi[..., 0], 3 * sigma, W)
    sy, ey = _windows(lo[..., 1], hi[..., 1], 3 * sigma, H)
    drawn = (np.minimum(va, vb) >= eps) & (ex > sx) & (ey > sy)
    entry = np.flatnonzero(drawn)  # into the flattened [M, T, K]
    if entry.size == 0:
        return
    sx, ex, sy, ey = (w.reshape(-1)[entry] for w in (sx, ex, sy, ey))
    order, bounds = _size_groups(ey - sy, ex - sx)
    entry = entry[order]
    sx, ex, sy, ey = sx[order], ex[order], sy[order], ey[order]
    K = a.shape[2]
    target = entry // K % T * C + np.asarray(channel)[entry % K]
    a, b = a.reshape(-1, 2)[entry], b.reshape(-1, 2)[entry]
    value = np.where(point, va, np.minimum(va, vb)).reshape(-1)[entry]
    flat = out.reshape(-1)
    for start, end in zip(bounds[:-1], bounds[1:]):
        if end == start:
            continue
        # the group's patch: its largest window, at each window's corner
        # moved back into the image
        ph = int((ey[start:end] - sy[start:end]).max())
        pw = int((ex[start:end] - sx[start:end]).max())
        step = max(1, _CHUNK_ELEMENTS // (ph * pw))
        for first in range(start, end, step):
            e = slice(first, min(first + step, end))
            pix_x = np.minimum(sx[e], W - pw) + np.arange(pw)[:, None]
            pix_y = np.minimum(sy[e], H - ph) + np.arange(ph)[:, None]
            # pixels outside the window are moved far away, where they get 0
            x = np.where((pix_x >= sx[e]) & (pix_x < ex[e]),
                         pix_x.astype(np.float32), _FAR)
            y = np.where((pix_y >= sy[e]) & (pix_y < ey[e]),
                         pix_y.astype(np.float32), _FAR)
            patch = _segment_patches(x, y, a[e], b[e], value[e], sigma)
            index = (target[e] * (H * W) + pix_y * W)[:, None] + pix_x
            np.maximum.at(flat, index.reshape(-1), patch.reshape(-1))


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
            render_points(heatmap, np.arange(V), kps, values, self.sigma,
                          self.eps)
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
            # one mirrored copy per channel: 4x faster than np.take along
            # the channel axis of the reversed view
            T = kp.shape[1]
            src, dst = heatmap[:T, :, :, ::-1], heatmap[T:]
            for c, from_c in enumerate(self.flip_index(kp.shape[2])):
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

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
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

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


def _windows(lo: np.ndarray, hi: np.ndarray, reach: float,
             size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Integer pixel windows ``[start, end)`` covering ``[lo - reach, hi +
    reach]`` with mmaction's truncating ``int()`` rules, clipped to the
    image."""
    start = np.maximum(np.trunc(lo - reach), 0).astype(np.int64)
    end = np.minimum(np.trunc(hi + reach), size - 1).astype(np.int64) + 1
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


class _Entries(NamedTuple):
    """Segment Gaussians to draw, one per row: [N] arrays (``a``, ``b``:
    [N, 2])."""
    target: np.ndarray  # flat frame-channel index t * C + c
    a: np.ndarray
    b: np.ndarray
    value: np.ndarray
    window: Tuple[np.ndarray, ...]  # (sx, ex, sy, ey), [start, end)
    origin: Tuple[np.ndarray, ...]  # (oy, ox): top-left pixel of the patch

    def take(self, idx: np.ndarray) -> '_Entries':
        return _Entries(self.target[idx], self.a[idx],
                        self.b[idx],
                        self.value[idx], tuple(w[idx] for w in self.window),
                        tuple(o[idx] for o in self.origin))


def _draw(flat: np.ndarray, hw: Tuple[int, int], e: _Entries,
          extent: Tuple[int, int], sigma: float) -> None:
    """Render entries on patches of ``extent`` (ph, pw) and max-merge them.

    Args:
        flat (np.ndarray): The flattened [T, C, H, W] volume.
        hw (tuple[int, int]): (H, W).
        e (_Entries): The entries, with intp targets and origins.
        extent (tuple[int, int]): Patch size (ph, pw), at least each window.
        sigma (float): Gaussian sigma in pixels.
    """
    H, W = hw
    ph, pw = extent
    sx, ex, sy, ey = e.window
    oy, ox = e.origin
    pix_x = ox + np.arange(pw)[:, None]  # [pw, N]
    pix_y = oy + np.arange(ph)[:, None]  # [ph, N]
    # pixels outside the window are moved far away, where they get 0
    x = np.where((pix_x >= sx) & (pix_x < ex), pix_x.astype(np.float32),
                 _FAR)
    y = np.where((pix_y >= sy) & (pix_y < ey), pix_y.astype(np.float32),
                 _FAR)
    patch = _segment_patches(x, y, e.a, e.b, e.value, sigma)
    index = (e.target * (H * W) + pix_y * W)[:, None] + pix_x
    np.maximum.at(flat, index.reshape(-1), patch.reshape(-1))


def size_splits(num_segments: int) -> int:
    """How many parts limb windows are split into, by width and then each
    part by height, to choose patch sizes: 2 x 2 for one clip's limbs, up to
    8 x 8 for many clips (about 400 segments per group), so that short or
    thin limbs are not rendered on the patch of the longest one."""
    return int(np.clip(round(np.sqrt(num_segments / 400)), 2, 8))


def _size_groups(e: _Entries) -> List[np.ndarray]:
    """Split segments into groups rendered on one patch size each (see
    :func:`size_splits`)."""
    sx, ex, sy, ey = e.window
    width, height = ex - sx, ey - sy
    parts = size_splits(len(width))
    groups = []
    for part in np.array_split(np.argsort(width, kind='stable'), parts):
        by_height = part[np.argsort(height[part], kind='stable')]
        groups += np.array_split(by_height, parts)
    return [g for g in groups if g.size]


def _render(out: np.ndarray, e: _Entries, sigma: float) -> None:
    """Draw entries into ``out`` [T, C, H, W], merging overlaps (of persons
    and of windows) by maximum.

    Args:
        out (np.ndarray): C-contiguous float32 volume, zero where drawn.
        e (_Entries): The entries (without origins).
        sigma (float): Gaussian sigma in pixels.
    """
    T, C, H, W = out.shape
    flat = out.reshape(-1)
    if len(e.target) == 0:
        return
    for g in _size_groups(e):
        part = e.take(g)
        sx, ex, sy, ey = part.window
        ph, pw = int((ey - sy).max()), int((ex - sx).max())
        # patches start at the window, moved back to stay inside the image
        part = part._replace(origin=(np.minimum(sy, H - ph),
                                     np.minimum(sx, W - pw)))
        step = max(1, _CHUNK_ELEMENTS // (ph * pw))
        for i in range(0, len(g), step):
            _draw(flat, (H, W), part.take(slice(i, i + step)), (ph, pw),
                  sigma)


def render_points(out: np.ndarray, channel: np.ndarray, kps: np.ndarray,
                  values: np.ndarray, sigma: float, eps: float) -> None:
    """Max-merge joint Gaussians into a heatmap volume.

    Every Gaussian is the outer product of a row and a column profile on a
    patch of the largest window size, zero outside its own window. Arrays
    keep the joints on their last (longest) axis, so that each numpy call
    runs long inner loops, and one ``np.maximum.at`` merges all persons.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [V] channel of each joint.
        kps (np.ndarray): float32 [M, T, V, 2] coordinates in pixels.
        values (np.ndarray): float32 [M, T, V] peak values; joints below
            ``eps`` are skipped.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values.
    """
    T, C, H, W = out.shape
    M, _, V = values.shape
    n = T * V
    xy = kps.reshape(M, n, 2).transpose(2, 0, 1)  # [2 (x, y), M, n]
    last = np.array([W - 1, H - 1], np.float32).reshape(2, 1, 1)
    # windows [lo, hi] (inclusive, mmaction's truncation), NaN -> not drawn
    lo = np.maximum(np.trunc(xy - 3 * sigma), 0)
    hi = np.minimum(np.trunc(xy + 3 * sigma), last)
    nonempty = hi >= lo
    drawn = nonempty[0] & nonempty[1]
    value = values.reshape(M, n)
    drawn &= value >= eps
    span = (hi - lo).max(axis=(1, 2), where=drawn, initial=-1)
    if span.max() < 0:
        return
    size = span + 1  # patch width and height
    # patch origins: at the window, moved back to stay inside the image
    origin = np.where(drawn, np.minimum(lo, last + 1 - size[:, None, None]),
                      0)
    offset = np.where(drawn, origin - xy, 0)  # first patch pixel - joint
    lo -= origin
    hi -= origin
    steps = np.arange(size.max(), dtype=np.float32)[:, None]
    profile = offset[:, :, None, :] + steps  # [2, M, P, n]
    profile *= profile
    profile *= np.float32(-0.5 / sigma**2)
    np.exp(profile, out=profile)
    profile *= (steps >= lo[:, :, None]) & (steps <= hi[:, :, None])
    pw, ph = (int(s) for s in size)
    gx, gy = profile[0, :, :pw], profile[1, :, :ph]
    gy *= np.where(drawn, value, 0)[:, None]
    patch = gy[:, :, None] * gx[:, None]  # [M, ph, pw, n]
    origin = origin.astype(np.intp)
    first = ((np.arange(T)[:, None] * C + np.asarray(channel)).reshape(-1) *
             (H * W) + origin[1] * W + origin[0])  # [M, n]
    index = first[:, None, None] + (np.arange(ph)[:, None, None] * W +
                                    np.arange(pw)[:, None])
    np.maximum.at(out.reshape(-1), index.reshape(-1), patch.reshape(-1))


def render_segments(out: np.ndarray, channel: np.ndarray, a: np.ndarray,
                    b: np.ndarray, va: np.ndarray, vb: np.ndarray,
                    sigma: float, eps: float) -> None:
    """Max-merge limb (segment) Gaussians into a heatmap volume.

    Args:
        out (np.ndarray): C-contiguous float32 volume [T, C, H, W], zero in
            the channels drawn.
        channel (np.ndarray): int [K] channel of each of the K segments.
        a, b (np.ndarray): float32 [M, T, K, 2] segment ends in pixels.
        va, vb (np.ndarray): float32 [M, T, K] values of the ends; a segment
            has ``min(va, vb)`` and is skipped below ``eps``. Ends less than
            a pixel apart draw the point ``a`` with ``va`` (mmaction's rule).
        sigma (float): Gaussian sigma in pixels.
        eps (float): Drawing threshold of the values.
    """
    T, C, H, W = out.shape
    point = ((a - b)**2).sum(-1, dtype=np.float32) < 1
    lo = np.where(point[..., None], a, np.minimum(a, b))
    hi = np.where(point[..., None], a, np.maximum(a, b))
    sx, ex = _windows(lo[..., 0], hi[..., 0], 3 * sigma, W)
    sy, ey = _windows(lo[..., 1], hi[..., 1], 3 * sigma, H)
    drawn = (np.minimum(va, vb) >= eps) & (ex > sx) & (ey > sy)
    value = np.where(point, va, np.minimum(va, vb))
    m, t, k = np.nonzero(drawn)
    _render(
        out,
        _Entries(t * C + np.asarray(channel)[k], a[m, t, k], b[m, t, k],
                 value[m, t, k],
                 tuple(w[m, t, k] for w in (sx, ex, sy, ey)), ()), sigma)


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

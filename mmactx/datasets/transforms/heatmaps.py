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
    grids ``x`` [N, pw], ``y`` [N, ph].

    The distance is taken to the point ``a + c (b - a)`` with the projection
    parameter ``c`` clipped to [0, 1]. ``c`` is affine in the pixel
    coordinates, so it costs one 2D addition of per-row and per-column
    terms; ``c = 0`` gives exactly the distance to ``a`` (mmaction's
    "a dominates" case). Ends less than a pixel apart get ``c = 0``: the
    Gaussian of the point ``a`` (mmaction's rule).
    """
    ax, ay, bx, by = (v[:, None] for v in (a[:, 0], a[:, 1], b[:, 0],
                                            b[:, 1]))
    abx, aby = bx - ax, by - ay
    d2_ab = abx**2 + aby**2
    inv = np.where(d2_ab < 1, np.float32(0), 1 / np.maximum(d2_ab, 1))
    dx, dy = x - ax, y - ay  # [N, pw], [N, ph]
    coeff = (dy * (aby * inv))[:, :, None] + (dx * (abx * inv))[:, None, :]
    np.clip(coeff, 0, 1, out=coeff)
    ex = coeff * abx[..., None]
    np.subtract(dx[:, None, :], ex, out=ex)
    ex *= ex
    ey = np.multiply(coeff, aby[..., None], out=coeff)
    np.subtract(dy[:, :, None], ey, out=ey)
    ey *= ey
    ex += ey
    ex *= np.float32(-0.5 / sigma**2)
    patch = np.exp(ex, out=ex)
    patch *= value[:, None, None]
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
          extent: Tuple[int, int], sigma: float, fresh: bool) -> None:
    """Render entries on patches of ``extent`` (ph, pw) and merge them.

    Args:
        flat (np.ndarray): The flattened [T, C, H, W] volume.
        hw (tuple[int, int]): (H, W).
        e (_Entries): Entries with distinct targets.
        extent (tuple[int, int]): Patch size (ph, pw), at least each window.
        sigma (float): Gaussian sigma in pixels.
        fresh (bool): The patches' pixels are still zero: write, don't
            merge.
    """
    H, W = hw
    ph, pw = extent
    sx, ex, sy, ey = e.window
    oy, ox = e.origin
    pix_x = ox[:, None] + np.arange(pw, dtype=ox.dtype)
    pix_y = oy[:, None] + np.arange(ph, dtype=oy.dtype)
    # pixels outside the window are moved far away, where they get 0
    x = np.where((pix_x >= sx[:, None]) & (pix_x < ex[:, None]),
                 pix_x.astype(np.float32), _FAR)
    y = np.where((pix_y >= sy[:, None]) & (pix_y < ey[:, None]),
                 pix_y.astype(np.float32), _FAR)
    patch = _segment_patches(x, y, e.a, e.b, e.value, sigma)
    index = (e.target * (H * W))[:, None] + pix_y * W
    index = index[:, :, None] + pix_x[:, None, :]
    if fresh:
        flat[index] = patch
    else:
        flat[index] = np.maximum(flat[index], patch)


def _size_groups(e: _Entries) -> List[np.ndarray]:
    """Split segments into groups rendered on one patch size each: by window
    width, then each half by height, so that short or thin limbs are not
    rendered on the patch of the longest one.
    """
    sx, ex, sy, ey = e.window
    width, height = ex - sx, ey - sy
    groups = []
    for half in np.array_split(np.argsort(width, kind='stable'), 2):
        by_height = half[np.argsort(height[half], kind='stable')]
        groups += np.array_split(by_height, 2)
    return [g for g in groups if g.size]


def _render(out: np.ndarray, person: np.ndarray, e: _Entries,
            sigma: float) -> None:
    """Draw entries into ``out`` [T, C, H, W], merging overlaps by maximum.

    A person's entries have distinct targets. A patch is written directly
    unless it overlaps the first person's patch of the same target (only the
    second person is checked; any further persons always merge), so most
    entries of all persons go out in one scatter per patch size, and only the
    overlapping ones are merged by maximum afterwards.

    Args:
        out (np.ndarray): C-contiguous float32 volume, zero where drawn.
        person (np.ndarray): [N] person index of each entry, ascending.
        e (_Entries): The entries (without origins).
        sigma (float): Gaussian sigma in pixels.
    """
    T, C, H, W = out.shape
    flat = out.reshape(-1)
    n = len(e.target)
    if n == 0:
        return
    groups = _size_groups(e)
    extent_h, extent_w = np.empty(n, np.int64), np.empty(n, np.int64)
    for g in groups:
        extent_w[g] = (e.window[1] - e.window[0])[g].max()
        extent_h[g] = (e.window[3] - e.window[2])[g].max()
    # patches start at the window, moved back to stay inside the image
    oy = np.minimum(e.window[2], H - extent_h)
    ox = np.minimum(e.window[0], W - extent_w)
    itype = np.int32 if flat.size < 2**31 else np.int64
    e = e._replace(
        target=e.target.astype(itype),
        origin=(oy.astype(itype), ox.astype(itype)))

    fresh = person == 0
    first = np.full((T * C, 4), -1, np.int64)
    first[e.target[fresh]] = np.stack(
        [oy, ox, oy + extent_h, ox + extent_w], 1)[fresh]
    second = np.flatnonzero(person == 1)
    r = first[e.target[second]]
    fresh[second] = (r[:, 0] < 0) | (oy[second] >= r[:, 2]) | (
        oy[second] + extent_h[second] <= r[:, 0]) | (
            ox[second] >= r[:, 3]) | (ox[second] + extent_w[second] <= r[:, 1])

    # all direct writes first, then the merges, in person order
    for is_fresh in (True, False):
        for g in groups:
            part = g[fresh[g] == is_fresh]
            if part.size == 0:
                continue
            extent = (int(extent_h[part[0]]), int(extent_w[part[0]]))
            step = max(1, _CHUNK_ELEMENTS // (extent[0] * extent[1]))
            if not is_fresh:
                # merge one person at a time: a person's targets are unique
                rounds = [part[person[part] == m]
                          for m in np.unique(person[part])]
            else:
                rounds = [part]
            for sel in rounds:
                for i in range(0, sel.size, step):
                    _draw(flat, (H, W), e.take(sel[i:i + step]), extent,
                          sigma, is_fresh)


def render_points(out: np.ndarray, channel: np.ndarray, kps: np.ndarray,
                  values: np.ndarray, sigma: float, eps: float) -> None:
    """Max-merge joint Gaussians into a heatmap volume.

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
    x, y = kps[..., 0], kps[..., 1]
    sx, ex = _windows(x, x, 3 * sigma, W)
    sy, ey = _windows(y, y, 3 * sigma, H)
    drawn = (values >= eps) & (ex > sx) & (ey > sy)
    m, t, k = np.nonzero(drawn)
    if m.size == 0:
        return
    # Joint windows are at most a few pixels wide: every Gaussian goes on a
    # patch of the largest window size, zero outside its own window, as a
    # separable outer product; patch pixel (dy, dx) sits at a constant
    # offset from the patch's first pixel in the flat volume.
    sx, ex, sy, ey = (w[m, t, k] for w in (sx, ex, sy, ey))
    pw, ph = int((ex - sx).max()), int((ey - sy).max())
    ox, oy = np.minimum(sx, W - pw), np.minimum(sy, H - ph)
    px = ox[:, None] + np.arange(pw)
    py = oy[:, None] + np.arange(ph)
    a = kps[m, t, k]
    k2 = np.float32(-0.5 / sigma**2)
    gx = np.exp((px.astype(np.float32) - a[:, :1])**2 * k2)
    gx *= (px >= sx[:, None]) & (px < ex[:, None])
    gy = np.exp((py.astype(np.float32) - a[:, 1:])**2 * k2)
    gy *= (py >= sy[:, None]) & (py < ey[:, None])
    gy *= values[m, t, k][:, None]
    patch = gy[:, :, None] * gx[:, None, :]
    itype = np.int32 if out.size < 2**31 else np.int64
    first = ((t * C + np.asarray(channel)[k]) * (H * W) + oy * W +
             ox).astype(itype)
    index = first[:, None, None] + (np.arange(ph, dtype=itype)[:, None] * W +
                                    np.arange(pw, dtype=itype))
    flat = out.reshape(-1)
    # a person's Gaussians never overlap (one per frame and channel): write
    # the first person's, then merge each other person's by maximum
    for person in np.unique(m):
        sel = m == person
        if person == m[0]:
            flat[index[sel]] = patch[sel]
        else:
            flat[index[sel]] = np.maximum(flat[index[sel]], patch[sel])


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
        out, m,
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

"""Pseudo-heatmap volumes rendered with torch, on the model's device.

The same volumes as the CPU transform
:class:`mmactx.datasets.transforms.GeneratePoseTarget` (same windows, same
float32 arithmetic, merged by maximum; values agree to float32 rounding),
for a whole batch of clips at once, so that only keypoints travel through
the DataLoader: about 20 KB per training sample instead of a 10 MB volume.

Layout: clips come as ``[N, M, T, V, 3]`` (x, y in pixels, score) and the
volume goes out as ``[N, C, T, H, W]``, what ``FormatShape('NCTHW_Heatmap')``
gives the CPU path.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor

from mmactx.datasets.transforms.heatmaps import size_splits

# Pixel coordinate that puts masked pixels far from every segment: their
# Gaussian underflows to exactly 0 (as on the CPU).
_FAR = 1e4
# Smallest exponent evaluated (see _segment_patches).
_EXP_FLOOR = -60.
# Bound on the limb patch pixels rendered at once.
_CHUNK_ELEMENTS = 1 << 22


def _flat_targets(N: int, T: int, channel: Tensor, C: int, HW: int,
                  device) -> Tensor:
    """Flat offset of image (n, channel[k], t) in an [N, C, T, H, W] volume,
    for every (n, t, k) in that order: [N * T * K]."""
    n = torch.arange(N, device=device).view(N, 1, 1)
    t = torch.arange(T, device=device).view(1, T, 1)
    c = channel.view(1, 1, -1)
    return (((n * C + c) * T + t) * HW).reshape(-1)


def render_points(out: Tensor, channel: Tensor, kps: Tensor, values: Tensor,
                  sigma: float, eps: float) -> None:
    """Max-merge joint Gaussians into ``out`` [N, C, T, H, W] (zero where
    drawn): the torch twin of the CPU ``render_points``.

    Args:
        out (Tensor): float32 volume, contiguous.
        channel (Tensor): long [V] channel of each joint.
        kps (Tensor): float32 [N, M, T, V, 2] pixel coordinates.
        values (Tensor): float32 [N, M, T, V] peak values.
        sigma (float): Gaussian sigma in pixels.
        eps (float): Joints with values below it are skipped.
    """
    N, C, T, H, W = out.shape
    M, V = kps.shape[1], kps.shape[3]
    n = N * T * V
    xy = kps.permute(4, 1, 0, 2, 3).reshape(2, M, n)  # [2 (x, y), M, n]
    value = values.permute(1, 0, 2, 3).reshape(M, n)
    last = torch.tensor([W - 1, H - 1], dtype=kps.dtype,
                        device=kps.device).view(2, 1, 1)
    lo = torch.clamp(torch.trunc(xy - 3 * sigma), min=0)
    hi = torch.minimum(torch.trunc(xy + 3 * sigma), last)
    nonempty = hi >= lo
    drawn = nonempty[0] & nonempty[1] & (value >= eps)
    span = torch.where(drawn, hi - lo, torch.full_like(lo, -1)).amax((1, 2))
    pw, ph = (int(s) + 1 for s in span.tolist())
    if pw <= 0 or ph <= 0:
        return
    size = torch.tensor([pw, ph], dtype=kps.dtype,
                        device=kps.device).view(2, 1, 1)
    zero = torch.zeros((), dtype=kps.dtype, device=kps.device)
    origin = torch.where(drawn, torch.minimum(lo, last + 1 - size), zero)
    offset = torch.where(drawn, origin - xy, zero)
    lo = lo - origin
    hi = hi - origin
    steps = torch.arange(max(pw, ph), dtype=kps.dtype,
                         device=kps.device).view(-1, 1)
    profile = offset[:, :, None, :] + steps  # [2, M, P, n]
    profile = profile * profile
    profile *= torch.tensor(-0.5 / sigma**2, dtype=kps.dtype)
    profile.exp_()
    profile *= (steps >= lo[:, :, None]) & (steps <= hi[:, :, None])
    gx, gy = profile[0, :, :pw], profile[1, :, :ph]
    gy = gy * torch.where(drawn, value, zero)[:, None]
    patch = gy[:, :, None] * gx[:, None]  # [M, ph, pw, n]
    origin = origin.long()
    first = (_flat_targets(N, T, channel, C, H * W, kps.device) +
             origin[1] * W + origin[0])  # [M, n]
    rows = torch.arange(ph, device=kps.device).view(-1, 1, 1) * W
    cols = torch.arange(pw, device=kps.device).view(-1, 1)
    index = first[:, None, None] + (rows + cols)
    out.view(-1).scatter_reduce_(0, index.reshape(-1), patch.reshape(-1),
                                 'amax')


def _segment_patches(x: Tensor, y: Tensor, a: Tensor, b: Tensor,
                     value: Tensor, sigma: float) -> Tensor:
    """Gaussians of the distance to segments ``a``-``b`` [K, 2] on pixel
    grids ``x`` [pw, K], ``y`` [ph, K]: [ph, pw, K] (see the CPU twin)."""
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    abx, aby = bx - ax, by - ay
    d2_ab = abx**2 + aby**2
    inv = torch.where(d2_ab < 1, torch.zeros_like(d2_ab),
                      1 / torch.clamp(d2_ab, min=1))
    dx, dy = x - ax, y - ay
    coeff = (dy * (aby * inv))[:, None] + dx * (abx * inv)
    coeff.clamp_(0, 1)
    ex = dx - coeff * abx
    ex = ex * ex
    ey = dy[:, None] - coeff * aby
    ex += ey * ey
    ex *= torch.tensor(-0.5 / sigma**2, dtype=x.dtype)
    # torch's CPU exp is many times slower on very negative arguments (far
    # and masked pixels); below -60 the Gaussian is < 1e-26 anyway
    ex.clamp_(min=_EXP_FLOOR)
    return ex.exp_() * value


def _windows(lo: Tensor, hi: Tensor, reach: float,
             size: int) -> Tuple[Tensor, Tensor]:
    """``[start, end)`` windows with the CPU's truncation rules."""
    start = torch.clamp(torch.trunc(lo - reach), min=0).long()
    end = torch.clamp(torch.trunc(hi + reach), max=size - 1).long() + 1
    return start, end


def render_segments(out: Tensor, channel: Tensor, a: Tensor, b: Tensor,
                    va: Tensor, vb: Tensor, sigma: float, eps: float) -> None:
    """Max-merge limb Gaussians into ``out`` [N, C, T, H, W]: the torch twin
    of the CPU ``render_segments``.

    Args:
        channel (Tensor): long [L] channel of each limb.
        a, b (Tensor): float32 [N, M, T, L, 2] limb ends in pixels.
        va, vb (Tensor): float32 [N, M, T, L] values of the ends.
    """
    N, C, T, H, W = out.shape
    point = ((a - b)**2).sum(-1) < 1
    lo = torch.where(point[..., None], a, torch.minimum(a, b))
    hi = torch.where(point[..., None], a, torch.maximum(a, b))
    sx, ex = _windows(lo[..., 0], hi[..., 0], 3 * sigma, W)
    sy, ey = _windows(lo[..., 1], hi[..., 1], 3 * sigma, H)
    drawn = (torch.minimum(va, vb) >= eps) & (ex > sx) & (ey > sy)
    value = torch.where(point, va, torch.minimum(va, vb))
    idx = drawn.nonzero()  # rows (n, m, t, l)
    if idx.numel() == 0:
        return
    n, m, t, k = idx.unbind(1)
    target = ((n * C + channel[k]) * T + t) * (H * W)
    sx, ex, sy, ey = (w[n, m, t, k] for w in (sx, ex, sy, ey))
    a, b, value = a[n, m, t, k], b[n, m, t, k], value[n, m, t, k]
    # patch-size groups: by window width, then each part by height
    width, height = ex - sx, ey - sy
    parts = size_splits(width.numel())
    groups = []
    for part in torch.argsort(width, stable=True).tensor_split(parts):
        by_height = part[torch.argsort(height[part], stable=True)]
        groups += list(by_height.tensor_split(parts))
    flat = out.view(-1)
    for g in groups:
        if g.numel() == 0:
            continue
        pw, ph = int(width[g].max()), int(height[g].max())
        oy = torch.clamp(sy[g], max=H - ph)
        ox = torch.clamp(sx[g], max=W - pw)
        step = max(1, _CHUNK_ELEMENTS // (ph * pw))
        for i in range(0, g.numel(), step):
            s = slice(i, i + step)
            e = g[s]
            pix_x = ox[s] + torch.arange(pw, device=out.device).view(-1, 1)
            pix_y = oy[s] + torch.arange(ph, device=out.device).view(-1, 1)
            x = torch.where((pix_x >= sx[e]) & (pix_x < ex[e]),
                            pix_x.to(a.dtype), torch.full((), _FAR))
            y = torch.where((pix_y >= sy[e]) & (pix_y < ey[e]),
                            pix_y.to(a.dtype), torch.full((), _FAR))
            patch = _segment_patches(x, y, a[e], b[e], value[e], sigma)
            index = (target[e] + pix_y * W)[:, None] + pix_x
            flat.scatter_reduce_(0, index.reshape(-1), patch.reshape(-1),
                                 'amax')


class HeatmapRenderer:
    """Joint and/or limb volumes of keypoint clips, with the arguments of
    ``GeneratePoseTarget`` (see there).

    ``renderer(clips, img_shape)`` takes clips [N, M, T, V, 3] (x, y,
    score; persons padded with NaN coordinates are not drawn) and returns
    the float32 volumes [N, C, T, H', W'] on the clips' device, C = V
    (joints) + L (limbs); :meth:`mirror` gives the flip-test copies.
    """

    def __init__(self, **kwargs) -> None:
        # the CPU transform owns the arguments, their checks and defaults,
        # and the flip order
        from mmactx.datasets.transforms.heatmaps import GeneratePoseTarget
        self.spec = GeneratePoseTarget(**kwargs)

    @property
    def double(self) -> bool:
        return self.spec.double

    def output_shape(self, img_shape: Sequence[int]) -> Tuple[int, int]:
        s = self.spec.scaling
        return int(img_shape[0] * s + 0.5), int(img_shape[1] * s + 0.5)

    def __call__(self, clips: Tensor, img_shape: Sequence[int]) -> Tensor:
        spec = self.spec
        kps = clips[..., :2].float() * spec.scaling
        N, M, T, V = kps.shape[:4]
        values = (clips[..., 2].float() if spec.use_score else
                  torch.ones(kps.shape[:4], device=clips.device))
        # padding persons (NaN coordinates) are not drawn
        valid = torch.isfinite(kps).all(-1)
        kps = torch.where(valid[..., None], kps, 0.)
        values = torch.where(valid, values, 0.)
        h, w = self.output_shape(img_shape)
        num_c = V * spec.with_kp + len(spec.skeletons) * spec.with_limb
        out = torch.zeros((N, num_c, T, h, w), device=clips.device)
        if spec.with_kp:
            render_points(out, torch.arange(V, device=clips.device), kps,
                          values, spec.sigma, spec.eps)
        if spec.with_limb:
            ia, ib = (torch.tensor(i, device=clips.device)
                      for i in zip(*spec.skeletons))
            render_segments(
                out, V * spec.with_kp + torch.arange(len(ia),
                                                     device=clips.device),
                kps[:, :, :, ia], kps[:, :, :, ib], values[:, :, :, ia],
                values[:, :, :, ib], spec.sigma, spec.eps)
        return out

    def mirror(self, volume: Tensor, num_joints: int) -> Tensor:
        """The horizontally flipped volumes [N, C, T, H, W] (channels of
        left and right parts swapped), as the CPU ``double`` adds them."""
        order = torch.as_tensor(self.spec.flip_index(num_joints),
                                device=volume.device)
        return volume.flip(-1).index_select(1, order)

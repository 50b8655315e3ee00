"""Differentiable pose read-out of Luvizon et al. (CVPR'18 "2D/3D Pose
Estimation and Action Recognition using Multitask Deep Learning", TPAMI'20
"Multi-task Deep Learning for Real-Time 3D Human Pose Estimation and Action
Recognition"): spatial softmax, soft-argmax, heatmap confidence, depth and
the CVPR'18 context aggregation, as torch functions batched over leading
dimensions, plus a small head that applies them to a feature map.

Coordinates are normalised to [0, 1]: x along the width, y along the height,
z along the depth bins. Pixel (row i, column k) of an H x W map sits at
``(k / (W - 1), i / (H - 1))``: the paper's fixed ``linspace(0, 1, W)`` grid,
so the first and last pixel centres are 0 and 1. Depth bin k of D sits at
``(k + 0.5) / D``.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.registry import MODELS


def _check_map(maps: Tensor, name: str, min_dims: int = 2) -> None:
    """Refuse tensors with fewer than ``min_dims`` dims or a map side < 2."""
    if maps.dim() < min_dims:
        raise ValueError(f'{name} must have at least {min_dims} dims '
                         f'(last two: H, W), got shape '
                         f'{tuple(maps.shape)}')
    if maps.shape[-1] < 2 or maps.shape[-2] < 2:
        raise ValueError(f'{name} needs H >= 2 and W >= 2 for the '
                         f'linspace(0, 1, .) grids, got shape '
                         f'{tuple(maps.shape)}')


def spatial_softmax(logits: Tensor) -> Tensor:
    """Softmax over the last two dims together.

    Args:
        logits (Tensor): Heatmap logits [..., H, W].

    Returns:
        Tensor: Probabilities [..., H, W]; each map sums to 1.
    """
    if logits.dim() < 2:
        raise ValueError(f'logits must have at least 2 dims [..., H, W], '
                         f'got shape {tuple(logits.shape)}')
    flat = logits.reshape(*logits.shape[:-2], -1)
    return flat.softmax(dim=-1).reshape(logits.shape)


def soft_argmax_2d(probs: Tensor) -> Tensor:
    """Expected (x, y) of probability maps on the paper's grids.

    The expectation is taken over ``linspace(0, 1, W)`` for x and
    ``linspace(0, 1, H)`` for y, computed as ``k / (W - 1)`` and
    ``i / (H - 1)``, so a delta at column k, row i reads
    ``(k / (W - 1), i / (H - 1))`` exactly.

    mmpose 1.3.2's ``IntegralRegressionHead`` (and ``DSNTHead``, which
    inherits its grids) uses ``torch.arange(0, W) / W`` and
    ``torch.arange(0, H) / H`` instead (pixel k at ``k / W``; the last pixel
    reads ``(W - 1) / W``, not 1). For the same map the two read-outs are
    related by the affine (here linear) map
    ``x_mmpose = x * (W - 1) / W`` and ``y_mmpose = y * (H - 1) / H``
    (before mmpose's optional ``debias`` correction).

    Args:
        probs (Tensor): Probability maps [..., H, W] (non-negative, each
            summing to 1, e.g. from :func:`spatial_softmax`; not checked).

    Returns:
        Tensor: Coordinates [..., 2], (x, y) in [0, 1] (fractions of the
        span between the first and last pixel centres).
    """
    _check_map(probs, 'probs')
    height, width = probs.shape[-2:]
    # k / (W - 1), correctly rounded (linspace may be off by an ulp)
    grid_x = torch.arange(width, dtype=probs.dtype,
                          device=probs.device) / (width - 1)
    grid_y = torch.arange(height, dtype=probs.dtype,
                          device=probs.device) / (height - 1)
    x = (probs.sum(dim=-2) * grid_x).sum(dim=-1)
    y = (probs.sum(dim=-1) * grid_y).sum(dim=-1)
    return torch.stack([x, y], dim=-1)


def soft_argmax_1d(probs: Tensor) -> Tensor:
    """Expected position of a distribution over D bins centred at
    ``(k + 0.5) / D`` (the CVPR'18 volumetric depth).

    Args:
        probs (Tensor): Probabilities [..., D] (summing to 1; not checked).

    Returns:
        Tensor: Positions [...] in [0.5 / D, 1 - 0.5 / D] (fractions of the
        depth span).
    """
    if probs.dim() < 1 or probs.shape[-1] < 1:
        raise ValueError(f'probs must be [..., D] with D >= 1, got shape '
                         f'{tuple(probs.shape)}')
    bins = probs.shape[-1]
    centres = (torch.arange(bins, dtype=probs.dtype, device=probs.device)
               + 0.5) / bins
    return (probs * centres).sum(dim=-1)


def heatmap_visibility(maps: Tensor) -> Tensor:
    """The paper's joint confidence: the largest mass in any 2 x 2 window,
    ``max_uv 4 * avg_pool2d(map, 2, stride=1)``.

    The map is taken as given. TPAMI'20 (SPNet) applies it to the softmaxed
    heatmap, where it lies in [0, 1]: 1 for a delta, ``4 / (H W)`` for a
    flat map. The deephar summary this follows says CVPR'18's reception.py
    applies it to the raw (logit) map, where it is unbounded; note that one
    stored version of deephar's reception code reads the 2D confidence as
    ``sigmoid(max_uv map)`` instead (not implemented here).

    Args:
        maps (Tensor): Maps [..., H, W] (probabilities or logits).

    Returns:
        Tensor: Confidences [...].
    """
    _check_map(maps, 'maps')
    flat = maps.reshape(-1, 1, *maps.shape[-2:])
    pooled = 4 * F.avg_pool2d(flat, kernel_size=2, stride=1)
    return pooled.flatten(1).amax(dim=1).reshape(maps.shape[:-2])


def depth_from_maps(depth_logits: Tensor, probs: Tensor) -> Tensor:
    """TPAMI'20 depth: ``z = sum_uv sigmoid(D(u, v)) * H(u, v)``, the depth
    map's sigmoid averaged under the joint's heatmap.

    Args:
        depth_logits (Tensor): Depth maps D [..., H, W] (logits).
        probs (Tensor): Heatmaps H [..., H, W] (probabilities summing to 1).

    Returns:
        Tensor: Depths [...] in (0, 1) (fractions of the depth span; TPAMI
        spans root depth +- 1000 mm).
    """
    if depth_logits.shape != probs.shape:
        raise ValueError(f'depth maps {tuple(depth_logits.shape)} and '
                         f'heatmaps {tuple(probs.shape)} must have the same '
                         f'shape')
    _check_map(probs, 'probs')
    return (depth_logits.sigmoid() * probs).sum(dim=(-2, -1))


def read_pose(logits: Tensor,
              depth_logits: Optional[Tensor] = None) -> Dict[str, Tensor]:
    """The TPAMI pose read-out of heatmap logits (and depth-map logits):
    what an SPNet prediction block outputs.

    Args:
        logits (Tensor): Heatmap logits [N, J, h, w].
        depth_logits (Tensor, optional): Depth-map logits [N, J, h, w].

    Returns:
        dict[str, Tensor]: ``heatmaps`` [N, J, h, w] (the spatial softmax),
        ``coords`` [N, J, 2] (soft-argmax x, y in [0, 1]) or [N, J, 3] with
        ``z = depth_from_maps(depth_logits, heatmaps)``, and
        ``visibility`` [N, J] (:func:`heatmap_visibility`).
    """
    heatmaps = spatial_softmax(logits)
    coords = soft_argmax_2d(heatmaps)
    if depth_logits is not None:
        z = depth_from_maps(depth_logits, heatmaps)
        coords = torch.cat([coords, z[..., None]], dim=-1)
    return dict(coords=coords, visibility=heatmap_visibility(heatmaps),
                heatmaps=heatmaps)


def volumetric_read_out(logits: Tensor) -> Tensor:
    """CVPR'18 3D read-out of volumetric heatmaps.

    The softmax runs over the whole volume. Its marginals give the
    coordinates: the sum over depth is the xy map, read by
    :func:`soft_argmax_2d`; the sum over the image is the depth
    distribution, read by :func:`soft_argmax_1d` (bin centres
    ``(k + 0.5) / Dz``).

    Args:
        logits (Tensor): Volumetric logits [..., Dz, H, W].

    Returns:
        Tensor: Coordinates [..., 3], (x, y, z) in [0, 1].
    """
    _check_map(logits, 'logits', min_dims=3)
    flat = logits.reshape(*logits.shape[:-3], -1)
    probs = flat.softmax(dim=-1).reshape(logits.shape)
    xy = soft_argmax_2d(probs.sum(dim=-3))
    z = soft_argmax_1d(probs.sum(dim=(-2, -1)))
    return torch.cat([xy, z[..., None]], dim=-1)


def aggregate_context_maps(spec: Tensor, context: Tensor,
                           context_visibility: Tensor,
                           alpha: float = 0.8) -> Tensor:
    """CVPR'18 context aggregation (fixed, not trained):
    ``p = alpha * p_spec + (1 - alpha) * sum_c v_c p_c / sum_c v_c``.

    Where all the context visibilities of a joint are 0, the context term
    is their plain mean rather than 0 / 0.

    Args:
        spec (Tensor): Coordinates of the specialised map [..., D].
        context (Tensor): Coordinates of the C context maps [..., C, D].
        context_visibility (Tensor): Their visibilities v_c [..., C]
            (non-negative).
        alpha (float): Weight of the specialised map, in [0, 1].
            Defaults to 0.8 (the paper's).

    Returns:
        Tensor: Aggregated coordinates [..., D].
    """
    if not 0 <= alpha <= 1:
        raise ValueError(f'alpha must be in [0, 1], got {alpha}')
    if (context.dim() != spec.dim() + 1
            or context.shape[:-2] != spec.shape[:-1]
            or context.shape[-1] != spec.shape[-1]
            or context_visibility.shape != context.shape[:-1]):
        raise ValueError(f'expected spec [..., D], context [..., C, D] and '
                         f'context_visibility [..., C], got '
                         f'{tuple(spec.shape)}, {tuple(context.shape)} and '
                         f'{tuple(context_visibility.shape)}')
    num_context = context.shape[-2]
    total = context_visibility.sum(dim=-1, keepdim=True)
    tiny = torch.finfo(total.dtype).tiny
    weights = torch.where(total > 0,
                          context_visibility / total.clamp_min(tiny),
                          torch.full_like(context_visibility,
                                          1. / num_context))
    context_mean = (weights[..., None] * context).sum(dim=-2)
    return alpha * spec + (1 - alpha) * context_mean


@MODELS.register_module()
class SoftArgmaxPoseHead(BaseModule):
    """Heatmaps and their soft-argmax from a feature map (the prediction
    block's read-out of Luvizon et al.).

    A 1x1 conv gives J heatmap logits; their spatial softmax is read by
    :func:`soft_argmax_2d` and :func:`heatmap_visibility`. With
    ``with_depth`` a second 1x1 conv gives J depth maps read by
    :func:`depth_from_maps` (TPAMI'20).

    Args:
        in_channels (int): Channels C of the input features.
        num_joints (int): Number of joints J.
        with_depth (bool): Also predict z. Defaults to False.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self, in_channels: int, num_joints: int,
                 with_depth: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1 or num_joints < 1:
            raise ValueError(f'in_channels and num_joints must be >= 1, got '
                             f'{in_channels} and {num_joints}')
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.with_depth = with_depth
        self.heatmap_conv = nn.Conv2d(in_channels, num_joints, 1)
        self.depth_conv = (nn.Conv2d(in_channels, num_joints, 1)
                           if with_depth else None)

    def forward(self, feats: Tensor) -> Dict[str, Tensor]:
        """Read the pose out of features.

        Args:
            feats (Tensor): Features [N, C, H, W] (H, W >= 2).

        Returns:
            dict[str, Tensor]: ``coords`` [N, J, 2] (x, y) or [N, J, 3]
            (x, y, z), all in [0, 1]; ``visibility`` [N, J] in [0, 1] (the
            confidence of the softmaxed heatmaps); ``heatmaps`` [N, J, H, W]
            (softmaxed, each summing to 1).
        """
        if feats.dim() != 4 or feats.shape[1] != self.in_channels:
            raise ValueError(f'expected features [N, {self.in_channels}, H, '
                             f'W], got shape {tuple(feats.shape)}')
        heatmaps = spatial_softmax(self.heatmap_conv(feats))
        coords = soft_argmax_2d(heatmaps)
        if self.depth_conv is not None:
            z = depth_from_maps(self.depth_conv(feats), heatmaps)
            coords = torch.cat([coords, z[..., None]], dim=-1)
        return dict(coords=coords, visibility=heatmap_visibility(heatmaps),
                    heatmaps=heatmaps)

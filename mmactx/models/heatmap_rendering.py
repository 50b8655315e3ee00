"""Pseudo-heatmap volumes rendered with torch, on the model's device.

The same volumes as the CPU transform ``GeneratePoseTarget`` (the same rules
and the same renderer, :mod:`mmactx.rendering`; values agree to float32
rounding), for a whole batch of clips at once, so that only keypoints travel
through the DataLoader: about 20 KB per training sample instead of a 10 MB
volume.

Layout: clips come as ``[N, M, T, V, 3]`` (x, y in pixels, score) and the
volume goes out as ``[N, C, T, H, W]``, what ``FormatShape('NCTHW_Heatmap')``
gives the CPU path.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor

from mmactx.rendering import render
from mmactx.rendering.rules import (TORCH_CPU_BUDGET, TORCH_GPU_BUDGET,
                                    HeatmapSpec, RenderBudget)


def budget_for(device: torch.device) -> RenderBudget:
    """The rendering budget of a device: the CPU's, or a GPU's."""
    return TORCH_CPU_BUDGET if device.type == 'cpu' else TORCH_GPU_BUDGET


class HeatmapRenderer:
    """Joint and/or limb volumes of keypoint clips, with the arguments of
    ``GeneratePoseTarget`` (:class:`~mmactx.rendering.rules.HeatmapSpec`).

    ``renderer(clips, img_shape)`` takes clips [N, M, T, V, 3] (x, y,
    score; persons padded with NaN coordinates are not drawn) and returns
    the float32 volumes [N, C, T, H', W'] on the clips' device, C = V
    (joints) + L (limbs); :meth:`mirror` gives the flip-test copies.
    """

    def __init__(self, **kwargs) -> None:
        self.spec = HeatmapSpec(**kwargs)

    @property
    def double(self) -> bool:
        return self.spec.double

    def output_shape(self, img_shape: Sequence[int]) -> Tuple[int, int]:
        """``(H', W')`` of the volumes of an ``img_shape`` ``(h, w)``."""
        return self.spec.output_shape(img_shape)

    def __call__(self, clips: Tensor, img_shape: Sequence[int]) -> Tensor:
        spec = self.spec
        x, y, value = render.keypoint_inputs(clips[..., 0], clips[..., 1],
                                             clips[..., 2], spec)
        N, _, T, V = x.shape
        h, w = self.output_shape(img_shape)
        num_c = spec.num_channels(V)
        out = torch.zeros((N, num_c, T, h, w), device=clips.device)
        # flat offset of image (n, channel 0, t)
        n = torch.arange(N, device=clips.device).view(N, 1, 1)
        t = torch.arange(T, device=clips.device).view(1, 1, T)
        frame_offset = (n * num_c * T + t) * (h * w)
        render.render_heatmaps(out.view(-1), frame_offset, T * h * w, x, y,
                               value, spec, h, w, budget_for(clips.device))
        return out

    def mirror(self, volume: Tensor, num_joints: int) -> Tensor:
        """The horizontally flipped volumes [N, C, T, H, W] (channels of
        left and right parts swapped), as the CPU ``double`` adds them."""
        order = torch.tensor(self.spec.flip_index(num_joints)).to(
            volume.device, non_blocking=True)
        return volume.flip(-1).index_select(1, order)

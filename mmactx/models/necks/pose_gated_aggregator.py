"""IntegralAction's pose-driven integration of the RGB and pose streams."""
from typing import Dict, Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.registry import MODELS


class _Projection(nn.Sequential):
    """1x1 convolution + BatchNorm + ReLU on pooled features [N, C, 1, 1],
    then LayerNorm over [C, 1, 1] when ``norm``."""

    def __init__(self, in_channels: int, channels: int, norm: bool) -> None:
        layers = [nn.Conv2d(in_channels, channels, 1),
                  nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
        if norm:
            layers.append(nn.LayerNorm([channels, 1, 1]))
        super().__init__(*layers)


@MODELS.register_module()
class PoseGatedAggregator(BaseModule):
    """Per frame, fuse appearance A and pose P features: with ``gated``,
    ``F = g * LN(P') + (1 - g) * LN(A')``, the channel-wise gate
    ``g = sigmoid(FC(P))`` computed from the pose feature alone (the pose
    stream decides how much appearance passes); without, the static sum
    ``F = A' + P'``. ``A'`` and ``P'`` are each stream's 1x1 convolution +
    BatchNorm + ReLU on its globally average-pooled feature.

    Args:
        in_channels (int): Channels of both streams' features. Defaults to
            512 (ResNet-18).
        channels (int): Channels of the fused feature. Defaults to 512.
        gated (bool): The pose-driven gate (IntegralAction); False gives
            the static sum. Defaults to True.
        init_cfg (dict, optional): mmengine initialisation; the default
            draws weights from N(0, 0.01) and sets biases to 0 (the
            reference's, for a fresh aggregator in stage 3).
    """

    def __init__(self, in_channels: int = 512, channels: int = 512,
                 gated: bool = True,
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer=['Linear', 'Conv2d'], std=0.01,
                     bias=0.)) -> None:
        super().__init__(init_cfg=init_cfg)
        if gated and in_channels != channels:
            raise ValueError(f'the gate weighs the pose feature '
                             f'({in_channels}) channel by channel against '
                             f'{channels} fused channels: they must match')
        self.gated = gated
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.rgb = _Projection(in_channels, channels, norm=gated)
        self.pose = _Projection(in_channels, channels, norm=gated)
        self.gate = nn.Linear(in_channels, channels) if gated else None

    def forward(self, rgb: Tensor, pose: Tensor) -> Dict[str, Tensor]:
        """Features [N x T, C, h, w] of each stream, frame by frame.

        Returns:
            dict: ``feature`` [N x T, channels, 1, 1], the fused feature,
            and with ``gated`` ``gate`` [N x T, channels] in (0, 1).
        """
        a, p = self.pool(rgb), self.pool(pose)
        a_proj, p_proj = self.rgb(a), self.pose(p)
        if not self.gated:
            return dict(feature=a_proj + p_proj)
        gate = torch.sigmoid(self.gate(p.flatten(1)))
        g = gate[:, :, None, None]
        return dict(feature=g * p_proj + (1 - g) * a_proj, gate=gate)


def gate_loss(gate: Tensor, weight: float) -> Tensor:
    """IntegralAction's regulariser: ``weight * BCE(g, 1) = -weight *
    log g``, averaged over the gate's elements; it pushes the model to
    trust pose (weight 1.5 as published, 5.0 the paper's other setting).
    ``log`` is floored at -100, as torch's BCE does."""
    return -weight * torch.clamp(torch.log(gate), min=-100.).mean()

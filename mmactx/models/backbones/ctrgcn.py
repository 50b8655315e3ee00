"""CTR-GCN (Chen et al., ICCV 2021), the pose branch of EPP-Net.

mmaction2 1.2.0 has no CTR-GCN. The layers, channels, strides and
initialisation follow the published model (see the EPP-Net brief): a data
BatchNorm over M*V*C, ten TCN-GCN units, channel-wise topology refinement
graph convolutions over the 3-subset spatial graph, multi-scale temporal
convolutions. Tensor layout: input [N, M, T, V, C], output
[N, M, C', T', V], which mmaction's ``RecognizerGCN`` and ``GCNHead`` take.
"""
from typing import Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmactx.registry import MODELS
from mmactx.skeletons import SkeletonLayout
from ..graph import spatial_graph


def _conv_init(conv: nn.Conv2d) -> None:
    nn.init.kaiming_normal_(conv.weight, mode='fan_out')
    if conv.bias is not None:
        nn.init.constant_(conv.bias, 0)


def _bn_init(bn: nn.BatchNorm2d, scale: float) -> None:
    nn.init.constant_(bn.weight, scale)
    nn.init.constant_(bn.bias, 0)


class TemporalConv(nn.Sequential):
    """Temporal convolution (kernel k x 1, dilated) + BatchNorm."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, dilation: int = 1) -> None:
        pad = (kernel_size + (kernel_size - 1) * (dilation - 1) - 1) // 2
        super().__init__(
            nn.Conv2d(in_channels, out_channels, (kernel_size, 1),
                      padding=(pad, 0), stride=(stride, 1),
                      dilation=(dilation, 1)),
            nn.BatchNorm2d(out_channels))


class MultiScaleTemporalConv(nn.Module):
    """Branches of dilated temporal convolutions, a max-pool branch and a
    1x1 branch, each with ``out_channels / branches`` channels,
    concatenated (no residual inside: the TCN-GCN unit adds it)."""

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 5, stride: int = 1,
                 dilations: Sequence[int] = (1, 2)) -> None:
        super().__init__()
        branches = len(dilations) + 2
        if out_channels % branches:
            raise ValueError(f'out_channels {out_channels} is not divisible '
                             f'by the {branches} branches')
        mid = out_channels // branches

        def entry():
            return [nn.Conv2d(in_channels, mid, 1), nn.BatchNorm2d(mid)]

        self.branches = nn.ModuleList([
            nn.Sequential(*entry(), nn.ReLU(inplace=True),
                          TemporalConv(mid, mid, kernel_size, stride, d))
            for d in dilations
        ])
        self.branches.append(
            nn.Sequential(*entry(), nn.ReLU(inplace=True),
                          nn.MaxPool2d((3, 1), (stride, 1), (1, 0)),
                          nn.BatchNorm2d(mid)))
        self.branches.append(
            nn.Sequential(
                nn.Conv2d(in_channels, mid, 1, stride=(stride, 1)),
                nn.BatchNorm2d(mid)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class CTRGC(nn.Module):
    """Channel-wise topology refinement graph convolution of one subset.

    A per-channel topology ``alpha * conv(tanh(x1_u - x2_v)) + A`` (x1, x2
    time-pooled 1x1 projections to ``rel`` channels) aggregates the 1x1
    projection of the features over the joints.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        # the published sizes: 8 relation channels for raw 3 / 9-channel
        # input, in/8 otherwise
        rel = 8 if in_channels in (3, 9) else in_channels // 8
        self.conv1 = nn.Conv2d(in_channels, rel, 1)
        self.conv2 = nn.Conv2d(in_channels, rel, 1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, 1)
        self.conv4 = nn.Conv2d(rel, out_channels, 1)

    def forward(self, x: torch.Tensor, a: torch.Tensor,
                alpha: torch.Tensor) -> torch.Tensor:
        x1 = self.conv1(x).mean(-2)  # [N, R, V]
        x2 = self.conv2(x).mean(-2)
        rel = torch.tanh(x1.unsqueeze(-1) - x2.unsqueeze(-2))  # [N, R, V, V]
        topology = self.conv4(rel) * alpha + a[None, None]  # [N, C, V, V]
        return torch.einsum('ncuv,nctv->nctu', topology, self.conv3(x))


class UnitGCN(nn.Module):
    """Sum of the CTRGCs of the graph's subsets + BN + residual + ReLU."""

    def __init__(self, in_channels: int, out_channels: int,
                 graph: torch.Tensor) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            CTRGC(in_channels, out_channels) for _ in range(len(graph)))
        self.PA = nn.Parameter(graph.clone())  # learnable, from the graph
        self.alpha = nn.Parameter(torch.zeros(1))
        self.bn = nn.BatchNorm2d(out_channels)
        if in_channels != out_channels:
            self.down = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1),
                nn.BatchNorm2d(out_channels))
        else:
            self.down = nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = sum(conv(x, a, self.alpha) for conv, a in zip(self.convs,
                                                          self.PA))
        return self.relu(self.bn(y) + self.down(x))


class TCNGCNUnit(nn.Module):
    """UnitGCN, then the multi-scale TCN, plus a residual and ReLU."""

    def __init__(self, in_channels: int, out_channels: int,
                 graph: torch.Tensor, stride: int = 1,
                 residual: bool = True, kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2)) -> None:
        super().__init__()
        self.gcn = UnitGCN(in_channels, out_channels, graph)
        self.tcn = MultiScaleTemporalConv(out_channels, out_channels,
                                          kernel_size, stride, dilations)
        if not residual:
            self.residual = None
        elif in_channels == out_channels and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = TemporalConv(in_channels, out_channels, 1,
                                         stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


@MODELS.register_module()
class CTRGCN(BaseModule):
    """CTR-GCN backbone.

    Args:
        layout (str | SkeletonLayout): Skeleton layout of the graph
            (``'nturgb+d'``, ``'coco'``, ``'nw-ucla'``, ``'openpose'``).
            Defaults to ``'nturgb+d'``.
        in_channels (int): Channels C of the input. Defaults to 3.
        base_channels (int): Channels of the first units; the published
            model uses 64 (then 128 and 256). Defaults to 64.
        num_person (int): Persons M of the data BatchNorm. Defaults to 2.
        kernel_size (int): Temporal kernel. Defaults to 5.
        dilations (Sequence[int]): Temporal dilations. Defaults to (1, 2).
        stage_channels (Sequence[int]): Output channels of the units, in
            multiples of ``base_channels``. Defaults to the published
            (1, 1, 1, 1, 2, 2, 2, 4, 4, 4).
        down_stages (Sequence[int]): 1-based units with temporal stride 2.
            Defaults to (5, 8).
        init_cfg (dict, optional): Defaults to None (the published init).

    Shape:
        input [N, M, T, V, C], output [N, M, C', T', V].
    """

    def __init__(self,
                 layout: Union[str, SkeletonLayout] = 'nturgb+d',
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_person: int = 2,
                 kernel_size: int = 5,
                 dilations: Sequence[int] = (1, 2),
                 stage_channels: Sequence[int] = (1, 1, 1, 1, 2, 2, 2, 4, 4,
                                                  4),
                 down_stages: Sequence[int] = (5, 8),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        graph = torch.from_numpy(spatial_graph(layout))
        self.num_joints = graph.shape[-1]
        self.num_person = num_person
        self.in_channels = in_channels
        self.data_bn = nn.BatchNorm1d(num_person * self.num_joints *
                                      in_channels)
        units, c_in = [], in_channels
        for i, ratio in enumerate(stage_channels):
            c_out = base_channels * ratio
            units.append(
                TCNGCNUnit(c_in, c_out, graph,
                           stride=2 if i + 1 in down_stages else 1,
                           residual=i > 0, kernel_size=kernel_size,
                           dilations=dilations))
            c_in = c_out
        self.units = nn.ModuleList(units)
        self.out_channels = c_in

    def init_weights(self) -> None:
        """The published initialisation, unless an ``init_cfg`` is given:
        Kaiming fan-out convolutions, BatchNorms at 1, those of the
        multi-scale TCNs at N(1, 0.02), the GCN output BatchNorms at 1e-6.
        """
        if self.init_cfg is not None:
            return super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                _conv_init(m)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                _bn_init(m, 1)
        for m in self.modules():
            if isinstance(m, MultiScaleTemporalConv):
                for bn in m.modules():
                    if isinstance(bn, nn.BatchNorm2d):
                        nn.init.normal_(bn.weight, 1.0, 0.02)
            elif isinstance(m, UnitGCN):
                _bn_init(m.bn, 1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, m, t, v, c = x.shape
        if (m, v, c) != (self.num_person, self.num_joints, self.in_channels):
            raise ValueError(
                f'CTRGCN expects [N, {self.num_person}, T, '
                f'{self.num_joints}, {self.in_channels}] inputs, got '
                f'{tuple(x.shape)}')
        x = x.permute(0, 1, 3, 4, 2).reshape(n, m * v * c, t)
        x = self.data_bn(x)
        x = x.view(n, m, v, c, t).permute(0, 1, 3, 4, 2).reshape(
            n * m, c, t, v)
        for unit in self.units:
            x = unit(x)
        return x.reshape((n, m) + x.shape[1:])

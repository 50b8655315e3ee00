"""C3D-light, PoseC3D's lightweight C3D for heatmap volumes."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from mmactx.registry import MODELS


@MODELS.register_module()
class C3DLight(BaseModule):
    """C3D with BatchNorm and fewer, narrower stages, for pose heatmaps.

    mmaction2 only has the RGB C3D (fixed 3 channels, 5 stages, fc layers),
    so this one is written here. Every convolution is 3x3x3 + BN + ReLU::

        conv1a  C      -> avgpool (1, 2, 2)
        conv2a  2C     -> avgpool (2 or 1, 2, 2)
        conv3a, conv3b 4C -> avgpool (2 or 1, 2, 2)
        conv4a, conv4b 8C      [-> avgpool, conv5a, conv5b 8C if 4 stages]

    Input N x in_channels x T x H x W; output N x 8C x T' x H/8 x W/8
    (T' = T without temporal downsampling).

    Args:
        in_channels (int): Heatmap channels (17 for COCO joints/limbs).
            Defaults to 17.
        base_channels (int): Channels C of the first stage. Defaults to 32.
        num_stages (int): 3 (C3D-light) or 4. Defaults to 3.
        temporal_downsample (bool): Halve T in the 2nd and later pools.
            Defaults to False.
        init_cfg (dict, optional): mmengine init config. Defaults to
            Kaiming for convolutions and constant 1 for BN.
    """

    def __init__(self,
                 in_channels: int = 17,
                 base_channels: int = 32,
                 num_stages: int = 3,
                 temporal_downsample: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv3d'),
                dict(type='Constant', layer='BatchNorm3d', val=1)
            ]
        super().__init__(init_cfg=init_cfg)
        if num_stages not in (3, 4):
            raise ValueError(f'num_stages must be 3 or 4, got {num_stages}')
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.temporal_downsample = temporal_downsample
        t = 2 if temporal_downsample else 1

        def conv(cin: int, cout: int) -> ConvModule:
            return ConvModule(
                cin,
                cout,
                kernel_size=3,
                padding=1,
                conv_cfg=dict(type='Conv3d'),
                norm_cfg=dict(type='BN3d'),
                act_cfg=dict(type='ReLU'))

        C = base_channels
        layers = [
            conv(in_channels, C),
            nn.AvgPool3d((1, 2, 2), (1, 2, 2)),
            conv(C, 2 * C),
            nn.AvgPool3d((t, 2, 2), (t, 2, 2)),
            conv(2 * C, 4 * C),
            conv(4 * C, 4 * C),
            nn.AvgPool3d((t, 2, 2), (t, 2, 2)),
            conv(4 * C, 8 * C),
            conv(8 * C, 8 * C),
        ]
        if num_stages == 4:
            layers += [
                nn.AvgPool3d((t, 2, 2), (t, 2, 2)),
                conv(8 * C, 8 * C),
                conv(8 * C, 8 * C)
            ]
        self.layers = nn.Sequential(*layers)
        self.out_channels = 8 * C

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N x C_in x T x H x W -> N x 8C x T' x H' x W'."""
        return self.layers(x)

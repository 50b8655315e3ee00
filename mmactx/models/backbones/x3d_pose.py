"""X3D with configurable width and depth, for PoseC3D's X3D-shallow."""
from typing import Sequence

from mmaction.models.backbones.x3d import X3D, BlockX3D
from mmcv.cnn import ConvModule

from mmactx.registry import MODELS


@MODELS.register_module()
class X3DPose(X3D):
    """mmaction2's X3D with ``base_channels`` and ``stage_blocks`` exposed.

    mmaction2's X3D hard-codes 24 base channels and (1, 2, 5, 3) blocks, so
    PoseC3D's X3D-shallow (3 stages of (2, 5, 3) blocks) cannot be built
    with it. This subclass only replaces the construction; blocks, stem,
    weight init and forward are mmaction2's. With the published arguments
    (``gamma_b=2.25``, 24 base channels) conv5 outputs 216 channels.

    Args:
        base_channels (int): Channels of the stem. Defaults to 24.
        stage_blocks (Sequence[int]): Blocks per stage before ``gamma_d``.
            Defaults to (1, 2, 5, 3).
        gamma_w, gamma_b, gamma_d (float): X3D's width, bottleneck and depth
            multipliers. Defaults to 1.0, 2.25, 1.0.
        num_stages (int): Number of stages used. Defaults to 4.
        spatial_strides (Sequence[int]): Stride of each stage.
            Defaults to (2, 2, 2, 2).
        **kwargs: The other arguments of mmaction2's X3D (``in_channels``,
            ``se_ratio``, ``use_swish``, ``norm_cfg`` ...).
    """

    def __init__(self,
                 base_channels: int = 24,
                 stage_blocks: Sequence[int] = (1, 2, 5, 3),
                 gamma_w: float = 1.0,
                 gamma_b: float = 2.25,
                 gamma_d: float = 1.0,
                 num_stages: int = 4,
                 spatial_strides: Sequence[int] = (2, 2, 2, 2),
                 **kwargs) -> None:
        if len(spatial_strides) != num_stages or len(
                stage_blocks) < num_stages:
            raise ValueError('spatial_strides needs num_stages entries and '
                             'stage_blocks at least num_stages')
        # Build mmaction2's X3D of the same stage count, then rebuild the
        # parts whose sizes it hard-codes.
        super().__init__(
            gamma_w=gamma_w,
            gamma_b=gamma_b,
            gamma_d=gamma_d,
            num_stages=num_stages,
            spatial_strides=spatial_strides,
            **kwargs)
        for name in self.res_layers:
            delattr(self, name)
        self.base_channels = self._round_width(base_channels, gamma_w)
        self.stage_blocks = [
            self._round_repeats(n, gamma_d) for n in stage_blocks[:num_stages]
        ]
        self.layer_inplanes = self.base_channels
        self._make_stem_layer()
        self.res_layers = []
        for i, num_blocks in enumerate(self.stage_blocks):
            inplanes = self.base_channels * 2**i
            layer = self.make_res_layer(
                BlockX3D,
                self.layer_inplanes,
                inplanes,
                int(inplanes * gamma_b),
                num_blocks,
                spatial_stride=spatial_strides[i],
                se_style=self.se_style,
                se_ratio=self.se_ratio,
                use_swish=self.use_swish,
                norm_cfg=self.norm_cfg,
                conv_cfg=self.conv_cfg,
                act_cfg=self.act_cfg,
                with_cp=self.with_cp)
            self.layer_inplanes = inplanes
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
        feat_dim = self.base_channels * 2**(num_stages - 1)
        self.conv5 = ConvModule(
            feat_dim,
            int(feat_dim * gamma_b),
            kernel_size=1,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.feat_dim = int(feat_dim * gamma_b)

"""IntegralAction's pose stream: pose maps through ``Pose2Feat`` into a
TSM ResNet without its stem."""
from typing import Optional

from mmaction.models.backbones import ResNetTSM
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.registry import MODELS


@MODELS.register_module()
class Pose2Feat(BaseModule):
    """3x3 convolution + BatchNorm + ReLU from pose maps (joint heatmaps
    and part affinity fields) to the 64 channels a ResNet's ``layer1``
    takes, at the maps' resolution (56x56).

    Args:
        in_channels (int): Pose-map channels, J + 2L (52 for OpenPose-18,
            73 for NTU-25).
        out_channels (int): Defaults to 64.
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self, in_channels: int, out_channels: int = 64,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        """[N, in_channels, H, W] -> [N, out_channels, H, W]."""
        return self.relu(self.bn(self.conv(x)))


@MODELS.register_module()
class PoseResNetTSM(ResNetTSM):
    """IntegralAction's pose backbone: :class:`Pose2Feat` in place of the
    stem (7x7 convolution and max pooling, removed, so no parameter is left
    unused) of mmaction2's ``ResNetTSM``, whose ``layer1`` to ``layer4``
    follow unchanged. Pose maps [N x T, C, 56, 56] give features
    [N x T, 512, 7, 7] (ResNet-18), as the RGB stream's 224x224 frames do.

    IntegralAction shifts the first C/4 channels forward in time and the
    next C/4 back (``shift_div=4``); mmaction2's shift moves the first
    fold back and the second forward: the same operation up to a
    permutation of the channels, which a network trained from scratch (or
    from ImageNet weights, which have no temporal order) does not notice.

    Args:
        in_channels (int): Pose-map channels, J + 2L.
        depth (int): ResNet depth. Defaults to 18.
        num_segments (int): Frames per clip. Defaults to 8.
        shift_div (int): ``1 / shift_div`` of the channels shift each way.
            Defaults to 4, IntegralAction's.
        **kwargs: ``ResNetTSM``'s other arguments; ``pretrained2d`` is
            False (the stem-less network has no ImageNet checkpoint of its
            own), ``pretrained`` a checkpoint of this class.
    """

    def __init__(self, in_channels: int, depth: int = 18,
                 num_segments: int = 8, shift_div: int = 4,
                 **kwargs) -> None:
        kwargs.setdefault('pretrained2d', False)
        super().__init__(depth, num_segments=num_segments,
                         shift_div=shift_div, **kwargs)
        del self.conv1, self.maxpool
        self.pose2feat = Pose2Feat(in_channels, 64)

    def forward(self, x: Tensor) -> Tensor:
        """Pose maps [N x T, in_channels, 56, 56] (T = ``num_segments``
        frames of each clip, consecutive) -> features [N x T, 512, 7, 7]
        (ResNet-18; the ``out_indices`` stage's)."""
        x = self.pose2feat(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _freeze_stages(self) -> None:
        """``frozen_stages`` freezes ``pose2feat`` (>= 0) and the first
        layers, as ResNet's freezes its stem and layers."""
        if self.frozen_stages >= 0:
            self.pose2feat.eval()
            for param in self.pose2feat.parameters():
                param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

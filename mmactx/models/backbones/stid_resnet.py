"""The CNN of STID (spatio-temporal invariant descriptors) over one
descriptor image."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.registry import MODELS


class ResBlock(nn.Module):
    """A basic residual block: two 3x3 convolutions with BatchNorm, and a
    1x1 convolution with BatchNorm on the shortcut where the channels or the
    stride change.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the first convolution. Defaults to 1.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: Optional[nn.Sequential] = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))

    def forward(self, x: Tensor) -> Tensor:
        """[N, in, H, W] -> [N, out, H / stride, W / stride]."""
        identity = x if self.shortcut is None else self.shortcut(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


@MODELS.register_module()
class STIDResNet(BaseModule):
    """The single-descriptor CNN of STID (the reference's ``ResNet_c``),
    the trunk that the fusion network shares between its five inputs.

    On a 112x112 image: 3x3 convolution to ``base_channels`` + BN + ReLU,
    average pooling 4 (-> 28x28); two residual blocks at 2 x
    ``base_channels``, average pooling 4 (-> 7x7); two residual blocks at
    4 x ``base_channels``, the first with stride 2 (-> 4x4), average
    pooling 4 (-> 1x1). The reference's classifier, a 1x1 convolution on
    the 1x1 map, is the head's linear layer (mmaction2's ``TSNHead``, or
    :class:`~mmactx.models.STIDFusionHead`). The reference's blocks are
    called ResBlocks without more detail; these are the basic residual
    blocks of ResNet-18/34.

    Args:
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Width of the stem; the published network uses
            256 (then 512 and 1024 in the blocks). Smaller widths make
            CPU-sized runs. Defaults to 256.
        init_cfg (dict, optional): mmengine initialisation; None keeps
            PyTorch's default initialisation, as the reference does.
    """

    def __init__(self, in_channels: int = 3, base_channels: int = 256,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        c = base_channels
        self.out_channels = 4 * c
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, c, 3, 1, 1, bias=False),
            nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.AvgPool2d(4))
        self.layer1 = nn.Sequential(ResBlock(c, 2 * c), ResBlock(2 * c, 2 * c),
                                    nn.AvgPool2d(4))
        self.layer2 = nn.Sequential(ResBlock(2 * c, 4 * c, stride=2),
                                    ResBlock(4 * c, 4 * c), nn.AvgPool2d(4))

    def forward(self, x: Tensor) -> Tensor:
        """Images [N, in_channels, 112, 112] (raw 0-255 values, as the
        reference feeds them) -> features [N, 4 x base_channels, 1, 1]."""
        return self.layer2(self.layer1(self.stem(x)))

"""Inception-v3 (Szegedy et al., CVPR 2016), EPP-Net's parsing-branch CNN.

torchvision cannot be imported on the CPU builds this project runs on, so
the network is written here. Module and parameter names are those of
torchvision's ``Inception3`` (``Conv2d_1a_3x3.conv.weight`` ...
``Mixed_7c.branch_pool.bn.num_batches_tracked``), so a torchvision ImageNet
checkpoint file (``inception_v3_google-*.pth``, a plain state dict) loads as
it is with ``init_cfg=dict(type='Pretrained', checkpoint=PATH)``.
torchvision's classifier (``fc.*``) and auxiliary classifier
(``AuxLogits.*``) have no counterpart here (EPP-Net trains on the main
logits of its own head): their keys are dropped on loading with one log
line instead of mmengine's "unexpected key" warning. Those weights expect
``transform_input=True``, as torchvision's ``inception_v3(weights=...)``
sets it.
Input [N, 3, 299, 299] (any size >= 75), output [N, 2048, h, w] (8x8 at
299).
"""
import logging
from typing import List, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule

from mmactx.registry import MODELS

# ImageNet mean and std per RGB channel (fractions of the full range), the
# convention torchvision's Inception3 re-normalises from
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# torchvision Inception3 modules without a counterpart in InceptionV3
TORCHVISION_HEADS = ('fc', 'AuxLogits')


def transform_input(x: torch.Tensor) -> torch.Tensor:
    """torchvision's ``Inception3._transform_input``.

    Channel ``c`` of an input normalised as ``(v - mean_c) / std_c`` (``v``
    in [0, 1], ImageNet ``mean``/``std``) becomes ``x_c * std_c / 0.5 +
    (mean_c - 0.5) / 0.5``, i.e. ``(v - 0.5) / 0.5``.

    Args:
        x (torch.Tensor): [N, 3, H, W], ImageNet-normalised (unitless).

    Returns:
        torch.Tensor: [N, 3, H, W] in the ``(v - 0.5) / 0.5`` scale.
    """
    std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    return x * (std / 0.5) + (mean - 0.5) / 0.5


class BasicConv2d(nn.Module):
    """Convolution (no bias) + BatchNorm (eps 1e-3) + ReLU."""

    def __init__(self, in_channels: int, out_channels: int, **kwargs) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _avg_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)


class InceptionA(nn.Module):
    """35x35 block: 1x1, 5x5, double 3x3 and pooling branches."""

    def __init__(self, in_channels: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features,
                                       kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_avg_pool(x))
        ], 1)


class InceptionB(nn.Module):
    """35x35 -> 17x17 reduction."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, kernel_size=3,
                                     stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, kernel_size=3, stride=2)
        ], 1)


class InceptionC(nn.Module):
    """17x17 block with factorised 7x7 convolutions."""

    def __init__(self, in_channels: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7),
                                       padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1),
                                       padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1),
                                          padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7),
                                          padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1),
                                          padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7),
                                          padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for i in range(1, 6):
            bd = getattr(self, f'branch7x7dbl_{i}')(bd)
        return torch.cat(
            [self.branch1x1(x), b7, bd,
             self.branch_pool(_avg_pool(x))], 1)


class InceptionD(nn.Module):
    """17x17 -> 8x8 reduction."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7),
                                         padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1),
                                         padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = x
        for i in range(1, 5):
            b7 = getattr(self, f'branch7x7x3_{i}')(b7)
        return torch.cat([
            self.branch3x3_2(self.branch3x3_1(x)), b7,
            F.max_pool2d(x, kernel_size=3, stride=2)
        ], 1)


class InceptionE(nn.Module):
    """8x8 block with expanded filter banks (parallel 1x3 and 3x1)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3),
                                        padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1),
                                        padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3),
                                           padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1),
                                           padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_1(x)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        return torch.cat([
            self.branch1x1(x), self.branch3x3_2a(b3), self.branch3x3_2b(b3),
            self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd),
            self.branch_pool(_avg_pool(x))
        ], 1)


@MODELS.register_module()
class InceptionV3(BaseModule):
    """Inception-v3 feature extractor (no classifier, no auxiliary head).

    Args:
        in_channels (int): Input channels. Defaults to 3.
        transform_input (bool): As torchvision's ``Inception3``: re-normalise
            an input normalised with the ImageNet mean/std (see
            :func:`transform_input`) to the ``(x - 0.5) / 0.5`` convention
            that the ImageNet weights ported from TensorFlow were trained
            with. Set it when starting from those weights. Needs 3 input
            channels. Defaults to False.
        init_cfg (dict | list[dict], optional): None gives truncated-normal
            convolutions (std 0.1, as the reference) and unit BatchNorms;
            ``dict(type='Pretrained', checkpoint=...)`` loads weights.

    Shape:
        input [N, C, H, W], output [N, 2048, H', W'] (8x8 for 299x299).
    """

    def __init__(self,
                 in_channels: int = 3,
                 transform_input: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if transform_input and in_channels != 3:
            raise ValueError('transform_input re-normalises 3 RGB channels; '
                             f'got in_channels={in_channels}')
        if init_cfg is None:
            init_cfg = [
                dict(type='TruncNormal', layer='Conv2d', std=0.1, a=-2, b=2),
                dict(type='Constant', layer='BatchNorm2d', val=1, bias=0)
            ]
        super().__init__(init_cfg=init_cfg)
        self.transform_input = transform_input
        self.Conv2d_1a_3x3 = BasicConv2d(in_channels, 32, kernel_size=3,
                                         stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280)
        self.Mixed_7c = InceptionE(2048)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features of a batch of images.

        Args:
            x (torch.Tensor): [N, C, H, W] images, H, W >= 75.

        Returns:
            torch.Tensor: [N, 2048, H', W'] (8x8 for 299x299).
        """
        if self.transform_input:
            x = transform_input(x)
        for layer in self.children():
            x = layer(x)
        return x

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: List[str],
                              unexpected_keys: List[str],
                              error_msgs: List[str]) -> None:
        """Drop torchvision's classifier keys (``fc.*``, ``AuxLogits.*``)
        before loading, with one log line, so that loading a torchvision
        ImageNet checkpoint neither fails (strict) nor warns."""
        dropped = _torchvision_head_keys(state_dict, prefix)
        for key in dropped:
            del state_dict[key]
        if dropped:
            print_log(
                f'InceptionV3: ignored {len(dropped)} keys of torchvision\'s '
                f'classifier heads ({", ".join(_head_names(dropped, prefix))}'
                '); the recogniser\'s cls_head keeps its own initialisation',
                logger='current', level=logging.INFO)
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)


def _torchvision_head_keys(state_dict: dict, prefix: str) -> List[str]:
    """Keys of ``state_dict`` under ``prefix`` + ``fc.`` / ``AuxLogits.``."""
    heads: Tuple[str, ...] = tuple(f'{prefix}{h}.' for h in TORCHVISION_HEADS)
    return [k for k in state_dict if k.startswith(heads)]


def _head_names(keys: List[str], prefix: str) -> List[str]:
    """``['AuxLogits.*', 'fc.*']`` for the heads that ``keys`` belong to."""
    return sorted({k[len(prefix):].split('.', 1)[0] + '.*' for k in keys})

"""SPNet, the Sequential Pyramid Network of Luvizon et al. (TPAMI'20
"Multi-task Deep Learning for Real-Time 3D Human Pose Estimation and Action
Recognition"): the multitask model's pose part (entry flow, pyramids,
prediction blocks with a soft-argmax read-out).

Layout (``H x W`` input, ``g = growth``, ``L = num_levels``, ``P =
num_pyramids``)::

    entry flow   conv7x7/2 (stem_channels) -> residual (g)
                 -> maxpool 3x3/2 -> 2 residuals (2g)
                 -> maxpool 2x2/2 -> 2 residuals (3g)      H/8 x W/8
    level l      H/(8 * 2**l) x W/(8 * 2**l), 3g + l*g channels
    pyramid p    even p: level 0 -> 1 -> ... -> L-1 (downscaling)
                 odd p:  level L-1 -> ... -> 0 (upscaling)
                 at each transition: scaling unit, + lateral, prediction
                 block; the block's output is the new lateral of its level

so there are ``P * (L - 1)`` prediction blocks, returned in execution
order. Published configuration (TPAMI'20, deephar ``models/spnet.py``):
``stem_channels=64``, ``growth=96`` (entry flow 64 -> 96 -> 192 -> 288,
32 x 32 x 288 for a 256 x 256 crop), ``num_levels=4`` (32/16/8/4 px,
288/384/480/576 channels), separable 5 x 5 convolutions, 2 pyramids for
the NTU multitask model (6 pose outputs), 8 by default (24 outputs).

Every pose output is read by :mod:`mmactx.models.heads.soft_argmax`:
``coords`` = soft-argmax of the spatial softmax (x, y in [0, 1] on the
``linspace(0, 1, w)`` grid of that block's map), with depth ``z =
depth_from_maps(D, H)`` in (0, 1); ``visibility`` = ``heatmap_visibility``
of the softmaxed map.

Choices made here where the brief (the TPAMI summary) is silent; where the
public deephar (Keras) code settles the point, it was followed:

* Convolutions have no bias (as deephar); BatchNorm uses PyTorch's
  defaults (eps 1e-5, momentum 0.1), not Keras' (1e-3, 0.99 ~ 0.01).
* A separable convolution is depthwise k x k (multiplier 1, ``k // 2``
  zero padding) then pointwise 1 x 1, with nothing between them (Keras'
  ``SeparableConv2D``).
* Residual units are pre-activation. With equal widths:
  ``x + conv(ReLU(BN(x)))``. When the width changes, the BN is shared:
  ``y = BN(x)``, ``conv1x1(ReLU(y)) + conv(ReLU(y))``. In the pyramids
  ``conv`` is one separable k x k; in the entry flow it is the bottleneck
  ``conv1x1 (out/2) -> BN -> ReLU -> conv3x3 (out)`` (deephar's "normal"
  residual).
* The stem conv7x7/2 has no BN/ReLU of its own (the next residual starts
  with BN-ReLU). The first entry maxpool is 3 x 3, stride 2, padding 1
  (Keras' ``same`` pads bottom/right only; the output size is the same
  for even inputs), the second 2 x 2, stride 2.
* Downscaling unit: maxpool 2 x 2 / 2 then a separable residual to
  ``C + g``. Upscaling unit: nearest-neighbour x2 upsampling then a
  separable residual to ``C - g`` (deephar's ``maxpooling`` downsampling
  type; no transposed convolutions).
* Lateral links are added (not concatenated) right after the scaling
  unit, before the prediction block; the lateral of a level is the last
  prediction block output at that level. An even pyramid starts from the
  level-0 lateral (the entry flow for pyramid 0), an odd one from the
  level-(L-1) lateral, which is therefore not added a second time.
* Prediction block on features ``x`` (C channels)::

      r = separable residual(x)
      s = sepconv(ReLU(BN(r)))
      a = ReLU(BN(s))
      heatmap logits Hl = conv1x1(a) -> J;  forward maps Fm = conv1x1(a) -> J
      back_h = conv1x1(ReLU(cat[Fm, Hl])) -> C
      [3D] depth logits Dl = conv1x1(a) -> J;  back_d = conv1x1(Dl) -> C
      out = r + s + back_h [+ back_d]

  i.e. "the heatmaps are re-injected by a 1x1 conv" is deephar's
  ``prediction_branch`` (forward maps concatenated to the heatmap logits,
  ReLU, 1x1 back to C; the depth maps go back without ReLU and without
  forward maps) and the residual and sepconv outputs are re-injected too.
* ``features`` of an output is the block's output ``out`` (what the next
  unit and the lateral link receive). deephar's appearance action branch
  instead pools the features reached first at that level (the first
  pyramid's scaling unit output; the entry flow for level 0): each output
  also returns those as ``level_features``, and the block's pre-heatmap
  activations as ``activations``.
* Inputs must have H and W multiples of ``8 * 2**(L-1)`` (so every level
  has an integer size) and at least twice that (so the smallest level is
  at least 2 x 2, which the soft-argmax grids and the 2 x 2 visibility
  window need). A ValueError says so otherwise.
* Default init: Kaiming (fan_out, ReLU) for convolutions, BN weight 1 and
  bias 0.
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.models.heads.soft_argmax import read_pose
from mmactx.registry import MODELS


class SeparableConv2d(BaseModule):
    """Depthwise k x k convolution then pointwise 1 x 1 (no bias, nothing in
    between), Keras' ``SeparableConv2D`` with depth multiplier 1.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        kernel_size (int): Depthwise kernel size k (odd). Defaults to 5.
        stride (int): Depthwise stride. Defaults to 1.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 5,
                 stride: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd and >= 1, got '
                             f'{kernel_size}')
        self.depthwise = nn.Conv2d(
            in_channels,
            in_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            groups=in_channels,
            bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """[N, C_in, H, W] -> [N, C_out, H / stride, W / stride]."""
        return self.pointwise(self.depthwise(x))


class ResidualUnit(BaseModule):
    """Pre-activation residual unit (separable or bottleneck).

    Equal widths: ``x + conv(ReLU(BN(x)))``. Otherwise the BN is shared by
    both paths: ``y = BN(x)``, ``conv1x1(ReLU(y)) + conv(ReLU(y))``.
    ``conv`` is a :class:`SeparableConv2d` (``separable=True``) or
    ``conv1x1 (out/2) -> BN -> ReLU -> conv kxk (out)``.

    Args:
        in_channels (int): Input channels C_in.
        out_channels (int): Output channels C_out.
        kernel_size (int): Spatial kernel size (odd). Defaults to 5.
        separable (bool): Separable (pyramids) or bottleneck (entry flow)
            convolution. Defaults to True.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 5,
                 separable: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.bn = nn.BatchNorm2d(in_channels)
        self.shortcut = (
            nn.Conv2d(in_channels, out_channels, 1, bias=False)
            if in_channels != out_channels else None)
        if separable:
            self.conv = SeparableConv2d(in_channels, out_channels,
                                        kernel_size)
        else:
            mid = max(out_channels // 2, 1)
            self.conv = nn.Sequential(
                nn.Conv2d(in_channels, mid, 1, bias=False),
                nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(
                    mid,
                    out_channels,
                    kernel_size,
                    padding=kernel_size // 2,
                    bias=False))

    def forward(self, x: Tensor) -> Tensor:
        """[N, C_in, H, W] -> [N, C_out, H, W]."""
        if self.shortcut is None:
            return x + self.conv(F.relu(self.bn(x)))
        y = F.relu(self.bn(x))
        return self.shortcut(y) + self.conv(y)


class SPNetEntryFlow(BaseModule):
    """SPNet's entry flow: RGB crop -> features at 1/8 resolution.

    ``conv7x7/2 (stem) -> residual (g) -> maxpool 3x3/2 -> 2 residuals
    (2g) -> maxpool 2x2/2 -> 2 residuals (3g)``, residuals being
    bottleneck 3 x 3 units. Published: stem 64, g = 96 (64 -> 96 -> 192 ->
    288).

    Args:
        in_channels (int): Image channels. Defaults to 3.
        stem_channels (int): Channels of the 7 x 7 conv. Defaults to 64.
        growth (int): g. Defaults to 96.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 growth: int = 96,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        g = growth
        self.out_channels = 3 * g
        self.layers = nn.Sequential(
            nn.Conv2d(
                in_channels, stem_channels, 7, stride=2, padding=3,
                bias=False),
            ResidualUnit(stem_channels, g, 3, separable=False),
            nn.MaxPool2d(3, stride=2, padding=1),
            ResidualUnit(g, 2 * g, 3, separable=False),
            ResidualUnit(2 * g, 2 * g, 3, separable=False),
            nn.MaxPool2d(2, stride=2),
            ResidualUnit(2 * g, 3 * g, 3, separable=False),
            ResidualUnit(3 * g, 3 * g, 3, separable=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        """[N, C_img, H, W] -> [N, 3g, H / 8, W / 8] (H, W multiples of 8)."""
        return self.layers(x)


class SPNetPredictionBlock(BaseModule):
    """One SPNet prediction block: refine features, predict J heatmaps
    (and J depth maps), re-inject them.

    See the module docstring for the exact wiring.

    Args:
        channels (int): Feature channels C (kept).
        num_joints (int): J.
        kernel_size (int): Separable kernel size. Defaults to 5.
        with_depth (bool): Also predict depth maps. Defaults to False.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 channels: int,
                 num_joints: int,
                 kernel_size: int = 5,
                 with_depth: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        C, J = channels, num_joints
        self.with_depth = with_depth
        self.residual = ResidualUnit(C, C, kernel_size)
        self.bn1 = nn.BatchNorm2d(C)
        self.sepconv = SeparableConv2d(C, C, kernel_size)
        self.bn2 = nn.BatchNorm2d(C)
        self.heatmap_conv = nn.Conv2d(C, J, 1, bias=False)
        self.forward_maps_conv = nn.Conv2d(C, J, 1, bias=False)
        self.heatmap_back = nn.Conv2d(2 * J, C, 1, bias=False)
        if with_depth:
            self.depth_conv = nn.Conv2d(C, J, 1, bias=False)
            self.depth_back = nn.Conv2d(J, C, 1, bias=False)

    def forward(self, x: Tensor) -> Dict[str, Tensor]:
        """Refine ``x`` [N, C, h, w] (h, w >= 2) and read the pose out.

        Returns:
            dict[str, Tensor]: ``features`` [N, C, h, w] (the block output);
            ``coords`` [N, J, 2] (x, y) or [N, J, 3] (x, y, z), in [0, 1];
            ``visibility`` [N, J] in [0, 1]; ``heatmaps`` [N, J, h, w]
            (softmaxed, each summing to 1); ``activations`` [N, C, h, w],
            what the heatmap and depth convolutions read (``a`` above),
            for a replica of them (``MultitaskRecognizer(pose_replica)``).
        """
        r = self.residual(x)
        s = self.sepconv(F.relu(self.bn1(r)))
        a = F.relu(self.bn2(s))
        logits = self.heatmap_conv(a)
        forward_maps = self.forward_maps_conv(a)
        out = r + s + self.heatmap_back(
            F.relu(torch.cat([forward_maps, logits], dim=1)))
        depth_logits = None
        if self.with_depth:
            depth_logits = self.depth_conv(a)
            out = out + self.depth_back(depth_logits)
        return dict(read_pose(logits, depth_logits), features=out,
                    activations=a)


@MODELS.register_module()
class SPNet(BaseModule):
    """Sequential Pyramid Network (Luvizon et al., TPAMI'20), pose part.

    Args:
        num_joints (int): Number of joints J.
        num_pyramids (int): Number of pyramids P (even: downscaling, odd:
            upscaling). Defaults to 2.
        num_levels (int): Number of scales L >= 2. Defaults to 4.
        with_depth (bool): Predict z as well (3D). Defaults to False.
        kernel_size (int): Kernel of the separable convolutions (odd).
            Defaults to 5.
        in_channels (int): Image channels. Defaults to 3.
        stem_channels (int): Channels of the entry 7 x 7 conv.
            Defaults to 64.
        growth (int): Width step g: entry flow g -> 2g -> 3g, level l has
            3g + l*g channels. Defaults to 96 (288/384/480/576).
        init_cfg (dict or list[dict], optional): mmengine init config.
            Defaults to Kaiming (fan_out, ReLU) for Conv2d and constant 1
            for BatchNorm2d.
    """

    def __init__(self,
                 num_joints: int,
                 num_pyramids: int = 2,
                 num_levels: int = 4,
                 with_depth: bool = False,
                 kernel_size: int = 5,
                 in_channels: int = 3,
                 stem_channels: int = 64,
                 growth: int = 96,
                 init_cfg: Optional[dict] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(
                    type='Kaiming',
                    layer='Conv2d',
                    mode='fan_out',
                    nonlinearity='relu'),
                dict(type='Constant', layer='BatchNorm2d', val=1, bias=0)
            ]
        super().__init__(init_cfg=init_cfg)
        if num_joints < 1:
            raise ValueError(f'num_joints must be >= 1, got {num_joints}')
        if num_pyramids < 1:
            raise ValueError(f'num_pyramids must be >= 1, got {num_pyramids}')
        if num_levels < 2:
            raise ValueError(f'num_levels must be >= 2, got {num_levels}')
        if stem_channels < 1 or growth < 1:
            raise ValueError(f'stem_channels and growth must be >= 1, got '
                             f'{stem_channels} and {growth}')
        self.num_joints = num_joints
        self.num_pyramids = num_pyramids
        self.num_levels = num_levels
        self.with_depth = with_depth
        self.kernel_size = kernel_size
        self.in_channels = in_channels
        self.stem_channels = stem_channels
        self.growth = growth
        #: Channels of each level, level 0 first.
        self.level_channels = [(3 + lvl) * growth
                               for lvl in range(num_levels)]
        #: Input sides must be multiples of this.
        self.size_divisor = 8 * 2**(num_levels - 1)

        self.entry_flow = SPNetEntryFlow(in_channels, stem_channels, growth)
        self.scaling_units = nn.ModuleList()
        self.blocks = nn.ModuleList()
        #: Level of each prediction block, in order.
        self.block_levels: List[int] = []
        for pyr in range(num_pyramids):
            for src, dst in self._transitions(pyr):
                cin = self.level_channels[src]
                cout = self.level_channels[dst]
                self.scaling_units.append(
                    ResidualUnit(cin, cout, kernel_size))
                self.blocks.append(
                    SPNetPredictionBlock(cout, num_joints, kernel_size,
                                         with_depth))
                self.block_levels.append(dst)

    @property
    def num_blocks(self) -> int:
        """Number of prediction blocks, ``P * (L - 1)``."""
        return len(self.blocks)

    def _transitions(self, pyramid: int) -> List[tuple]:
        """(source, destination) levels of a pyramid's transitions."""
        levels = list(range(self.num_levels))
        if pyramid % 2 == 1:
            levels = levels[::-1]
        return list(zip(levels[:-1], levels[1:]))

    def _check_input(self, x: Tensor) -> None:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'expected images [N, {self.in_channels}, H, '
                             f'W], got shape {tuple(x.shape)}')
        div = self.size_divisor
        height, width = x.shape[-2:]
        if height % div or width % div or height < 2 * div \
                or width < 2 * div:
            raise ValueError(
                f'SPNet with num_levels={self.num_levels} needs H and W '
                f'multiples of 8 * 2**(num_levels - 1) = {div} and at least '
                f'{2 * div} (so the smallest level is >= 2 x 2), got '
                f'{height} x {width}')

    def _check_num_blocks(self, num_blocks: Optional[int]) -> int:
        """The number of blocks to run: ``num_blocks``, or all if None."""
        if num_blocks is None:
            return self.num_blocks
        if isinstance(num_blocks, bool) or not isinstance(num_blocks, int):
            raise ValueError(f'num_blocks must be an int or None, got '
                             f'{num_blocks!r}')
        if not 1 <= num_blocks <= self.num_blocks:
            raise ValueError(f'num_blocks must be in [1, {self.num_blocks}] '
                             f'(this SPNet has {self.num_blocks} prediction '
                             f'blocks) or None, got {num_blocks}')
        return num_blocks

    def forward(self, x: Tensor,
                num_blocks: Optional[int] = None) -> List[Dict[str, Tensor]]:
        """Estimate the pose at every prediction block, or only at the first
        ``num_blocks`` of them.

        Truncation (TPAMI'20's speed / accuracy trade-off, deephar
        ``eval_speed2d.py``): with ``num_blocks = k`` the network stops as
        soon as block k has been produced; no later scaling unit, pyramid or
        prediction block runs, so the cost grows with k. Block b's output
        does not depend on later blocks, so the k outputs equal the first k
        of a full run.

        Args:
            x (Tensor): Images [N, C_img, H, W], H and W multiples of
                ``size_divisor = 8 * 2**(L-1)`` and at least twice it.
            num_blocks (int, optional): How many prediction blocks to run,
                in [1, ``self.num_blocks``]; None (default) runs all.

        Returns:
            list[dict[str, Tensor]]: One dict per prediction block run, in
            execution order (``P * (L - 1)`` of them, or ``num_blocks``).
            Block b works at
            level ``l = block_levels[b]``, ``h x w = H / (8 * 2**l) x W /
            (8 * 2**l)``, ``C = level_channels[l]``: ``coords`` [N, J, 2]
            (x, y) or [N, J, 3] (x, y, z) in [0, 1]; ``visibility`` [N, J]
            in [0, 1]; ``heatmaps`` [N, J, h, w] (softmaxed); ``features``
            [N, C, h, w]; ``activations`` [N, C, h, w] (what the block's
            heatmap convolution reads); ``level_features`` [N, C, h, w],
            the first features the network reached at the block's level
            (the entry flow's output for level 0, the first scaling unit's
            for the others: before any heatmap is re-injected there, the
            features deephar's appearance branch pools).

        Raises:
            ValueError: Bad input shape, or ``num_blocks`` not an int in
                [1, ``self.num_blocks``] (nor None).
        """
        count = self._check_num_blocks(num_blocks)
        self._check_input(x)
        lateral: List[Optional[Tensor]] = [None] * self.num_levels
        lateral[0] = self.entry_flow(x)
        first = list(lateral)  # the first features reached at each level
        outputs = []
        idx = 0
        for pyr in range(self.num_pyramids):
            transitions = self._transitions(pyr)
            feats = lateral[transitions[0][0]]
            for src, dst in transitions:
                if dst > src:
                    feats = F.max_pool2d(feats, 2, stride=2)
                else:
                    feats = F.interpolate(
                        feats, scale_factor=2, mode='nearest')
                feats = self.scaling_units[idx](feats)
                if first[dst] is None:
                    first[dst] = feats
                if lateral[dst] is not None:
                    feats = feats + lateral[dst]
                out = self.blocks[idx](feats)
                out['level_features'] = first[dst]
                feats = out['features']
                lateral[dst] = feats
                outputs.append(out)
                idx += 1
                if idx == count:
                    return outputs
        return outputs

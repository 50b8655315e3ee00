"""The action part of Luvizon et al.'s multitask model (CVPR'18 "2D/3D
Pose Estimation and Action Recognition using Multitask Deep Learning",
TPAMI'20 "Multi-task Deep Learning for Real-Time 3D Human Pose Estimation
and Action Recognition"): a pose-based branch on the coordinate sequence,
an appearance-based branch on Kronecker-pooled visual features, and their
late fusion by trainable per-class weights on the action heatmaps.

Both branches see a clip as an image whose rows are the T frames and whose
columns are the J joints: the pose branch's channels are the D coordinates
(times the joint's visibility), the appearance branch's the C visual
features pooled under each joint's heatmap. Each branch ends in K_a action
prediction blocks; block k predicts A action heatmaps, and their global
max + min per map are the block's logits.

Pooling choice: every 2x2 pooling uses ``ceil_mode=True`` (Keras'
``padding='same'`` for a stride-2 window, which the reference's max-min
pooling uses), so an odd side (J = 17, 25) keeps its last row/column:
side s becomes ``ceil(s / 2)``. This also makes the two branches' action
heatmaps the same size, which their sum in the fusion needs; the
reference's appearance max-pooling is ``'valid'`` (floor), which only
agrees for even sides.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmactx.registry import MODELS

BRANCHES = ('pose', 'appearance', 'fused')


def kronecker_pooling(heatmaps: Tensor, features: Tensor) -> Tensor:
    """Per frame and joint, the visual features averaged under the joint's
    heatmap: ``f_j = sum_uv H_j(u, v) F(u, v, :)`` (the paper's Kronecker
    product of heatmaps and features followed by a spatial sum).

    With a delta heatmap at pixel (u, v), f_j is the feature vector at
    (u, v); with a uniform one, the spatial mean of the features.

    Args:
        heatmaps (Tensor): Softmaxed heatmaps [N, T, J, h, w] (each map
            non-negative and summing to 1; not checked).
        features (Tensor): Visual features [N, T, C, h, w] on the same
            grid.

    Returns:
        Tensor: Pooled features [N, T, J, C].
    """
    if heatmaps.dim() != 5 or features.dim() != 5:
        raise ValueError(f'heatmaps [N, T, J, h, w] and features '
                         f'[N, T, C, h, w] must be 5-d, got shapes '
                         f'{tuple(heatmaps.shape)} and '
                         f'{tuple(features.shape)}')
    if (heatmaps.shape[:2] != features.shape[:2]
            or heatmaps.shape[-2:] != features.shape[-2:]):
        raise ValueError(f'heatmaps {tuple(heatmaps.shape)} and features '
                         f'{tuple(features.shape)} must share N, T, h, w')
    return torch.einsum('ntjhw,ntchw->ntjc', heatmaps, features)


def max_min_pool(x: Tensor) -> Tensor:
    """Global max + global min of each map: the paper's action read-out
    (its softmax belongs to the loss / prediction).

    Args:
        x (Tensor): Maps [N, K, A, B].

    Returns:
        Tensor: [N, K], ``max(x[n, k]) + min(x[n, k])``.
    """
    if x.dim() != 4:
        raise ValueError(f'x must be [N, K, A, B], got shape '
                         f'{tuple(x.shape)}')
    flat = x.flatten(2)
    return flat.amax(dim=-1) + flat.amin(dim=-1)


def max_min_pool2d(x: Tensor, kernel_size: int = 2) -> Tensor:
    """Local max-min pooling: ``max_pool(x) + min_pool(x)`` with
    ``min_pool(x) = -max_pool(-x)``, a ``kernel_size`` window with the same
    stride, ``ceil_mode=True`` (a side s becomes ``ceil(s / k)``; windows
    hanging over the border only see the pixels inside).

    Args:
        x (Tensor): Maps [N, C, A, B].
        kernel_size (int): Window and stride. Defaults to 2.

    Returns:
        Tensor: [N, C, ceil(A / k), ceil(B / k)].
    """
    return (F.max_pool2d(x, kernel_size, ceil_mode=True)
            - F.max_pool2d(-x, kernel_size, ceil_mode=True))


def pose_image(coords: Tensor, visibility: Tensor) -> Tensor:
    """The pose sequence as an image: coordinates times visibility, with
    the D coordinates as channels, frames as rows and joints as columns.

    Args:
        coords (Tensor): Joint coordinates [N, T, J, D] (D = 2 or 3).
        visibility (Tensor): Joint visibility [N, T, J] in [0, 1].

    Returns:
        Tensor: [N, D, T, J].
    """
    if coords.dim() != 4 or visibility.shape != coords.shape[:3]:
        raise ValueError(f'coords must be [N, T, J, D] and visibility '
                         f'[N, T, J], got shapes {tuple(coords.shape)} '
                         f'and {tuple(visibility.shape)}')
    return (coords * visibility.unsqueeze(-1)).permute(0, 3, 1, 2)


def _conv_bn(in_channels: int, out_channels: int,
             kernel_size: Union[int, Tuple[int, int]],
             act: bool = True) -> nn.Sequential:
    """Convolution ('same' padding, no bias) + BatchNorm (+ ReLU)."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    padding = (kernel_size[0] // 2, kernel_size[1] // 2)
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size,
                        padding=padding, bias=False),
              nn.BatchNorm2d(out_channels)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ActionPredictionBlock(BaseModule):
    """One action prediction block, on features [N, C, T', J']:

    * residual: ``x = x + conv3x3(conv1x1(x, C / 2), C)``;
    * ``x1 = conv3x3(x, C)``;
    * action heatmaps ``h = conv3x3(relu(max_min_pool2d(x1)))``
      [N, A, ceil(T' / 2), ceil(J' / 2)], logits ``max_min_pool(h)``;
    * unless ``last``: h is upsampled (nearest) back to [T', J'],
      projected to C channels (``remap_kernel`` conv + BN + ReLU) and
      re-injected: the next block gets ``x + x1 + remap(up(h))``.

    Every conv except the heatmap one is conv + BN + ReLU.

    Args:
        channels (int): Feature channels C.
        num_classes (int): Number of actions A.
        last (bool): The last block of a branch has no re-injection.
            Defaults to False.
        remap_kernel (int): Kernel of the re-injection conv. Defaults to 1
            (the reference's is 3x3).
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self, channels: int, num_classes: int, last: bool = False,
                 remap_kernel: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.last = last
        self.residual = nn.Sequential(
            _conv_bn(channels, max(channels // 2, 1), 1),
            _conv_bn(max(channels // 2, 1), channels, 3))
        self.conv = _conv_bn(channels, channels, 3)
        self.heatmap = nn.Sequential(
            nn.ReLU(), nn.Conv2d(channels, num_classes, 3, padding=1))
        self.remap = None if last else _conv_bn(num_classes, channels,
                                                remap_kernel)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Features [N, C, T', J'].

        Returns:
            tuple: the next block's features [N, C, T', J'] (``x`` after
            the residual when ``last``), the action heatmaps
            [N, A, ceil(T' / 2), ceil(J' / 2)] and the logits [N, A].
        """
        x = x + self.residual(x)
        x1 = self.conv(x)
        heatmaps = self.heatmap(max_min_pool2d(x1))
        logits = max_min_pool(heatmaps)
        if self.remap is not None:
            up = F.interpolate(heatmaps, size=x1.shape[-2:], mode='nearest')
            x = x + x1 + self.remap(up)
        return x, heatmaps, logits


class _ActionBlocks(BaseModule):
    """K_a action prediction blocks; returns the per-block logits and the
    last block's heatmaps."""

    def __init__(self, channels: int, num_classes: int, num_blocks: int,
                 remap_kernel: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_blocks < 1:
            raise ValueError(f'num_blocks must be >= 1, got {num_blocks}')
        self.blocks = nn.ModuleList(
            ActionPredictionBlock(channels, num_classes,
                                  last=k == num_blocks - 1,
                                  remap_kernel=remap_kernel)
            for k in range(num_blocks))

    def forward(self, x: Tensor) -> Tuple[List[Tensor], Tensor]:
        logits: List[Tensor] = []
        heatmaps = x
        for block in self.blocks:
            x, heatmaps, y = block(x)
            logits.append(y)
        return logits, heatmaps


class PoseActionBranch(BaseModule):
    """The CVPR'18 pose-based action branch, on the pose image
    [N, D, T, J] (:func:`pose_image`).

    Stem (v1 widths by default; v2: ``(12, 24, 36)``, ``(112, 112)``,
    ``64``): three parallel conv + BN + ReLU with kernels 3x1 / 3x3 / 3x5
    (time x joints) of ``stem_widths`` channels, concatenated; then two
    branches, conv3x3 + BN to ``branch_widths[0]`` and conv1x1 + BN to
    ``branch_mid`` followed by conv3x3 + BN to ``branch_widths[1]``
    (no ReLU, as in the reference), concatenated; then a 2x2 max-min
    pooling (:func:`max_min_pool2d`). Then ``num_blocks`` action
    prediction blocks (:class:`ActionPredictionBlock`) on
    ``sum(branch_widths)`` channels. (The reference's v2 stem feeds the
    pose image, not the 3-conv concatenation, to the two branches, a bug
    its authors kept for their trained weights; this is the v1 wiring.)

    Args:
        in_channels (int): Coordinate dimensions D. Defaults to 2.
        num_classes (int): Number of actions A.
        num_blocks (int): K_a. Defaults to 4.
        stem_widths (Sequence[int]): Widths of the 3x1 / 3x3 / 3x5 convs.
            Defaults to (8, 16, 24).
        branch_widths (Sequence[int]): Widths of the two branches.
            Defaults to (56, 56).
        branch_mid (int): Width of the second branch's 1x1 conv. Defaults
            to 32.
        remap_kernel (int): See :class:`ActionPredictionBlock`.
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self, in_channels: int = 2, num_classes: int = 60,
                 num_blocks: int = 4,
                 stem_widths: Sequence[int] = (8, 16, 24),
                 branch_widths: Sequence[int] = (56, 56),
                 branch_mid: int = 32, remap_kernel: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(stem_widths) != 3 or len(branch_widths) != 2:
            raise ValueError('stem_widths needs 3 widths and branch_widths 2')
        self.in_channels = in_channels
        self.stem_convs = nn.ModuleList(
            _conv_bn(in_channels, w, k)
            for w, k in zip(stem_widths, [(3, 1), (3, 3), (3, 5)]))
        width = sum(stem_widths)
        self.branch_a = _conv_bn(width, branch_widths[0], 3, act=False)
        self.branch_b = nn.Sequential(
            _conv_bn(width, branch_mid, 1, act=False),
            _conv_bn(branch_mid, branch_widths[1], 3, act=False))
        self.channels = sum(branch_widths)
        self.blocks = _ActionBlocks(self.channels, num_classes, num_blocks,
                                    remap_kernel)

    def forward(self, x: Tensor) -> Tuple[List[Tensor], Tensor]:
        """Pose image [N, D, T, J].

        Returns:
            tuple: the K_a logits [N, A] each, and the last action heatmaps
            [N, A, ceil(T / 4), ceil(J / 4)].
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'x must be [N, {self.in_channels}, T, J], got '
                             f'shape {tuple(x.shape)}')
        x = torch.cat([conv(x) for conv in self.stem_convs], dim=1)
        x = torch.cat([self.branch_a(x), self.branch_b(x)], dim=1)
        return self.blocks(max_min_pool2d(x))


class AppearanceActionBranch(BaseModule):
    """The appearance-based action branch, on Kronecker-pooled features
    [N, T, J, C] (:func:`kronecker_pooling`): as an image [N, C, T, J],
    conv1x1 + BN to ``channels`` (no ReLU, as in the reference), 2x2
    max-pooling (``ceil_mode=True``), then ``num_blocks`` action prediction
    blocks.

    Args:
        in_channels (int): Visual feature channels C (576 published).
        num_classes (int): Number of actions A.
        num_blocks (int): K_a. Defaults to 4.
        channels (int): Width of the blocks. Defaults to 256.
        remap_kernel (int): See :class:`ActionPredictionBlock`.
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self, in_channels: int = 576, num_classes: int = 60,
                 num_blocks: int = 4, channels: int = 256,
                 remap_kernel: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.proj = _conv_bn(in_channels, channels, 1, act=False)
        self.blocks = _ActionBlocks(channels, num_classes, num_blocks,
                                    remap_kernel)

    def forward(self, x: Tensor) -> Tuple[List[Tensor], Tensor]:
        """Pooled features [N, T, J, C].

        Returns:
            tuple: the K_a logits [N, A] each, and the last action heatmaps
            [N, A, ceil(T / 4), ceil(J / 4)].
        """
        if x.dim() != 4 or x.shape[-1] != self.in_channels:
            raise ValueError(f'x must be [N, T, J, {self.in_channels}], got '
                             f'shape {tuple(x.shape)}')
        x = self.proj(x.permute(0, 3, 1, 2))
        return self.blocks(F.max_pool2d(x, 2, ceil_mode=True))


@MODELS.register_module()
class MultitaskActionHead(BaseModule):
    """Both action branches and their fusion: the last pose and appearance
    action heatmaps are each scaled by a trainable per-class weight
    (``pose_weight``, ``appearance_weight`` [A], initialised at 1), summed
    and max-min pooled into the ``fused`` logits.

    Args:
        num_classes (int): Number of actions A.
        pose_dim (int): Coordinate dimensions D. Defaults to 2.
        feat_channels (int): Visual feature channels C. Defaults to 576
            (the CVPR'18 stem + first reception block).
        num_blocks (int): K_a per branch. Defaults to 4.
        pose_cfg (dict, optional): Extra arguments of
            :class:`PoseActionBranch` (widths).
        appearance_channels (int): Width of the appearance blocks.
            Defaults to 256.
        remap_kernel (int): See :class:`ActionPredictionBlock`.
        loss_weights (dict, optional): Weight of each output's CE, by key
            ``pose``, ``appearance``, ``fused``: a float (every block of
            the branch) or one float per block. Defaults to 1.0 for all
            (the CVPR'18 ``compile``, no Keras loss weights); the TPAMI
            NTU model weighs every action output 0.1 (Penn 0.01).
        init_cfg (dict, optional): mmengine initialisation.
    """

    def __init__(self, num_classes: int, pose_dim: int = 2,
                 feat_channels: int = 576, num_blocks: int = 4,
                 pose_cfg: Optional[dict] = None,
                 appearance_channels: int = 256, remap_kernel: int = 1,
                 loss_weights: Optional[Dict[str, Union[
                     float, Sequence[float]]]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_classes = num_classes
        self.num_blocks = num_blocks
        self.pose_branch = PoseActionBranch(
            pose_dim, num_classes, num_blocks, remap_kernel=remap_kernel,
            **(pose_cfg or {}))
        self.appearance_branch = AppearanceActionBranch(
            feat_channels, num_classes, num_blocks, appearance_channels,
            remap_kernel=remap_kernel)
        self.pose_weight = nn.Parameter(torch.ones(num_classes))
        self.appearance_weight = nn.Parameter(torch.ones(num_classes))
        weights = dict(pose=1., appearance=1., fused=1.)
        unknown = set(loss_weights or {}) - set(BRANCHES)
        if unknown:
            raise ValueError(f'unknown loss_weights keys {sorted(unknown)}; '
                             f'expected some of {BRANCHES}')
        weights.update(loss_weights or {})
        self.loss_weights: Dict[str, List[float]] = {}
        for key, count in zip(BRANCHES, (num_blocks, num_blocks, 1)):
            w = weights[key]
            w = [float(w)] * count if isinstance(w, (int, float)) \
                else [float(v) for v in w]
            if len(w) != count:
                raise ValueError(f'loss_weights[{key!r}] needs {count} '
                                 f'weights, got {len(w)}')
            self.loss_weights[key] = w

    def forward(self, coords: Tensor, visibility: Tensor, heatmaps: Tensor,
                features: Tensor) -> Dict[str, Union[Tensor, List[Tensor]]]:
        """Run both branches and the fusion.

        Args:
            coords (Tensor): Joint coordinates [N, T, J, D].
            visibility (Tensor): Joint visibility [N, T, J].
            heatmaps (Tensor): Softmaxed joint heatmaps [N, T, J, h, w].
            features (Tensor): Visual features [N, T, C, h, w].

        Returns:
            dict: ``pose`` and ``appearance``, lists of K_a logits [N, A]
            each; ``fused``, logits [N, A]. All are pre-softmax.
        """
        pose_logits, pose_maps = self.pose_branch(
            pose_image(coords, visibility))
        app_logits, app_maps = self.appearance_branch(
            kronecker_pooling(heatmaps, features))
        fused = max_min_pool(
            self.pose_weight[:, None, None] * pose_maps
            + self.appearance_weight[:, None, None] * app_maps)
        return dict(pose=pose_logits, appearance=app_logits, fused=fused)

    def loss(self, outputs: Dict[str, Union[Tensor, List[Tensor]]],
             labels: Tensor) -> Dict[str, Tensor]:
        """Weighted cross-entropy on every output (2 K_a + 1).

        Args:
            outputs (dict): :meth:`forward`'s output.
            labels (Tensor): Class indices [N] (or class probabilities
                [N, A]; anything ``F.cross_entropy`` takes).

        Returns:
            dict: ``loss_pose_{k}``, ``loss_appearance_{k}`` (k = 1..K_a)
            and ``loss_fused``, each already weighted; their sum is the
            training loss (mmengine's ``parse_losses`` sums them).
        """
        losses: Dict[str, Tensor] = {}
        for key in ('pose', 'appearance'):
            logits = outputs[key]
            if len(logits) != self.num_blocks:
                raise ValueError(f'outputs[{key!r}] needs {self.num_blocks} '
                                 f'logits, got {len(logits)}')
            for k, (y, w) in enumerate(zip(logits, self.loss_weights[key])):
                losses[f'loss_{key}_{k + 1}'] = w * F.cross_entropy(y, labels)
        losses['loss_fused'] = (self.loss_weights['fused'][0]
                                * F.cross_entropy(outputs['fused'], labels))
        return losses

    def predict(self, outputs: Dict[str, Union[Tensor, List[Tensor]]]
                ) -> Tensor:
        """Class probabilities [N, A]: the softmax of the ``fused`` logits.
        """
        return outputs['fused'].softmax(dim=-1)

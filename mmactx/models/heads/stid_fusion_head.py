"""The heads of STID's five-descriptor fusion network (the reference's
``Fuse5``)."""
from typing import Dict, Optional, Sequence, Tuple

from mmaction.models.heads.base import BaseHead
from mmaction.utils import SampleList
from torch import Tensor, nn

from mmactx.registry import MODELS

DESCRIPTORS = ('gd', 'fdd', 'jdd', 'add', 'lad')
GROUPS = (('gd', 'fdd'), ('jdd', 'add', 'lad'))


@MODELS.register_module()
class STIDFusionHead(BaseHead):
    """Eight classifiers over the features of the five descriptor images
    of a sample, which one shared trunk (:class:`~mmactx.models.STIDResNet`
    inside mmaction2's ``Recognizer2D``) computed.

    With f_d the pooled feature of descriptor d, the heads are:

    * ``fused``: a linear layer on the concatenation of all five features
      (the model's prediction);
    * one linear layer shared by the five descriptors, applied to each f_d
      (heads ``gd``, ``fdd``, ``jdd``, ``add``, ``lad``);
    * a linear layer per group of ``groups``, on the group's concatenated
      features (``gd+fdd`` and ``jdd+add+lad``).

    Training minimises the unweighted sum of the eight heads' losses
    (``loss_cls`` each, reported as ``loss_{head}``); the model's
    prediction is ``fused`` alone, whose score never depends on the label
    (the other heads' scores are reported beside it). The reference
    builds these as 1x1 convolutions on 1x1 maps, which are these linear
    layers.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of each descriptor's feature (the
            trunk's ``4 x base_channels``).
        descriptors (Sequence[str]): The descriptors in the order of the
            pipeline's images. Defaults to ``('gd', 'fdd', 'jdd', 'add',
            'lad')``, the reference's order.
        groups (Sequence[Sequence[str]]): Descriptors with a joint head.
            Defaults to ``(('gd', 'fdd'), ('jdd', 'add', 'lad'))``.
        loss_cls (dict): The loss of every head. Defaults to STID's
            ``SoftTargetLoss`` (0.8 / 0.1).
        **kwargs: ``BaseHead``'s other arguments (``average_clips``,
            ``topk``, ``init_cfg``).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 descriptors: Sequence[str] = DESCRIPTORS,
                 groups: Sequence[Sequence[str]] = GROUPS,
                 loss_cls: Dict = dict(type='SoftTargetLoss'),
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, loss_cls=loss_cls,
                         **kwargs)
        self.descriptors = tuple(descriptors)
        if len(set(self.descriptors)) != len(self.descriptors):
            raise ValueError(f'descriptors repeat: {self.descriptors}')
        self.groups = tuple(tuple(g) for g in groups)
        unknown = [d for g in self.groups for d in g
                   if d not in self.descriptors]
        if unknown:
            raise ValueError(f'groups name {unknown}, which are not among '
                             f'the descriptors {self.descriptors}')
        n = len(self.descriptors)
        self.fc_fused = nn.Linear(n * in_channels, num_classes)
        self.fc_each = nn.Linear(in_channels, num_classes)
        self.fc_groups = nn.ModuleList(
            nn.Linear(len(g) * in_channels, num_classes)
            for g in self.groups)
        self.pool = nn.AdaptiveAvgPool2d(1)

    @property
    def head_names(self) -> Tuple[str, ...]:
        """``fused``, the descriptors, then the groups (``a+b``)."""
        return (('fused', ) + self.descriptors +
                tuple('+'.join(g) for g in self.groups))

    def forward(self, x: Tensor, num_segs: Optional[int] = None,
                **kwargs) -> Dict[str, Tensor]:
        """Features [N x D, C, h, w] (D = len(descriptors) images per
        sample, in order) -> logits [N, num_classes] of every head, by
        name (:attr:`head_names`)."""
        d = len(self.descriptors)
        if num_segs is not None and num_segs != d:
            raise ValueError(f'{num_segs} images per sample for '
                             f'{d} descriptors {self.descriptors}')
        feats = self.pool(x).flatten(1).view(-1, d, self.in_channels)
        scores = {'fused': self.fc_fused(feats.flatten(1))}
        each = self.fc_each(feats)  # [N, D, K]
        for i, name in enumerate(self.descriptors):
            scores[name] = each[:, i]
        for group, fc in zip(self.groups, self.fc_groups):
            index = [self.descriptors.index(name) for name in group]
            scores['+'.join(group)] = fc(feats[:, index].flatten(1))
        return scores

    def loss_by_feat(self, cls_scores: Dict[str, Tensor],
                     data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_{head}`` of every head (their sum is the training loss)
        and the fused head's ``top{k}_acc``, each by mmaction2's
        ``BaseHead.loss_by_feat``."""
        losses = {}
        for name in self.head_names:
            part = super().loss_by_feat(cls_scores[name], data_samples)
            losses[f'loss_{name}'] = part['loss_cls']
            if name == 'fused':
                losses.update({k: v for k, v in part.items()
                               if k.endswith('_acc')})
        return losses

    def predict_by_feat(self, cls_scores: Dict[str, Tensor],
                        data_samples: SampleList) -> SampleList:
        """Every head's scores (``average_clips`` over a sample's clips,
        e.g. ``'prob'``), as a dict by head name in ``pred_score``;
        ``pred_label`` is the fused head's. ``test.py --dump`` writes the
        ``fused`` scores as the sample's score and the other heads as
        streams (``ensemble.py stid.pkl:gd``), and mmaction2's
        ``AccMetric`` reports ``acc/{head}_top1`` of each head."""
        n = len(data_samples)
        heads = {name: self.average_clip(score, score.shape[0] // n)
                 for name, score in cls_scores.items()}
        for i, sample in enumerate(data_samples):
            sample.set_pred_score({name: s[i] for name, s in heads.items()})
            sample.set_pred_label(heads['fused'][i].argmax(dim=-1,
                                                           keepdim=True))
        return data_samples

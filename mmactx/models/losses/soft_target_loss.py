"""Cross-entropy with STID's fixed soft targets."""
import torch
import torch.nn.functional as F
from mmaction.models.losses.base import BaseWeightedLoss
from torch import Tensor

from mmactx.registry import MODELS


@MODELS.register_module()
class SoftTargetLoss(BaseWeightedLoss):
    """Cross-entropy of class indices turned into soft targets: ``target``
    for the true class and ``other`` for every other class, not normalised
    (STID's 0.8 / 0.1: they sum to 0.8 + 0.1 (K - 1), as the reference
    feeds them to ``CrossEntropyLoss``).

    The loss of one sample is ``-(target * log p_y + other * sum_{k != y}
    log p_k)``, with ``p = softmax(scores)``, averaged over the batch and
    multiplied by ``loss_weight``.

    Args:
        target (float): Target of the true class. Defaults to 0.8.
        other (float): Target of each other class. Defaults to 0.1.
        loss_weight (float): Factor of the loss. Defaults to 1.
    """

    def __init__(self, target: float = 0.8, other: float = 0.1,
                 loss_weight: float = 1.) -> None:
        super().__init__(loss_weight=loss_weight)
        if target < 0 or other < 0:
            raise ValueError(f'targets must be >= 0, got target={target}, '
                             f'other={other}')
        self.target = target
        self.other = other

    def _forward(self, cls_score: Tensor, label: Tensor,
                 **kwargs) -> Tensor:
        """Scores [B, K] (logits) and labels [B] (class indices) -> the
        mean loss (a scalar)."""
        if label.dim() != 1 or label.shape[0] != cls_score.shape[0]:
            raise ValueError(f'SoftTargetLoss takes one class index per '
                             f'sample: labels of shape {tuple(label.shape)} '
                             f'for scores {tuple(cls_score.shape)}')
        log_p = F.log_softmax(cls_score, dim=1)
        soft = torch.full_like(log_p, self.other)
        soft.scatter_(1, label[:, None].long(), self.target)
        return -(soft * log_p).sum(dim=1).mean()

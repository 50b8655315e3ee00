"""Pose regression losses of Luvizon et al. (CVPR'18, TPAMI'20): the
elastic net (L1 + squared L2) on the labelled coordinates, optionally plus
a binary cross-entropy on them (deephar's ``l1l2bincross``), and the BCE of
the joint visibility."""
import torch
import torch.nn.functional as F
from mmaction.models.losses.base import BaseWeightedLoss
from torch import Tensor

from mmactx.registry import MODELS

#: visibilities are clipped to [EPS, 1 - EPS] for their BCE (Keras' epsilon)
EPS = 1e-7
#: how far outside [0, 1] a visibility may lie by rounding
ROUNDING = 1e-4


@MODELS.register_module()
class ElasticNetCoordLoss(BaseWeightedLoss):
    """Elastic net on labelled coordinates, ``|p - t|_1 + ||p - t||_2^2``.

    Which coordinates are labelled is given by an explicit boolean mask
    ``valid`` of the shape of the coordinates, and only by it: the target
    is never read as a label flag (deephar's ``-1e9`` sentinel masked by
    ``target > 0`` is not followed; convert it to a mask). A joint labelled
    in x, y but not z (2D-only data mixed with 3D data) counts its x and y.

    The loss of a sample is the sum over its labelled coordinate values of
    ``|p - t| + (p - t)^2`` (plus ``bincross_weight * BCE(p, t)``), divided
    by the number N_valid of labelled values, as deephar's
    ``elasticnet_loss_on_valid_joints``: a 2D joint counts 2 in N_valid, a
    3D joint 3. The batch loss is the mean over the samples with at least
    one labelled value (0, with a graph, when there is none; deephar's mean
    also counts the unlabelled samples as 0), times ``loss_weight``.

    Args:
        bincross_weight (float): Weight of the binary cross-entropy of the
            coordinates, which must then lie in [0, 1]. deephar's
            ``l1l2bincross`` is 0.01. Defaults to 0 (plain ``l1l2``).
        loss_weight (float): Factor of the loss. Defaults to 1.
    """

    def __init__(self, bincross_weight: float = 0.,
                 loss_weight: float = 1.) -> None:
        super().__init__(loss_weight=loss_weight)
        if bincross_weight < 0:
            raise ValueError(f'bincross_weight must be >= 0, got '
                             f'{bincross_weight}')
        self.bincross_weight = bincross_weight

    def _forward(self, pred: Tensor, target: Tensor, valid: Tensor,
                 **kwargs) -> Tensor:
        """The mean loss (a scalar).

        Args:
            pred (Tensor): Predicted coordinates [N, J, D] (D = 2 or 3,
                normalised units, e.g. [0, 1]).
            target (Tensor): Target coordinates [N, J, D], same units; the
                unlabelled entries are ignored, whatever their value (NaN
                included).
            valid (Tensor): Bool mask [N, J, D], True where labelled.
        """
        if pred.dim() != 3:
            raise ValueError(f'pred must be [N, J, D], got shape '
                             f'{tuple(pred.shape)}')
        if target.shape != pred.shape or valid.shape != pred.shape:
            raise ValueError(f'pred, target and valid must have the same '
                             f'shape [N, J, D], got {tuple(pred.shape)}, '
                             f'{tuple(target.shape)} and '
                             f'{tuple(valid.shape)}')
        if valid.dtype != torch.bool:
            raise TypeError(f'valid must be a bool mask (True = labelled), '
                            f'got dtype {valid.dtype}')
        if not torch.isfinite(target[valid]).all():
            raise ValueError('labelled target values must be finite; mark '
                             'unlabelled ones False in valid')
        # Unlabelled entries read as exact hits, with no gradient.
        safe_target = torch.where(valid, target, pred.detach())
        diff = pred - safe_target
        per_value = diff.abs() + diff.square()
        if self.bincross_weight > 0:
            per_value = per_value + self.bincross_weight * self._bincross(
                pred, safe_target, valid)
        per_value = torch.where(valid, per_value, torch.zeros_like(pred))
        num_valid = valid.flatten(1).sum(dim=1)
        labelled = num_valid > 0
        if not labelled.any():
            return pred.sum() * 0
        per_sample = per_value.flatten(1).sum(dim=1)[labelled]
        return (per_sample / num_valid[labelled]).mean()

    @staticmethod
    def _bincross(pred: Tensor, target: Tensor, valid: Tensor) -> Tensor:
        """BCE of each labelled value [N, J, D] (0 where unlabelled)."""
        for name, value in (('pred', pred), ('target', target)):
            labelled = value[valid]
            if ((labelled < 0) | (labelled > 1)).any():
                raise ValueError(f'bincross_weight > 0 needs labelled {name} '
                                 f'coordinates in [0, 1]')
        half = torch.full_like(pred, 0.5)
        return F.binary_cross_entropy(torch.where(valid, pred, half),
                                      torch.where(valid, target, half),
                                      reduction='none')


@MODELS.register_module()
class VisibilityBCELoss(BaseWeightedLoss):
    """Binary cross-entropy of the predicted joint visibility, averaged
    over all joints and samples, times ``loss_weight`` (0.01 in the paper;
    the target is "the joint lies inside the crop").

    The predictions are clipped to ``[EPS, 1 - EPS]`` first, as Keras'
    ``binary_crossentropy`` (deephar) does: the heatmap confidence reaches
    1 (always on a 2 x 2 map, and above it by a rounding error), where the
    gradient ``1 / (1 - p)`` would explode; clipped values get no gradient.

    Args:
        loss_weight (float): Factor of the loss. Defaults to 0.01.
    """

    def __init__(self, loss_weight: float = 0.01) -> None:
        super().__init__(loss_weight=loss_weight)

    def _forward(self, pred: Tensor, target: Tensor, **kwargs) -> Tensor:
        """The mean loss (a scalar).

        Args:
            pred (Tensor): Predicted visibilities [N, J] in [0, 1].
            target (Tensor): Targets [N, J], 0 or 1 (bool or float).
        """
        if pred.dim() != 2 or target.shape != pred.shape:
            raise ValueError(f'pred and target must both be [N, J], got '
                             f'{tuple(pred.shape)} and '
                             f'{tuple(target.shape)}')
        target = target.to(pred.dtype)
        if ((target != 0) & (target != 1)).any():
            raise ValueError('visibility targets must be 0 or 1')
        if ((pred < -ROUNDING) | (pred > 1 + ROUNDING)).any():
            raise ValueError('predicted visibilities must be in [0, 1]')
        return F.binary_cross_entropy(pred.clamp(EPS, 1 - EPS), target)

"""RGBPose-Conv3D's two-classifier head, with its labels read by their
meaning."""
from typing import Dict

import torch
from mmaction.models.heads import RGBPoseHead as _RGBPoseHead
from mmaction.utils import SampleList

from mmactx.registry import MODELS


@MODELS.register_module()
class RGBPoseHead(_RGBPoseHead):
    """mmaction2's ``RGBPoseHead`` (one classifier per stream, one loss per
    stream), whose training does not fail when a batch holds as many
    clips as there are classes.

    mmaction2 1.2.0 squeezes the stacked labels and then guesses soft labels
    from their shape: a batch of B hard labels with B == ``num_classes``
    looks like one soft label, and the guess then calls ``.size()`` on the
    dict of scores (``AttributeError: 'dict' object has no attribute
    'size'``), e.g. batch 8 on 8 classes, or 60 videos per GPU on NTU60.
    Here a label is hard when each sample's ``gt_label`` holds one value
    and soft (a distribution over the classes) otherwise, whatever the
    batch size. Everything else, including the parameters, is mmaction2's.
    """

    def loss_by_feat(self, cls_scores: Dict[str, torch.Tensor],
                     data_samples: SampleList) -> Dict:
        """The weighted loss of each stream of ``loss_components``.

        Args:
            cls_scores (dict[str, torch.Tensor]): Scores [B, num_classes]
                per stream.
            data_samples (list[ActionDataSample]): The batch's samples;
                ``gt_label`` is a class index ([1]) or a distribution over
                the classes ([num_classes]).

        Returns:
            dict: ``{stream}_loss_cls`` and ``{stream}_top{k}_acc`` (hard
            labels) of every stream.
        """
        labels = torch.stack([x.gt_label for x in data_samples])
        if labels.shape[1:].numel() == 1:  # hard labels: [B]
            labels = labels.reshape(-1)
        losses = dict()
        for name, weight in zip(self.loss_components, self.loss_weights):
            loss = self.loss_by_scores(cls_scores[name], labels)
            loss = {f'{name}_{k}': v for k, v in loss.items()}
            loss[f'{name}_loss_cls'] *= weight
            losses.update(loss)
        return losses

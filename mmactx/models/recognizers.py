"""PoseC3D recognizer for heatmaps rendered on the model's device, with
multi-clip testing in chunks."""
from typing import Union

import torch
from mmaction.models.recognizers import Recognizer3D
from mmaction.utils import OptSampleList
from torch import Tensor

from mmactx.registry import MODELS
from .data_preprocessors import KeypointClips


@MODELS.register_module()
class HeatmapRecognizer3D(Recognizer3D):
    """``Recognizer3D`` whose test views are rendered and run in chunks.

    With :class:`~mmactx.models.HeatmapDataPreprocessor` ``(defer_test=
    True)`` the test inputs arrive as :class:`~mmactx.models.KeypointClips`
    (clips and what rendering them needs); ``test_cfg=dict(
    max_testing_views=n)`` renders n views at a time and runs them through
    the backbone before rendering the next, so a 10-clip x 2-flip sample
    never holds all 20 volumes (and their activations) at once. The
    features are concatenated in view order and the head averages them as
    usual: the same scores as rendering every view first. Volume tensors
    (training, testing without ``defer_test``) are ``Recognizer3D``'s.
    """

    def extract_feat(self,
                     inputs: Union[Tensor, KeypointClips],
                     stage: str = 'neck',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> tuple:
        """Features of volumes [B, views, C, T, H, W], or of the views of a
        deferred batch (rendered in chunks in test mode, all at once
        otherwise); see ``Recognizer3D.extract_feat``."""
        if not isinstance(inputs, KeypointClips):
            return super().extract_feat(inputs, stage, data_samples,
                                        test_mode)
        if not test_mode:
            return super().extract_feat(
                self.data_preprocessor.render_views(inputs), stage,
                data_samples, test_mode)
        B, total = inputs.clips.shape[0], inputs.num_views
        step = (self.test_cfg or {}).get('max_testing_views') or total
        feats = []
        for start in range(0, total, step):
            views = range(start, min(start + step, total))
            volume = self.data_preprocessor.render_views(inputs, views)
            feat = self.backbone(volume.flatten(0, 1))
            if self.with_neck:
                feat, _ = self.neck(feat)
            feats.append(feat.view((B, len(views)) + feat.shape[1:]))
            del volume
        x = torch.cat(feats, 1).flatten(0, 1)
        return x, dict(fcn_test=(self.test_cfg or {}).get('fcn_test', False))

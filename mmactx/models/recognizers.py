"""PoseC3D recognizer for heatmaps rendered on the model's device, with
multi-clip testing in chunks."""
import torch
from mmaction.models.recognizers import Recognizer3D
from torch import Tensor

from mmactx.registry import MODELS


@MODELS.register_module()
class HeatmapRecognizer3D(Recognizer3D):
    """``Recognizer3D`` whose test views are rendered and run in chunks.

    With :class:`~mmactx.models.HeatmapDataPreprocessor` ``(defer_test=
    True)`` the test inputs arrive as keypoint clips; ``test_cfg=dict(
    max_testing_views=n)`` renders n views at a time and runs them through
    the backbone before rendering the next, so a 10-clip x 2-flip sample
    never holds all 20 volumes (and their activations) at once. The
    features are concatenated in view order and the head averages them as
    usual: the same scores as rendering every view first. Training, and
    testing with rendered inputs, are ``Recognizer3D``'s.
    """

    @staticmethod
    def _are_clips(inputs: Tensor) -> bool:
        """Keypoint clips [B, K, M, T, V, 3] rather than volumes."""
        return inputs.dim() == 6 and inputs.shape[-1] == 3

    def predict(self, inputs, data_samples, **kwargs):
        # extract_feat gets no data samples: keep what rendering needs
        self._test_meta = (self.data_preprocessor.batch_meta(data_samples)
                           if self._are_clips(inputs) else None)
        try:
            return super().predict(inputs, data_samples, **kwargs)
        finally:
            self._test_meta = None

    def extract_feat(self, inputs: Tensor, stage: str = 'neck',
                     data_samples=None, test_mode: bool = False) -> tuple:
        if not (test_mode and self._are_clips(inputs)
                and getattr(self, '_test_meta', None)):
            return super().extract_feat(inputs, stage, data_samples,
                                        test_mode)
        img_shape, double = self._test_meta
        B, K = inputs.shape[:2]
        total = K * (1 + double)
        step = (self.test_cfg or {}).get('max_testing_views') or total
        feats = []
        for start in range(0, total, step):
            views = range(start, min(start + step, total))
            volume = self.data_preprocessor.render(inputs, img_shape, double,
                                                   views)
            feat = self.backbone(volume.flatten(0, 1))
            if self.with_neck:
                feat, _ = self.neck(feat)
            feats.append(feat.view((B, len(views)) + feat.shape[1:]))
            del volume
        x = torch.cat(feats, 1).flatten(0, 1)
        kwargs = dict(fcn_test=(self.test_cfg or {}).get('fcn_test', False))
        return x, kwargs

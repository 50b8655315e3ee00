"""Multi-modal (RGB + pose) recognizer with multi-clip testing in chunks."""
from typing import Dict, Tuple

import torch
from mmaction.models.recognizers import MMRecognizer3D
from mmaction.utils import OptSampleList

from mmactx.registry import MODELS


@MODELS.register_module()
class ChunkedMMRecognizer3D(MMRecognizer3D):
    """mmaction2's ``MMRecognizer3D`` whose test views run in chunks.

    ``test_cfg=dict(max_testing_views=n)`` runs the test views (clips) of a
    batch n at a time through the backbone (e.g. ``RGBPoseConv3D``), so that
    a 10-clip sample never holds the activations of all 10 clips at once:
    the backbone's features of each chunk are kept, concatenated in view
    order and averaged by the head as usual, giving the same scores as all
    views at once (the backbone treats views independently; BatchNorm is in
    eval mode in testing). Training, and testing without
    ``max_testing_views``, are ``MMRecognizer3D``'s; as in mmactx's
    ``HeatmapRecognizer3D``. Unlike ``MMRecognizer3D.extract_feat``, the
    ``inputs`` dict is not modified.
    """

    def extract_feat(self,
                     inputs: Dict[str, torch.Tensor],
                     stage: str = 'backbone',
                     data_samples: OptSampleList = None,
                     test_mode: bool = False) -> Tuple:
        """Features of ``inputs`` (modality -> [B, views, C, T, H, W]): in
        test mode with ``max_testing_views``, computed in chunks of views;
        see ``MMRecognizer3D.extract_feat``."""
        step = (self.test_cfg or {}).get('max_testing_views')
        if not test_mode or not step:
            return super().extract_feat(dict(inputs), stage, data_samples,
                                        test_mode)
        if step < 1:
            raise ValueError(f'max_testing_views must be >= 1, got {step}')
        shapes = {m: tuple(v.shape[:2]) for m, v in inputs.items()}
        (B, total), *others = set(shapes.values())
        if others:
            raise ValueError('every modality must have the same batch size '
                             f'and number of views, got {shapes}')
        chunks = []
        for start in range(0, total, step):
            stop = min(start + step, total)
            chunk = {m: v[:, start:stop].flatten(0, 1)
                     for m, v in inputs.items()}
            feats = self.backbone(**chunk)
            # [B * n, ...] -> [B, n, ...]: views stay grouped per sample
            chunks.append(tuple(f.view((B, stop - start) + f.shape[1:])
                                for f in feats))
        x = tuple(
            torch.cat([c[i] for c in chunks], 1).flatten(0, 1)
            for i in range(len(chunks[0])))
        kwargs = dict()
        if stage == 'backbone':
            return x, kwargs
        if self.with_cls_head and stage == 'head':
            return self.cls_head(x, **kwargs), kwargs
        return x, kwargs

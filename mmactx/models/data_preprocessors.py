"""A data preprocessor that renders PoseC3D heatmap volumes on the model's
device from packed keypoint clips (:class:`~mmactx.datasets.PackPoseClips`).
"""
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmactx.registry import MODELS
from .heatmap_rendering import HeatmapRenderer


@dataclass(frozen=True, eq=False)
class KeypointClips:
    """A test batch whose volumes are rendered later, by the model: what
    :class:`HeatmapDataPreprocessor` ``(defer_test=True)`` hands the
    recognizer instead of a volume tensor.

    Attributes:
        clips (Tensor): float32 [B, K, M, T, V, 3] keypoint clips (x, y in
            pixels of ``img_shape``, score) on the model's device.
        img_shape (tuple[int, int]): ``(h, w)`` of the batch's coordinate
            frame.
        double (bool): Whether the mirrored views (the flip test) follow
            the K original ones.
    """
    clips: Tensor
    img_shape: Tuple[int, int]
    double: bool

    @property
    def num_views(self) -> int:
        """Views per sample: K, or 2K with the flip test."""
        return self.clips.shape[1] * (1 + self.double)


@MODELS.register_module()
class HeatmapDataPreprocessor(BaseDataPreprocessor):
    """Moves keypoint clips [B, K, M, T, V, 3] to the model's device and
    renders their volumes [B, views, C, T, H, W] (views = K, or 2K with the
    flip test asked for by the pipeline's ``PackPoseClips(double=True)``),
    what the CPU ``GeneratePoseTarget`` + ``FormatShape('NCTHW_Heatmap')``
    would have given.

    Args:
        renderer (dict): ``GeneratePoseTarget`` arguments (sigma, use_score,
            with_kp, with_limb, skeletons, left_kp, right_kp, left_limb,
            right_limb, scaling); ``double`` comes from the pipeline.
        defer_test (bool): In test mode, hand the recognizer the clips
            unrendered, as :class:`KeypointClips`, so that
            :class:`HeatmapRecognizer3D` renders them chunk by chunk.
            Defaults to False.
    """

    def __init__(self, renderer: Optional[Dict] = None,
                 defer_test: bool = False) -> None:
        super().__init__()
        self.renderer = HeatmapRenderer(**dict(renderer or {}, double=False))
        self.defer_test = defer_test

    @staticmethod
    def batch_meta(data_samples: Sequence) -> Tuple[Tuple[int, int], bool]:
        """The batch's common ``img_shape`` and ``heatmap_double``."""
        metas = {(tuple(s.metainfo['img_shape']),
                  bool(s.metainfo.get('heatmap_double', False)))
                 for s in data_samples}
        if len(metas) != 1:
            raise ValueError(f'samples of one batch must share img_shape and '
                             f'heatmap_double, got {sorted(metas)}')
        return metas.pop()

    def render(self, clips: Tensor, img_shape: Sequence[int], double: bool,
               views: Optional[range] = None) -> Tensor:
        """Volumes of some views of clips [B, K, M, T, V, 3]: view v < K is
        clip v, view K + v its mirror. Returns [B, len(views), C, T, H, W].
        """
        B, K = clips.shape[:2]
        views = range(K * (1 + double)) if views is None else views
        originals = [v for v in views if v < K]
        if originals == list(views):
            # only original clips: render straight into the output
            picked = clips[:, originals] if originals != list(range(K)) \
                else clips
            volume = self.renderer(picked.flatten(0, 1), img_shape)
            return volume.view((B, len(originals)) + volume.shape[1:])
        needed = sorted({v % K for v in views})
        volume = self.renderer(clips[:, needed].flatten(0, 1), img_shape)
        volume = volume.view((B, len(needed)) + volume.shape[1:])
        mirrored = self.renderer.mirror(volume.flatten(0, 1),
                                        clips.shape[4]).view(volume.shape)
        where = {k: i for i, k in enumerate(needed)}
        return torch.stack([(volume if v < K else mirrored)[:, where[v % K]]
                            for v in views], 1)

    def render_views(self, batch: KeypointClips,
                     views: Optional[range] = None) -> Tensor:
        """Volumes [B, len(views), C, T, H, W] of some views of a deferred
        batch (all by default); see :meth:`render`."""
        return self.render(batch.clips, batch.img_shape, batch.double, views)

    def preprocess(self, inputs, data_samples: Sequence,
                   training: bool = False) -> Tuple[object, Sequence]:
        """Render a batch's clips (already on the model's device): the
        volumes [B, views, C, T, H, W], or :class:`KeypointClips` in test
        mode with ``defer_test``.

        This is the interface of mmaction2's ``MultiModalDataPreprocessor``
        (``preprocessors=dict(heatmap_imgs=dict(type=
        'HeatmapDataPreprocessor', ...))``); its recognizers take
        rendered volumes, so leave ``defer_test`` off there.

        Args:
            inputs (Tensor | list[Tensor]): Clips [B, K, M, T, V, 3], or B
                clips [K, M, T, V, 3].
            data_samples (list[ActionDataSample]): Their samples, with
                ``img_shape`` and ``heatmap_double`` in the metainfo.
            training (bool): Training mode. Defaults to False.

        Returns:
            tuple: The rendered inputs and the samples.
        """
        clips = torch.stack(inputs) if isinstance(inputs, (list, tuple)) \
            else inputs
        img_shape, double = self.batch_meta(data_samples)
        if not training and self.defer_test:
            return KeypointClips(clips, img_shape, double), data_samples
        return self.render(clips, img_shape, double), data_samples

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs, samples = self.preprocess(data['inputs'],
                                          data['data_samples'], training)
        return dict(inputs=inputs, data_samples=samples)

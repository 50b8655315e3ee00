"""Packing keypoint clips for heatmaps rendered on the model's device."""
from typing import Dict, Sequence

import numpy as np
from mmaction.datasets.transforms import PackActionInputs

from mmactx.registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')


@TRANSFORMS.register_module()
class PackPoseClips(PackActionInputs):
    """Pack a sample's sampled, cropped and resized keypoints for
    :class:`~mmactx.models.HeatmapDataPreprocessor`, which renders the
    heatmap volumes on the model's device. It takes the place of
    ``GeneratePoseTarget``, ``FormatShape`` and ``PackActionInputs`` at the
    end of a PoseC3D pipeline.

    ``inputs`` is float32 [num_clips, max_persons, clip_len, V, 3] (x, y in
    pixels of ``img_shape``, score); missing persons are padded with NaN
    coordinates and score 0. ``img_shape`` and ``heatmap_double`` go into
    the data sample's metainfo.

    Required Keys:

        - keypoint, keypoint_score (optional: 1), img_shape, num_clips,
          clip_len, label (optional)

    Args:
        double (bool): Ask for the mirrored views as well (the flip test,
            ``GeneratePoseTarget(double=True)``). Defaults to False.
        max_persons (int): Persons per clip after padding; a sample with
            more raises an error (the CPU path would draw them all).
            Defaults to 2.
        meta_keys (Sequence[str]): Meta keys kept (``heatmap_double`` is
            added).
    """

    def __init__(self,
                 double: bool = False,
                 max_persons: int = 2,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        super().__init__(meta_keys=tuple(meta_keys) + ('heatmap_double', ))
        self.double = double
        self.max_persons = max_persons

    def transform(self, results: Dict) -> Dict:
        kp = np.asarray(results['keypoint'], np.float32)[..., :2]
        M, TT, V = kp.shape[:3]
        if M > self.max_persons:
            raise ValueError(
                f'{results.get("frame_dir", "a sample")}: {M} persons, '
                f'PackPoseClips(max_persons={self.max_persons}) keeps at '
                f'most {self.max_persons}; raise max_persons')
        score = results.get('keypoint_score')
        score = (np.ones((M, TT, V), np.float32) if score is None else
                 np.asarray(score, np.float32))
        num_clips, clip_len = results['num_clips'], results['clip_len']
        if num_clips * clip_len != TT:
            raise ValueError(f'{TT} frames are not num_clips {num_clips} x '
                             f'clip_len {clip_len}')
        clips = np.full((self.max_persons, TT, V, 3), np.nan, np.float32)
        clips[..., 2] = 0
        clips[:M, ..., :2] = kp
        clips[:M, ..., 2] = score
        clips = clips.reshape(self.max_persons, num_clips, clip_len, V, 3)
        results = dict(results, heatmap_double=self.double,
                       keypoint=np.ascontiguousarray(
                           clips.transpose(1, 0, 2, 3, 4)))
        results.pop('imgs', None)
        results.pop('heatmap_imgs', None)
        return super().transform(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(double={self.double}, '
                f'max_persons={self.max_persons}, '
                f'meta_keys={self.meta_keys})')

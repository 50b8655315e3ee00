"""Packing keypoint clips for heatmaps rendered on the model's device."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmaction.datasets.transforms import PackActionInputs
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_shape', 'img_key', 'video_id', 'timestamp')


def padded_poses(results: Dict, max_persons: int,
                 packer: str) -> np.ndarray:
    """A sample's poses as float32 [max_persons, T, V, 3] (x, y, score):
    ``keypoint`` [M, T, V, 2+] and ``keypoint_score`` [M, T, V] (ones
    where absent), the missing persons padded with NaN coordinates and
    score 0, which the renderers draw as nothing.

    Raises:
        ValueError: the sample has more than ``max_persons`` persons (named
            with the sample and ``packer``, the transform's name).
    """
    kp = np.asarray(results['keypoint'], np.float32)[..., :2]
    m, t, v = kp.shape[:3]
    if m > max_persons:
        raise ValueError(
            f'{results.get("frame_dir", "a sample")}: {m} persons, '
            f'{packer}(max_persons={max_persons}) keeps at most '
            f'{max_persons}; raise max_persons')
    score = results.get('keypoint_score')
    out = np.full((max_persons, t, v, 3), np.nan, np.float32)
    out[..., 2] = 0
    out[:m, ..., :2] = kp
    out[:m, ..., 2] = 1 if score is None else np.asarray(score, np.float32)
    return out


@TRANSFORMS.register_module()
class PackPoseClips(PackActionInputs):
    """Pack a sample's sampled, cropped and resized keypoints for
    :class:`~mmactx.models.HeatmapDataPreprocessor`, which renders the
    heatmap volumes on the model's device. It takes the place of
    ``GeneratePoseTarget``, ``FormatShape`` and ``PackActionInputs`` at the
    end of a PoseC3D pipeline, and of ``GeneratePoseTarget`` and
    ``PackActionInputs(collect_keys=('imgs', 'heatmap_imgs'))`` at the end
    of an RGB + pose one (after ``FormatShape('NCTHW')`` of the frames).

    The clips are float32 [num_clips, max_persons, clip_len, V, 3] (x, y in
    pixels of ``img_shape``, score; ``clip_len`` is the ``'Pose'`` entry of
    a multi-modal ``clip_len``); missing persons are padded with NaN
    coordinates and score 0. They are ``inputs``, or with ``collect_keys``
    its ``'heatmap_imgs'`` entry beside the other collected keys.
    ``img_shape`` and ``heatmap_double`` go into the data sample's
    metainfo.

    Required Keys:

        - keypoint, keypoint_score (optional: 1), img_shape, num_clips,
          clip_len, label (optional), the other ``collect_keys`` (e.g.
          imgs)

    Args:
        double (bool): Ask for the mirrored views as well (the flip test,
            ``GeneratePoseTarget(double=True)``). Defaults to False.
        max_persons (int): Persons per clip after padding; a sample with
            more raises an error (the CPU path would draw them all).
            Defaults to 2.
        collect_keys (tuple[str], optional): Pack a dict of these inputs,
            the clips as ``'heatmap_imgs'`` (which must be one of them),
            e.g. ``('imgs', 'heatmap_imgs')`` for RGBPose-Conv3D; None (the
            default) packs the clips alone.
        meta_keys (Sequence[str]): Meta keys kept (``heatmap_double`` is
            added).
    """

    def __init__(self,
                 double: bool = False,
                 max_persons: int = 2,
                 collect_keys: Optional[Tuple[str, ...]] = None,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        if collect_keys is not None and 'heatmap_imgs' not in collect_keys:
            raise ValueError(f"PackPoseClips packs the clips as "
                             f"'heatmap_imgs', which collect_keys "
                             f"{tuple(collect_keys)} lacks")
        super().__init__(
            collect_keys=None if collect_keys is None else tuple(
                collect_keys),
            meta_keys=tuple(meta_keys) + ('heatmap_double', ))
        self.double = double
        self.max_persons = max_persons

    def transform(self, results: Dict) -> Dict:
        clips = padded_poses(results, self.max_persons, 'PackPoseClips')
        TT, V = clips.shape[1:3]
        num_clips, clip_len = results['num_clips'], results['clip_len']
        if isinstance(clip_len, dict):  # multi-modal: {'RGB': .., 'Pose': ..}
            clip_len = clip_len['Pose']
        if num_clips * clip_len != TT:
            raise ValueError(f'{TT} frames are not num_clips {num_clips} x '
                             f'clip_len {clip_len}')
        clips = np.ascontiguousarray(
            clips.reshape(self.max_persons, num_clips, clip_len, V,
                          3).transpose(1, 0, 2, 3, 4))
        results = dict(results, heatmap_double=self.double)
        if self.collect_keys is not None:
            results['heatmap_imgs'] = clips
            return super().transform(results)
        results['keypoint'] = clips
        results.pop('imgs', None)
        results.pop('heatmap_imgs', None)
        return super().transform(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(double={self.double}, '
                f'max_persons={self.max_persons}, '
                f'collect_keys={self.collect_keys}, '
                f'meta_keys={self.meta_keys})')


@TRANSFORMS.register_module()
class FormatFramePoses(BaseTransform):
    """The poses of every sampled frame as one array, frames first, for a
    model that renders its own pose maps per frame (IntegralAction's
    ``IntegralActionRecognizer``); pack it with
    ``PackActionInputs(collect_keys=('imgs', 'keypoints'))``.

    ``keypoints`` is float32 [N, max_persons, V, 3]: for each of the N
    frames (all clips' frames in order, as the frames of ``imgs``) the
    persons' x, y (pixels of ``img_shape``) and score; missing persons are
    padded with NaN coordinates and score 0, which the renderer draws as
    nothing.

    Required Keys:

        - keypoint ([M, N, V, 2])
        - keypoint_score ([M, N, V], optional: 1)

    Added Keys:

        - keypoints ([N, max_persons, V, 3], float32)

    Args:
        max_persons (int): Persons per frame after padding; a sample with
            more is refused (the renderer keeps the top 5 per frame, so a
            larger value only costs memory). Defaults to 5.
    """

    def __init__(self, max_persons: int = 5) -> None:
        if max_persons < 1:
            raise ValueError(f'max_persons must be >= 1, got {max_persons}')
        self.max_persons = max_persons

    def transform(self, results: Dict) -> Dict:
        poses = padded_poses(results, self.max_persons, 'FormatFramePoses')
        results['keypoints'] = np.ascontiguousarray(
            poses.transpose(1, 0, 2, 3))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(max_persons={self.max_persons})'

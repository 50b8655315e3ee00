"""Packing of the two kinds of batches of Luvizon et al.'s multitask model
(:class:`mmactx.models.MultitaskRecognizer`): single-frame pose samples and
action clips, each tagged with its ``task`` metainfo."""
from typing import Dict, Sequence

import numpy as np
import torch
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform
from mmengine.structures import InstanceData

from mmactx.registry import TRANSFORMS

TASKS = ('pose', 'action')

#: Pose targets packed as data fields (``sample.gt_coords`` ...)
POSE_TARGETS = ('gt_coords', 'gt_coords_valid', 'gt_visible')


def _name(results: Dict) -> str:
    for key in ('frame_dir', 'img_path', 'filename'):
        if key in results:
            return f'{key}={results[key]!r}'
    return 'a sample without frame_dir/img_path'


def _chw(frames: np.ndarray) -> torch.Tensor:
    """``[..., H, W, C]`` -> a contiguous tensor ``[..., C, H, W]`` (the
    dtype kept)."""
    array = np.ascontiguousarray(np.moveaxis(np.asarray(frames), -1, -3))
    return torch.from_numpy(array)


def _one_instance(value, tail: int) -> torch.Tensor:
    """``value`` as a float32 tensor with a leading instance axis of 1 and
    ``tail`` more axes (``[V, 2]`` -> ``[1, V, 2]``)."""
    tensor = torch.as_tensor(np.asarray(value, dtype=np.float32))
    while tensor.ndim < tail + 1:
        tensor = tensor[None]
    return tensor


@TRANSFORMS.register_module()
class PackMultitaskInputs(BaseTransform):
    """Pack a pose sample or an action clip for
    :class:`~mmactx.models.MultitaskRecognizer`.

    **task='pose'**: ``inputs`` is the crop as a uint8 tensor ``[3, H, W]``
    (``img``, or the single frame of ``imgs``; channel order as loaded).
    The ``ActionDataSample`` carries metainfo ``task='pose'`` plus the
    ``meta_keys`` present, the data fields ``gt_coords`` ``[V, D]``
    float32, ``gt_coords_valid`` ``[V, D]`` bool and ``gt_visible`` ``[V]``
    float32 (tensors, so ``.to(device)`` moves them) and, for the pose
    metrics, ``gt_instances`` (``InstanceData``, one instance) with:

    * ``keypoints`` ``[1, V, 2]`` and ``keypoints_visible`` ``[1, V]``
      from ``gt_keypoints`` / ``gt_keypoints_visible`` (original image
      pixels, in the dataset's own convention: 1-based for MPII, as
      mmpose and :class:`~mmactx.evaluation.MultiBlockPCKh` expect);
    * ``head_size`` ``[1, 1]`` when ``head_size`` is present (MPII);
    * ``lifting_target`` ``[1, V, 3]`` and ``lifting_target_visible``
      ``[1, V]`` when ``lifting_target`` is present (H36M, for
      :class:`~mmactx.evaluation.MultiBlockMPJPE`).

    **task='action'**: ``inputs`` is uint8 ``[T, 3, H, W]``, or ``[num_views,
    T, 3, H, W]`` when ``num_clips`` > 1 (multi-clip testing) or
    ``num_views`` is in the results: the ``imgs`` are split into clips of
    ``clip_len`` frames (``results['clip_len']``, or ``len(imgs) //
    num_clips``). ``gt_label`` comes from ``label``; metainfo
    ``task='action'`` plus the ``meta_keys`` present.

    Required Keys:
        pose: img or imgs (one frame), gt_coords, gt_visible.
        action: imgs, label.

    Optional Keys:
        gt_coords_valid, gt_keypoints, gt_keypoints_visible, head_size,
        lifting_target, lifting_target_visible, clip_len, num_clips,
        num_views, the meta_keys.

    Added Keys:
        inputs, data_samples.

    Args:
        task (str): ``'pose'`` or ``'action'``.
        meta_keys (Sequence[str]): Keys copied into the metainfo when
            present.
    """

    def __init__(self,
                 task: str,
                 meta_keys: Sequence[str] = (
                     'frame_dir', 'img_path', 'img_shape', 'ori_shape',
                     'input_size', 'crop_matrix', 'crop_center', 'crop_size',
                     'crop_rotation', 'crop_flip', 'crop_joint_order',
                     'root_depth', 'depth_span', 'camera_param', 'clip_len',
                     'num_clips', 'num_views')
                 ) -> None:
        if task not in TASKS:
            raise ValueError(f'task must be one of {TASKS}, got {task!r}')
        self.task = task
        self.meta_keys = tuple(meta_keys)

    def _metainfo(self, results: Dict) -> Dict:
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta['task'] = self.task
        return meta

    def _pack_pose(self, results: Dict) -> Dict:
        if 'img' in results:
            img = np.asarray(results['img'])
        elif 'imgs' in results:
            if len(results['imgs']) != 1:
                raise ValueError(
                    f"{_name(results)}: a pose sample is one frame, but imgs"
                    f" holds {len(results['imgs'])}")
            img = np.asarray(results['imgs'][0])
        else:
            raise KeyError(f'{_name(results)} has neither img nor imgs')
        if img.ndim == 2:
            img = img[..., None]
        missing = [k for k in ('gt_coords', 'gt_visible') if k not in results]
        if missing:
            raise KeyError(f'{_name(results)} has no {missing}: put '
                           'PoseCoordTargets before PackMultitaskInputs')
        sample = ActionDataSample(metainfo=self._metainfo(results))
        sample.gt_coords = torch.as_tensor(
            np.asarray(results['gt_coords'], dtype=np.float32))
        if 'gt_coords_valid' in results:
            sample.gt_coords_valid = torch.as_tensor(
                np.asarray(results['gt_coords_valid'], dtype=bool))
        sample.gt_visible = torch.as_tensor(
            np.asarray(results['gt_visible'], dtype=np.float32))
        instances = self._gt_instances(results)
        if instances is not None:
            sample.gt_instances = instances
        return dict(inputs=_chw(img), data_samples=sample)

    @staticmethod
    def _gt_instances(results: Dict):
        fields = {}
        if 'gt_keypoints' in results:
            kp = _one_instance(results['gt_keypoints'], 2)
            fields['keypoints'] = kp
            visible = results.get('gt_keypoints_visible',
                                  np.ones(kp.shape[:2]))
            fields['keypoints_visible'] = _one_instance(visible, 1)
        if 'head_size' in results:
            fields['head_size'] = _one_instance(
                np.reshape(results['head_size'], -1), 1)
        if 'lifting_target' in results:
            target = _one_instance(results['lifting_target'], 2)
            fields['lifting_target'] = target
            visible = results.get('lifting_target_visible',
                                  np.ones(target.shape[:2]))
            fields['lifting_target_visible'] = _one_instance(visible, 1)
        if not fields:
            return None
        return InstanceData(**fields)

    def _pack_action(self, results: Dict) -> Dict:
        if 'imgs' not in results:
            raise KeyError(f'{_name(results)} has no imgs to pack as a clip')
        frames = np.stack([np.asarray(f) for f in results['imgs']])
        if frames.ndim == 3:
            frames = frames[..., None]
        num = len(frames)
        num_clips = int(results.get('num_clips', 1))
        clip_len = results.get('clip_len', num // max(num_clips, 1))
        if isinstance(clip_len, dict):  # per modality (ShareFrameInds)
            clip_len = clip_len.get('RGB', num // max(num_clips, 1))
        clip_len = int(clip_len)
        if clip_len <= 0 or num % clip_len:
            raise ValueError(f'{_name(results)}: {num} frames do not split '
                             f'into clips of clip_len={clip_len}')
        inputs = _chw(frames)
        if num_clips > 1 or 'num_views' in results:
            inputs = inputs.reshape(num // clip_len, clip_len,
                                    *inputs.shape[1:])
        elif num != clip_len:
            raise ValueError(f'{_name(results)}: {num} frames but clip_len='
                             f'{clip_len} and a single clip (set num_clips or '
                             'num_views for several)')
        if 'label' not in results:
            raise KeyError(f'{_name(results)} has no label')
        sample = ActionDataSample(metainfo=self._metainfo(results))
        sample.set_gt_label(results['label'])
        return dict(inputs=inputs, data_samples=sample)

    def transform(self, results: Dict) -> Dict:
        if self.task == 'pose':
            return self._pack_pose(results)
        return self._pack_action(results)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(task={self.task!r}, '
                f'meta_keys={self.meta_keys})')

"""MPII Human Pose single-person samples (mmpose's json) for the pose batches
of Luvizon et al.'s multitask model: one image and one person per sample,
with the paper's crop window and MPII's PCKh head size."""
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from scipy.io import loadmat

from mmactx.datasets.annotation_io import (AnnotationError,
                                           AnnotationFileNotFoundError)
from mmactx.evaluation.pose_metrics import mpii_head_sizes
from mmactx.registry import DATASETS
from mmactx.skeletons import get_layout

#: MPII's person scale is the person's height / 200 px
MPII_PIXEL_STD = 200.0


def mpii_crop_window(center: Sequence[float],
                     scale: float,
                     pixel_std: float = MPII_PIXEL_STD,
                     padding: float = 1.25,
                     shift_y: float = 15.0) -> Dict[str, Any]:
    """The crop window of an MPII person (the paper's and mmpose's).

    ``crop_center = center + (0, shift_y * scale) - 1`` (MPII's 1-based
    ``objpos`` to 0-based pixels; no shift when ``center[0] == -1``, MPII's
    "no objpos", as mmpose) and ``crop_size = pixel_std * padding * scale``.
    With the defaults this is deephar's ``objpos + (0, 12 s')``, window
    ``200 s'`` for ``s' = 1.25 scale``, and mmpose 1.3's ``MpiiDataset``
    ``bbox_center`` with ``bbox_scale`` x ``GetBBoxCenterScale``'s padding
    1.25.

    Args:
        center: ``[2]`` MPII ``objpos`` (1-based pixels).
        scale: MPII's person scale (height / 200 px).
        pixel_std, padding, shift_y: The rule's constants.

    Returns:
        dict: ``crop_center`` ``[2]`` float64 (0-based image pixels) and
        ``crop_size`` (float, image pixels).
    """
    center = np.asarray(center, dtype=np.float64).reshape(2).copy()
    if center[0] != -1:
        center[1] += shift_y * scale
    return dict(crop_center=center - 1.0,
                crop_size=float(pixel_std * padding * scale))


@DATASETS.register_module()
class MpiiPoseDataset(BaseDataset):
    """MPII single-person pose samples from mmpose's json annotation (a list
    of ``{image, center, scale, joints [16, 2], joints_vis [16]}``, joints in
    MATLAB's 1-based pixels).

    Each data info holds:

    * ``img_path``: ``data_prefix['img']`` / ``image`` (for mmcv's
      ``LoadImageFromFile``);
    * ``keypoint`` ``[1, 1, 16, 2]`` float32: the joints in 0-based image
      pixels (annotation - 1, the pixel grid of the loaded image that the
      crop transforms use), ``keypoint_score`` ``[1, 1, 16]`` float32
      (``joints_vis``);
    * ``crop_center`` / ``crop_size``: the paper's crop window, see
      :func:`mpii_crop_window`;
    * ``gt_keypoints`` ``[1, 16, 2]`` (the annotation as given, 1-based, as
      mmpose's ``MpiiDataset`` keeps it and
      :class:`~mmactx.evaluation.MultiBlockPCKh` expects with its
      ``pred_offset=1``) and ``gt_keypoints_visible`` ``[1, 16]``;
    * ``head_size`` (float, pixels) with a ``headbox_file``:
      ``0.6 x ||head-box diagonal||``;
    * ``center`` / ``scale``: the annotation's.

    Args:
        ann_file (str): The json annotation file.
        headbox_file (str, optional): MPII's ``mpii_gt_val.mat`` (its
            ``headboxes_src`` ``[2, 2, N]``, one box per record, in record
            order). Relative paths are taken from ``data_root``.
        crop_padding (float): Window side over ``200 x scale``. Defaults to
            1.25.
        crop_shift_y (float): Window centre below ``center``, in units of
            ``scale``. Defaults to 15.
        data_prefix (dict): ``img``: the image folder. Defaults to
            ``dict(img='')``.
        pipeline, test_mode, **kwargs: As mmengine's ``BaseDataset``.
    """

    METAINFO: dict = dict(layout='mpii', num_keypoints=16)

    def __init__(self,
                 ann_file: str,
                 headbox_file: Optional[str] = None,
                 crop_padding: float = 1.25,
                 crop_shift_y: float = 15.0,
                 data_prefix: dict = dict(img=''),
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 **kwargs) -> None:
        if headbox_file is not None and kwargs.get('data_root') and \
                not osp.isabs(headbox_file):
            headbox_file = osp.join(kwargs['data_root'], headbox_file)
        self.headbox_file = headbox_file
        self.crop_padding = crop_padding
        self.crop_shift_y = crop_shift_y
        super().__init__(ann_file=ann_file,
                         data_prefix=data_prefix,
                         pipeline=list(pipeline),
                         test_mode=test_mode,
                         **kwargs)

    def _fail(self, index: int, record: Any, field: str, message: str):
        image = record.get('image') if isinstance(record, dict) else None
        where = f'record {index}' + (f' (image={image!r})' if image else '')
        raise AnnotationError(
            f'{self.ann_file}: {where}: field {field!r}: {message}')

    def _head_sizes(self, num: int) -> np.ndarray:
        path = self.headbox_file
        if not osp.isfile(path):
            raise AnnotationFileNotFoundError(
                f'head-box file {path} does not exist')
        try:
            mat = loadmat(path)
        except (ValueError, TypeError, OSError) as e:
            raise AnnotationError(f'{path}: not a readable .mat file ({e})')
        if 'headboxes_src' not in mat:
            raise AnnotationError(f'{path}: no headboxes_src variable')
        boxes = np.asarray(mat['headboxes_src'])
        if boxes.dtype.kind not in 'fiu' or boxes.ndim != 3 or \
                boxes.shape[:2] != (2, 2):
            raise AnnotationError(
                f'{path}: headboxes_src must be numeric [2, 2, N], got '
                f'{boxes.dtype} {boxes.shape}')
        if boxes.shape[2] != num:
            raise AnnotationError(
                f'{path}: {boxes.shape[2]} head boxes for {num} records of '
                f'{self.ann_file}')
        return mpii_head_sizes(np.transpose(boxes, (2, 0, 1)))

    def _array(self, index: int, record: dict, field: str,
               shape: Sequence[int]) -> np.ndarray:
        if field not in record:
            self._fail(index, record, field, 'missing')
        try:
            value = np.asarray(record[field], dtype=np.float64)
        except (TypeError, ValueError):
            self._fail(index, record, field, 'not numeric')
        if value.shape != tuple(shape):
            self._fail(index, record, field,
                       f'must have shape {tuple(shape)}, got {value.shape}')
        if not np.isfinite(value).all():
            self._fail(index, record, field, 'not finite')
        return value

    def load_data_list(self) -> List[dict]:
        """Read and check the json, one data info per record."""
        if not osp.isfile(self.ann_file):
            raise AnnotationFileNotFoundError(
                f'annotation file {self.ann_file} does not exist')
        with open(self.ann_file) as f:
            try:
                records = json.load(f)
            except json.JSONDecodeError as e:
                raise AnnotationError(
                    f'{self.ann_file}: not valid json ({e})') from None
        if not isinstance(records, list):
            raise AnnotationError(f'{self.ann_file}: expected a list of '
                                  f'records, got {type(records).__name__}')
        num_joints = get_layout('mpii').num_joints
        head_sizes = (self._head_sizes(len(records))
                      if self.headbox_file is not None else None)
        data_list = []
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                self._fail(i, record, '-', 'a record must be a dict')
            image = record.get('image')
            if not isinstance(image, str) or not image:
                self._fail(i, record, 'image', 'missing or not a file name')
            joints = self._array(i, record, 'joints', (num_joints, 2))
            vis = self._array(i, record, 'joints_vis', (num_joints, ))
            center = self._array(i, record, 'center', (2, ))
            scale = float(self._array(i, record, 'scale', ())) if isinstance(
                record.get('scale'), (int, float)) else None
            if scale is None or not scale > 0:
                self._fail(i, record, 'scale',
                           f'must be a positive number, got '
                           f'{record.get("scale")!r}')
            info = dict(
                img_path=osp.join(self.data_prefix.get('img', ''), image),
                keypoint=(joints - 1.0).astype(np.float32)[None, None],
                keypoint_score=vis.astype(np.float32)[None, None],
                gt_keypoints=joints.astype(np.float32)[None],
                gt_keypoints_visible=vis.astype(np.float32)[None],
                center=center,
                scale=scale,
                **mpii_crop_window(center, scale, MPII_PIXEL_STD,
                                   self.crop_padding, self.crop_shift_y))
            if head_sizes is not None:
                info['head_size'] = float(head_sizes[i])
            data_list.append(info)
        return data_list

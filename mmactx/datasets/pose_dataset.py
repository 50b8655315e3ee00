"""PoseDataset reading pyskl/mmaction skeleton annotation files safely."""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

from mmaction.datasets.base import BaseActionDataset
from mmengine.logging import MMLogger

from mmactx.registry import DATASETS
from .annotation_io import load_annotations


@DATASETS.register_module()
class PoseDataset(BaseActionDataset):
    """Skeleton dataset of the pyskl/mmaction annotation format (2D and 3D).

    A drop-in replacement for mmaction's ``PoseDataset``: the pickle is read
    with a restricted unpickler (no code can run from it) and every selected
    record is checked before training starts
    (:func:`~mmactx.datasets.annotation_io.load_annotations`); a missing
    field, a keypoint array of the wrong shape or dtype or with NaN/inf, a
    label outside ``num_classes``, an ``img_shape`` that is not ``(h, w)``,
    two records with one ``frame_dir``, a split naming a frame_dir that no
    record has, or an unknown split name raise an
    :class:`~mmactx.datasets.annotation_io.AnnotationError` naming the file,
    the record and the field (the tools print it as one paragraph and exit
    with code 2). Numpy integer labels are turned into ints, which
    mmaction's ``PackActionInputs`` requires.

    Args:
        ann_file (str): Path to the ``.pkl`` annotation file.
        pipeline (list[dict | callable]): Data transforms.
        split (str, optional): Split to use, e.g. ``'xsub_train'``. None for
            a file that is a plain list of records. Defaults to None.
        num_classes (int, optional): Number of classes; labels are checked
            against it. Defaults to None.
        num_keypoints (int, optional): Expected joints per person (V).
            Defaults to None (not checked).
        **kwargs: Passed to mmaction's ``BaseActionDataset`` (``test_mode``,
            ``data_prefix``, ...). With ``data_prefix=dict(video=ROOT)``
            each record gets ``filename = ROOT/<frame_dir>.mp4`` (or its
            own ``filename`` under ROOT), the video that ``MMDecode``
            reads; ``frame_dir`` is kept as the record's name.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 split: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 num_keypoints: Optional[int] = None,
                 **kwargs) -> None:
        self.split = split
        self.num_keypoints = num_keypoints
        super().__init__(
            ann_file,
            pipeline=pipeline,
            num_classes=num_classes,
            modality='Pose',
            **kwargs)

    def load_data_list(self) -> List[Dict]:
        """Load and check the records of ``self.split``."""
        records = load_annotations(self.ann_file, self.split,
                                   self.num_classes, self.num_keypoints)
        video_root = self.data_prefix.get('video')
        if video_root:
            # mmaction2's data_prefix=dict(video=...): the RGB video of a
            # record is <root>/<filename or frame_dir>[.mp4]; frame_dir stays
            # the record's name (mmaction2 prefixes it too)
            for record in records:
                name = record.get('filename', record['frame_dir'])
                if not osp.splitext(name)[1]:
                    name += '.mp4'
                record['filename'] = osp.join(video_root, name)
        MMLogger.get_current_instance().info(
            f'{self.ann_file}: {len(records)} records in split {self.split}')
        return records

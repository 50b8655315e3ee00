"""ParsingDataset: human-parsing label-map folders of the annotated samples.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

from mmaction.datasets.base import BaseActionDataset
from mmengine.logging import MMLogger

from mmactx.registry import DATASETS
from .annotation_io import AnnotationError, load_annotations
from .parsing import list_label_maps


@DATASETS.register_module()
class ParsingDataset(BaseActionDataset):
    """EPP-Net's parsing modality: each sample is a folder of label maps.

    The samples, labels and splits come from an annotation file of the
    usual format (e.g. the one ``tools/data/convert_ntu.py`` wrote), read
    safely; the label maps of sample ``frame_dir`` are the PNGs in
    ``<parsing_root>/<frame_dir>/``. Every selected sample's folder is
    checked before training: a missing or empty one is an error naming it.

    Args:
        ann_file (str): The annotation file.
        pipeline (list[dict | callable]): Data transforms.
        parsing_root (str): Folder of the per-sample label-map folders.
        split (str, optional): Split to use. Defaults to None (all).
        num_classes (int, optional): Labels are checked against it.
        **kwargs: Passed to mmaction's ``BaseActionDataset``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 parsing_root: str,
                 split: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 **kwargs) -> None:
        self.split = split
        self.parsing_root = parsing_root
        super().__init__(ann_file, pipeline=pipeline,
                         num_classes=num_classes, modality='RGB', **kwargs)

    def load_data_list(self) -> List[Dict]:
        records = load_annotations(self.ann_file, self.split,
                                   self.num_classes)
        data = []
        for r in records:
            folder = osp.join(self.parsing_root, r['frame_dir'])
            if not list_label_maps(folder):
                raise AnnotationError(
                    f'{self.ann_file}: sample {r["frame_dir"]!r} has no '
                    f'label maps: {folder} is missing or holds no .png')
            data.append(dict(frame_dir=r['frame_dir'], label=r['label'],
                             parsing_dir=folder))
        MMLogger.get_current_instance().info(
            f'{self.parsing_root}: label maps of {len(data)} samples '
            f'(split {self.split})')
        return data

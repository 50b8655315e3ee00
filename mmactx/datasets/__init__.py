from .alternating_batch_sampler import AlternatingBatchSampler
from .annotation_io import (AnnotationError, RestrictedUnpickler,
                            UnsafePickleError, check_record, load_annotations,
                            safe_load_pickle, save_annotations)
from .h36m_dataset import H36MPoseDataset
from .mpii_dataset import MpiiPoseDataset
from .parsing_dataset import ParsingDataset
from .pose_dataset import PoseDataset
from .samplers import ClassBalancedSampler
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AlternatingBatchSampler', 'AnnotationError', 'RestrictedUnpickler',
    'UnsafePickleError',
    'check_record', 'load_annotations', 'safe_load_pickle', 'save_annotations',
    'ClassBalancedSampler', 'ParsingDataset', 'PoseDataset',
    'H36MPoseDataset', 'MpiiPoseDataset'
]

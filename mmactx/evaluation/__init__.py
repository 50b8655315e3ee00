from .coord_error import MultiBlockCoordError
from .dump import (DumpPredictions, dump_streams, load_predictions,
                   save_predictions, split_dump_arg)
from .fusion import accuracy_report, check_weights, fuse_scores, softmax
from .pose_metrics import MultiBlockMPJPE, MultiBlockPCKh, mpii_pckh, mpjpe
from .report import (class_report, confusion_matrix, plot_confusion,
                     write_class_csv, write_confusion_csv,
                     write_prediction_csv)
from .task_metric import TaskMetric

__all__ = [
    'MultiBlockCoordError', 'TaskMetric', 'MultiBlockMPJPE',
    'MultiBlockPCKh', 'mpii_pckh', 'mpjpe',
    'DumpPredictions', 'dump_streams', 'load_predictions',
    'save_predictions', 'split_dump_arg',
    'accuracy_report', 'check_weights', 'fuse_scores', 'softmax',
    'class_report', 'confusion_matrix', 'plot_confusion', 'write_class_csv',
    'write_confusion_csv', 'write_prediction_csv'
]

from .dump import DumpPredictions, load_predictions, save_predictions
from .fusion import accuracy_report, fuse_scores, softmax

__all__ = [
    'DumpPredictions', 'load_predictions', 'save_predictions',
    'accuracy_report', 'fuse_scores', 'softmax'
]

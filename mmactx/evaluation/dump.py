"""Writing and reading the per-sample predictions of ``test.py --dump``."""
from typing import Dict, List, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmactx.datasets.annotation_io import safe_load_pickle
from mmactx.registry import METRICS
from mmactx.utils.fileio import atomic_pickle_dump


def _to_numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write each test sample's scores and label to a pickle.

    Like mmengine's ``DumpResults`` but with numpy arrays and ints instead of
    tensors, so the file can be read back with the restricted unpickler
    (:func:`load_predictions`), and written atomically.

    Args:
        out_file_path (str): The ``.pkl`` file to write.
        collect_device (str): Device used to gather results across ranks.
            Defaults to 'cpu'.
    """

    def __init__(self, out_file_path: str,
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not out_file_path.endswith(('.pkl', '.pickle')):
            raise ValueError(f'out_file_path must end with .pkl or .pickle, '
                             f'got {out_file_path}')
        self.out_file_path = out_file_path

    def process(self, data_batch, data_samples: Sequence[Dict]) -> None:
        for sample in data_samples:
            label = _to_numpy(sample['gt_label']).reshape(-1)
            self.results.append(
                dict(
                    pred_score=_to_numpy(sample['pred_score']).astype(
                        np.float32),
                    gt_label=int(label[0]) if label.size == 1 else label))

    def compute_metrics(self, results: List[Dict]) -> Dict:
        save_predictions(self.out_file_path, results)
        return {}


def save_predictions(path: str, predictions: List[Dict]) -> None:
    """Pickle ``predictions`` to ``path`` atomically."""
    atomic_pickle_dump(predictions, path)


def load_predictions(path: str):
    """Read a dump of ``test.py --dump``.

    Returns:
        tuple: ``(scores [N, K] float32, labels [N] int64)``.

    Raises:
        ValueError: if the file is not such a dump; the message names the
            file and the sample.
    """
    data = safe_load_pickle(path)
    if not isinstance(data, list) or not data:
        raise ValueError(f'{path}: expected a non-empty list of predictions')
    scores, labels = [], []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not {'pred_score', 'gt_label'
                                              } <= set(item):
            raise ValueError(f'{path}: sample {i} lacks pred_score/gt_label')
        scores.append(np.asarray(item['pred_score'], dtype=np.float32))
        labels.append(int(np.asarray(item['gt_label']).reshape(-1)[0]))
    if len({s.shape for s in scores}) != 1:
        raise ValueError(f'{path}: samples have different numbers of scores')
    return np.stack(scores), np.array(labels, dtype=np.int64)

"""Writing and reading the per-sample predictions of ``test.py --dump``."""
import os.path as osp
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric

from mmactx.datasets.annotation_io import safe_load_pickle
from mmactx.registry import METRICS
from mmactx.utils.cli import InputError
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
            raise InputError(f'out_file_path must end with .pkl or .pickle, '
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


def load_predictions(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read a dump of ``test.py --dump`` (or ``ensemble.py --out``).

    Every sample must hold ``pred_score``, the K finite class scores, and
    ``gt_label``, one class index in ``0..K-1``. A score of shape ``[1, K]``
    (a dump written with its batch dimension) is read as ``[K]``; any other
    shape is refused. Multi-label samples are refused.

    Returns:
        tuple: ``(scores [N, K] float32, labels [N] int64)``.

    Raises:
        InputError: if the file is missing or is not such a dump; the
            message names the file and the sample (a ``ValueError``).
    """
    if not osp.isfile(path):
        raise InputError(f'dump {path} does not exist' if not osp.exists(
            path) else f'dump {path} is not a file')
    data = safe_load_pickle(path)
    if not isinstance(data, list) or not data:
        raise InputError(f'{path}: expected a non-empty list of predictions')
    scores, labels = [], []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not {'pred_score', 'gt_label'
                                              } <= set(item):
            raise InputError(f'{path}: sample {i} lacks pred_score/gt_label')
        scores.append(_sample_scores(path, i, item['pred_score']))
        labels.append(_sample_label(path, i, item['gt_label']))
    counts = [len(s) for s in scores]
    for i, k in enumerate(counts):
        if k != counts[0]:
            raise InputError(f'{path}: samples have different numbers of '
                             f'scores (sample 0 has {counts[0]}, sample {i} '
                             f'has {k})')
    for i, y in enumerate(labels):
        if not 0 <= y < counts[0]:
            raise InputError(f'{path}: sample {i}: gt_label {y} is outside '
                             f'0..{counts[0] - 1} (the dump has '
                             f'{counts[0]} classes)')
    return np.stack(scores), np.array(labels, dtype=np.int64)


def _sample_scores(path: str, index: int, value: Any) -> np.ndarray:
    """One sample's [K] float32 scores; a leading batch axis of 1 is
    dropped."""
    where = f'{path}: sample {index}: pred_score'
    try:
        score = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as e:
        raise InputError(f'{where} is not an array of numbers ({e})'
                         ) from None
    if score.ndim == 2 and score.shape[0] == 1:
        score = score[0]
    if score.ndim != 1 or score.size == 0:
        raise InputError(f'{where} has shape {list(score.shape)}; expected '
                         f'[K] class scores (or [1, K])')
    if not np.isfinite(score).all():
        raise InputError(f'{where} holds NaN or infinite values')
    return score


def _sample_label(path: str, index: int, value: Any) -> int:
    """One sample's class index (an int, or an array of one integer)."""
    where = f'{path}: sample {index}: gt_label'
    label = np.asarray(value)
    if label.size != 1:
        what = 'is empty' if label.size == 0 else (
            f'holds {label.size} labels (multi-label dumps are not '
            f'supported)')
        raise InputError(f'{where} {what}; expected one class index')
    value = label.reshape(-1).tolist()[0]  # a Python scalar
    kind = label.dtype.kind
    if kind not in 'iuf' or (kind == 'f' and not float(value).is_integer()):
        raise InputError(f'{where} is {value!r}; expected an integer class '
                         f'index')
    return int(value)

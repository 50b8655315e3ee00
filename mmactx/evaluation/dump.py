"""Writing and reading the per-sample predictions of ``test.py --dump``.

A dump is a pickle of a list with one dict per test sample, in dataset
order, holding only builtin containers, ints, strings and numpy arrays (it
is read back with the restricted unpickler of
:func:`mmactx.datasets.annotation_io.safe_load_pickle`):

* ``gt_label`` (int): the class index, ``0..K-1``;
* ``pred_score`` (float32 ``[K]``): the class scores. Single-stream models
  (one score tensor per sample) write only this; dumps written before
  multi-stream models were supported look the same and read the same;
* ``pred_scores`` (dict ``{stream: float32 [K]}``): written instead for a
  multi-stream model, whose head gives a dict of scores (mmaction2's
  ``RGBPoseHead``: ``{'rgb': ..., 'pose': ...}``), one entry per stream.
  A score the model names ``'fused'`` in that dict is its own fusion of
  the streams: it is written as ``pred_score`` and is not a stream.

The tools name a dump as ``FILE`` or ``FILE:STREAM`` (see
:func:`split_dump_arg`): ``FILE:STREAM`` selects one stream of a
multi-stream dump; a bare ``FILE`` is the single-stream scores or the
fused ``pred_score`` of a multi-stream dump, and is refused (naming its
streams) when a multi-stream dump has no fused score.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric

from mmactx.datasets.annotation_io import safe_load_pickle
from mmactx.registry import METRICS
from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_pickle_dump

#: The key of a model's score dict that holds its own fused score.
FUSED_KEY = 'fused'


def _to_numpy(x: Any) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def _score_array(x: Any) -> np.ndarray:
    return _to_numpy(x).astype(np.float32)


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write each test sample's scores and label to a pickle.

    Like mmengine's ``DumpResults`` but with numpy arrays and ints instead of
    tensors, so the file can be read back with the restricted unpickler
    (:func:`load_predictions`), and written atomically. A ``pred_score``
    that is a dict of per-stream scores (a multi-stream model such as
    mmaction2's RGBPose-Conv3D) is written as ``pred_scores`` (see the
    module docstring for the format).

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

    def process(self, data_batch: Any, data_samples: Sequence[Dict]) -> None:
        """Keep the scores and label of every sample of the batch.

        Raises:
            ValueError: for a score dict that holds no stream.
        """
        for sample in data_samples:
            label = _to_numpy(sample['gt_label']).reshape(-1)
            score = sample['pred_score']
            record: Dict[str, Any] = {}
            if isinstance(score, dict):
                streams = {
                    str(name): _score_array(value)
                    for name, value in score.items() if name != FUSED_KEY
                }
                if not streams:
                    raise ValueError(
                        f'the model gave a pred_score dict without streams '
                        f'(keys: {sorted(map(str, score))})')
                record['pred_scores'] = streams
                if FUSED_KEY in score:
                    record['pred_score'] = _score_array(score[FUSED_KEY])
            else:
                record['pred_score'] = _score_array(score)
            record['gt_label'] = int(label[0]) if label.size == 1 else label
            self.results.append(record)

    def compute_metrics(self, results: List[Dict]) -> Dict:
        """Write the dump; no metrics."""
        save_predictions(self.out_file_path, results)
        return {}


def save_predictions(path: str, predictions: List[Dict]) -> None:
    """Pickle ``predictions`` to ``path`` atomically."""
    atomic_pickle_dump(predictions, path)


def split_dump_arg(arg: str) -> Tuple[str, Optional[str]]:
    """Split a tool's dump argument ``FILE`` or ``FILE:STREAM``.

    A file name may hold ``:``, so an argument that is an existing file is
    always a bare ``FILE``; otherwise the text after the last ``:`` is the
    stream when the text before it is an existing file. Anything else is
    returned whole, as a ``FILE`` that :func:`load_predictions` reports
    missing.

    Returns:
        tuple: ``(file, stream)``, ``stream`` None for a bare ``FILE``.
    """
    if osp.isfile(arg) or ':' not in arg:
        return arg, None
    path, _, stream = arg.rpartition(':')
    if path and stream and osp.isfile(path):
        return path, stream
    return arg, None


def dump_streams(path: str) -> List[str]:
    """The stream names of a multi-stream dump (``[]`` for a
    single-stream one), in the order the model gave them.

    Raises:
        InputError: as :func:`load_predictions`.
    """
    return _streams_of(path, _read_items(path))


def load_predictions(path: str,
                     stream: Optional[str] = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Read a dump of ``test.py --dump`` (or ``ensemble.py --out``).

    Every sample must hold ``gt_label``, one class index in ``0..K-1``,
    and the K finite class scores that are read: ``pred_score`` for a
    single-stream dump, ``pred_scores[stream]`` for a stream of a
    multi-stream dump, whose samples must all have the same streams. A
    score of shape ``[1, K]`` (a dump written with its batch dimension) is
    read as ``[K]``; any other shape is refused. Multi-label samples are
    refused.

    Args:
        path (str): The dump file.
        stream (str, optional): The stream of a multi-stream dump to read.
            None (the default) reads ``pred_score``: the scores of a
            single-stream dump, or the fused scores of a multi-stream one.

    Returns:
        tuple: ``(scores [N, K] float32, labels [N] int64)``.

    Raises:
        InputError: if the file is missing or is not such a dump, if
            ``stream`` is given for a single-stream dump or is not one of
            the dump's streams, or if ``stream`` is None for a multi-stream
            dump without a fused score; the message names the file, the
            sample and the dump's streams (a ``ValueError``).
    """
    data = _read_items(path)
    streams = _streams_of(path, data)
    field = _score_field(path, streams, stream, data[0])
    scores, labels = [], []
    for i, item in enumerate(data):
        if stream is None:
            if 'pred_score' not in item:
                raise InputError(f'{path}: sample {i} lacks pred_score '
                                 f'(the fused score sample 0 has)')
            value = item['pred_score']
        else:
            value = item['pred_scores'][stream]
        scores.append(_sample_scores(path, i, value, field))
        labels.append(_sample_label(path, i, item['gt_label']))
    counts = [len(s) for s in scores]
    for i, k in enumerate(counts):
        if k != counts[0]:
            raise InputError(f'{path}: samples have different numbers of '
                             f'scores{_of(stream)} (sample 0 has '
                             f'{counts[0]}, sample {i} has {k})')
    for i, y in enumerate(labels):
        if not 0 <= y < counts[0]:
            raise InputError(f'{path}: sample {i}: gt_label {y} is outside '
                             f'0..{counts[0] - 1} (the dump has '
                             f'{counts[0]} classes{_of(stream)})')
    return np.stack(scores), np.array(labels, dtype=np.int64)


def _of(stream: Optional[str]) -> str:
    return '' if stream is None else f' in stream {stream!r}'


def _read_items(path: str) -> List[Dict]:
    """The samples of a dump: a non-empty list of dicts."""
    if not osp.isfile(path):
        raise InputError(f'dump {path} does not exist' if not osp.exists(
            path) else f'dump {path} is not a file')
    data = safe_load_pickle(path)
    if not isinstance(data, list) or not data:
        raise InputError(f'{path}: expected a non-empty list of predictions')
    for i, item in enumerate(data):
        if not isinstance(item, dict) or 'gt_label' not in item or not (
                'pred_score' in item or 'pred_scores' in item):
            raise InputError(f'{path}: sample {i} lacks pred_score/gt_label')
    return data


def _streams_of(path: str, data: List[Dict]) -> List[str]:
    """The streams of sample 0, checked to be those of every sample."""
    first = data[0].get('pred_scores')
    if first is None:
        names: List[str] = []
    elif not isinstance(first, dict) or not first or not all(
            isinstance(k, str) for k in first):
        raise InputError(f'{path}: sample 0: pred_scores must be a '
                         f'non-empty dict of stream name -> scores')
    else:
        names = list(first)
    for i, item in enumerate(data[1:], 1):
        got = item.get('pred_scores')
        if not names:
            if got is not None:
                raise InputError(f'{path}: sample {i} has per-stream '
                                 f'pred_scores but sample 0 has none')
            continue
        if not isinstance(got, dict):
            raise InputError(f'{path}: sample {i} lacks the pred_scores of '
                             f'streams {", ".join(names)} (sample 0 has '
                             f'them)')
        if set(got) != set(names):
            raise InputError(f'{path}: sample {i} has the streams '
                             f'{_names(got)}, sample 0 has {_names(names)}')
    return names


def _names(streams: Any) -> str:
    return ', '.join(sorted(map(str, streams))) or 'none'


def _score_field(path: str, streams: List[str], stream: Optional[str],
                 first: Dict) -> str:
    """The name of the scores that ``stream`` reads, for messages.

    Raises:
        InputError: for a stream the dump lacks, or a bare multi-stream
            dump without a fused score.
    """
    if stream is None:
        if streams and 'pred_score' not in first:
            raise InputError(
                f'{path} holds the scores of the streams '
                f'{", ".join(streams)} and no fused score; select one as '
                f'{path}:{streams[0]} (tools/ensemble.py fuses '
                + ' '.join(f'{path}:{s}' for s in streams) + ')')
        return 'pred_score'
    if not streams:
        raise InputError(f'{path} is a single-stream dump (no pred_scores)'
                         f', so it has no stream {stream!r}; name the file '
                         f'without ":{stream}"')
    if stream not in streams:
        raise InputError(f'{path} has no stream {stream!r}; its streams '
                         f'are {", ".join(streams)}')
    return f'pred_scores[{stream!r}]'


def _sample_scores(path: str, index: int, value: Any,
                   field: str = 'pred_score') -> np.ndarray:
    """One sample's [K] float32 scores; a leading batch axis of 1 is
    dropped."""
    where = f'{path}: sample {index}: {field}'
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

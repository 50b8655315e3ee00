"""Reading, checking and writing pyskl/mmaction skeleton annotation files.

The file is a pickle of either

* a dict ``{'split': {name: [frame_dir, ...]}, 'annotations': [record, ...]}``
* or a plain list of records (pyskl's custom-data format, no splits).

A record holds ``frame_dir`` (str), ``label`` (int, 0-based),
``total_frames`` (int), ``keypoint`` (float [M, T, V, C]: C=2 image pixels,
C=3 metres) and, for 2D data, ``keypoint_score`` ([M, T, V]) and
``img_shape`` / ``original_shape`` ((h, w)).

Pickles are read with :class:`RestrictedUnpickler`, which only rebuilds
builtin containers and scalars and numpy arrays, so a downloaded annotation
file cannot run code.
"""
import io
import os.path as osp
import pickle
from numbers import Integral
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_pickle_dump

_ALLOWED_GLOBALS = {
    ('builtins', name)
    for name in ('dict', 'list', 'tuple', 'set', 'frozenset', 'str', 'bytes',
                 'bytearray', 'int', 'float', 'complex', 'bool', 'slice')
} | {
    ('collections', 'OrderedDict'),
    # numpy arrays, dtypes and scalars (numpy 1 and numpy 2 module paths)
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'),
    ('numpy._core.numeric', '_frombuffer'),
}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle refers to a global outside the allowlist."""


class AnnotationError(InputError):
    """An annotation file or record is malformed (a ``ValueError``)."""


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that only rebuilds builtin containers/scalars and numpy.

    numpy's dtype classes (``numpy.dtypes.Float32DType`` ...) are allowed as
    well, since numpy >= 1.25 pickles dtypes through them.
    """

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS or (
                module == 'numpy.dtypes' and name.endswith('DType')):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f'refusing to load global {module}.{name}: annotation files may '
            'only hold builtin containers, scalars and numpy arrays')


def safe_load_pickle(path: str) -> Any:
    """Load a pickle file with :class:`RestrictedUnpickler`.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        UnsafePickleError: if the file refers to any other global; the
            message names the file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file {path} does not exist')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return RestrictedUnpickler(io.BytesIO(data)).load()
    except UnsafePickleError as e:
        raise UnsafePickleError(f'{path}: {e}') from None
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        raise AnnotationError(f'{path}: not a readable pickle ({e})') from e


def _fail(path, index, record, field, message):
    frame_dir = record.get('frame_dir') if isinstance(record, dict) else None
    where = f'record {index}'
    if frame_dir is not None:
        where += f' (frame_dir={frame_dir!r})'
    raise AnnotationError(f'{path}: {where}: field {field!r}: {message}')


def check_record(record: Dict,
                 index: int = 0,
                 path: str = '<memory>',
                 num_classes: Optional[int] = None,
                 num_keypoints: Optional[int] = None) -> None:
    """Check one annotation record; raise :class:`AnnotationError` naming
    the file, the record and the field on the first problem found."""
    if not isinstance(record, dict):
        _fail(path, index, record, '<record>',
              f'expected a dict, got {type(record).__name__}')
    for field in ('frame_dir', 'label', 'keypoint'):
        if field not in record:
            _fail(path, index, record, field, 'missing')

    label = record['label']
    if not isinstance(label, Integral) or isinstance(label, bool):
        _fail(path, index, record, 'label',
              f'expected an int, got {type(label).__name__}')
    if label < 0 or (num_classes is not None and label >= num_classes):
        bound = '' if num_classes is None else f' < {num_classes}'
        _fail(path, index, record, 'label',
              f'{label} is outside 0 <= label{bound}')

    kp = record['keypoint']
    if not isinstance(kp, np.ndarray) or kp.ndim != 4:
        shape = getattr(kp, 'shape', type(kp).__name__)
        _fail(path, index, record, 'keypoint',
              f'expected an array of shape [M, T, V, C], got {shape}')
    m, t, v, c = kp.shape
    if c not in (2, 3) or m < 1:
        _fail(path, index, record, 'keypoint',
              f'shape {kp.shape}: need M >= 1 persons and C in (2, 3)')
    if num_keypoints is not None and v != num_keypoints:
        _fail(path, index, record, 'keypoint',
              f'shape {kp.shape} has V={v} joints, expected {num_keypoints}')
    total = record.get('total_frames', t)
    if total != t or t < 1:
        _fail(path, index, record, 'total_frames',
              f'{total} does not match keypoint shape {kp.shape} (T={t})')
    if 'keypoint_score' in record:
        score = record['keypoint_score']
        if getattr(score, 'shape', None) != kp.shape[:3]:
            _fail(path, index, record, 'keypoint_score',
                  f'shape {getattr(score, "shape", None)} does not match '
                  f'keypoint shape {kp.shape[:3]}')
    if c == 2:
        shape = record.get('img_shape')
        if shape is None:
            _fail(path, index, record, 'img_shape',
                  'missing (required for 2D keypoints)')
        if len(shape) != 2 or min(shape) <= 0:
            _fail(path, index, record, 'img_shape',
                  f'expected (h, w) > 0, got {shape}')


def split_records(data: Any, path: str) -> Tuple[List, Optional[Dict]]:
    """The records and the split dict (None for a plain list) of a loaded
    annotation file; raises :class:`AnnotationError` for another layout."""
    if isinstance(data, dict):
        for key in ('split', 'annotations'):
            if key not in data:
                raise AnnotationError(
                    f'{path}: top-level dict has no {key!r} key (found '
                    f'{sorted(data)}); expected split and annotations')
        return data['annotations'], data['split']
    if isinstance(data, list):
        return data, None
    raise AnnotationError(f'{path}: expected a dict or a list at the top '
                          f'level, got {type(data).__name__}')


def load_annotations(path: str,
                     split: Optional[str] = None,
                     num_classes: Optional[int] = None,
                     num_keypoints: Optional[int] = None) -> List[Dict]:
    """Load, select and check the records of an annotation file.

    Args:
        path (str): The ``.pkl`` file.
        split (str, optional): Split name to select; None keeps every record.
        num_classes (int, optional): Labels must be below this.
        num_keypoints (int, optional): Expected number of joints V.

    Returns:
        list[dict]: The checked records of the split.
    """
    records, splits = split_records(safe_load_pickle(path), path)

    if split is not None:
        if splits is None:
            raise AnnotationError(
                f'{path}: split {split!r} was asked for but the file is a '
                'plain list of records without splits; set split=None')
        if split not in splits:
            raise AnnotationError(f'{path}: unknown split {split!r}; the '
                                  f'file has {sorted(splits)}')
        wanted = set(splits[split])
        chosen = [(i, r) for i, r in enumerate(records)
                  if isinstance(r, dict) and r.get('frame_dir') in wanted]
        if not chosen:
            raise AnnotationError(f'{path}: split {split!r} selects none of '
                                  f'the {len(records)} records')
    else:
        chosen = list(enumerate(records))

    for i, record in chosen:
        check_record(record, i, path, num_classes, num_keypoints)
    return [record for _, record in chosen]


def save_annotations(path: str,
                     annotations: Sequence[Dict],
                     split: Optional[Dict[str, Sequence[str]]] = None,
                     num_classes: Optional[int] = None) -> None:
    """Check and write an annotation file atomically.

    The file is written to a temporary name beside ``path`` and renamed, so
    an interrupted save never leaves a half-written file.

    Args:
        path (str): Output ``.pkl`` path.
        annotations (list[dict]): The records.
        split (dict, optional): Split name -> frame_dirs. With None a plain
            list of records is written (pyskl's custom format).
        num_classes (int, optional): Checked against the labels.
    """
    for i, record in enumerate(annotations):
        check_record(record, i, path, num_classes)
    if split is not None:
        known = {r['frame_dir'] for r in annotations}
        for name, ids in split.items():
            missing = [x for x in ids if x not in known]
            if missing:
                raise AnnotationError(
                    f'{path}: split {name!r} names {len(missing)} unknown '
                    f'frame_dirs, e.g. {missing[0]!r}')
        obj: Union[Dict, List] = dict(
            split={k: list(v) for k, v in split.items()},
            annotations=list(annotations))
    else:
        obj = list(annotations)
    atomic_pickle_dump(obj, path)

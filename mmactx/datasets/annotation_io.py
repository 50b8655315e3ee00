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
from typing import (Any, Dict, Iterator, List, MutableMapping, Optional,
                    Sequence, Tuple, Union)

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


class AnnotationFileNotFoundError(AnnotationError, FileNotFoundError):
    """The annotation file does not exist: an :class:`AnnotationError` (so
    the tools print one sentence) that is also a ``FileNotFoundError``."""


def safe_load_pickle(path: str) -> Any:
    """Load a pickle file with :class:`RestrictedUnpickler`.

    Raises:
        AnnotationFileNotFoundError: if ``path`` does not exist (a
            ``FileNotFoundError`` too) or is a folder.
        UnsafePickleError: if the file refers to any other global; the
            message names the file.
        AnnotationError: if the file is not a readable pickle.
    """
    if osp.isdir(path):
        raise AnnotationFileNotFoundError(
            f'annotation file {path} is a folder, not a .pkl file')
    if not osp.isfile(path):
        raise AnnotationFileNotFoundError(
            f'annotation file {path} does not exist')
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return RestrictedUnpickler(io.BytesIO(data)).load()
    except UnsafePickleError as e:
        raise UnsafePickleError(f'{path}: {e}') from None
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        raise AnnotationError(f'{path}: not a readable pickle ({e})') from e


def _fail(path: str, index: int, record: Any, field: str,
          message: str) -> None:
    frame_dir = record.get('frame_dir') if isinstance(record, dict) else None
    where = f'record {index}'
    if frame_dir is not None:
        where += f' (frame_dir={frame_dir!r})'
    raise AnnotationError(f'{path}: {where}: field {field!r}: {message}')


# IEEE floats by byte size: the unsigned view and its exponent bits (all
# set for NaN and inf)
_FLOAT_BITS = {
    2: (np.uint16, 0x7C00),
    4: (np.uint32, 0x7F800000),
    8: (np.uint64, 0x7FF0000000000000),
}


def all_finite(array: np.ndarray) -> bool:
    """Whether an array holds no NaN and no inf.

    Native float16/32/64 arrays are tested on their exponent bits (the
    largest magnitude, sign bit cleared, is below the all-ones exponent),
    which is 3-4 times faster than ``np.isfinite`` on float16; integer
    arrays are always finite.

    Args:
        array (np.ndarray): Any shape, a numeric dtype.
    """
    kind = array.dtype.kind
    if kind in 'iub' or array.size == 0:
        return True
    bits = _FLOAT_BITS.get(array.dtype.itemsize)
    if kind != 'f' or bits is None or not array.dtype.isnative:
        return bool(np.isfinite(array).all())
    unsigned, exponent = bits
    magnitude = unsigned((1 << (8 * array.dtype.itemsize - 1)) - 1)
    return int((array.view(unsigned) & magnitude).max()) < exponent


def _first_not_finite(arrays: Sequence[np.ndarray],
                      block: int = 1 << 17) -> Optional[int]:
    """Position in ``arrays`` of the first array holding NaN or inf, or None.

    The float arrays (any shapes) are grouped by dtype and copied, about
    ``block`` values at a time, into one reused buffer whose exponent bits
    are tested in place: a few numpy calls per block instead of per array
    (numpy's per-call overhead is most of the time for the small arrays of
    a record). Only a failing block is tested array by array.
    """
    groups: Dict[np.dtype, List[int]] = {}
    for i, array in enumerate(arrays):
        if array.dtype.kind == 'f' and array.size:
            groups.setdefault(array.dtype, []).append(i)
    first = None
    for dtype, members in groups.items():
        bits = _FLOAT_BITS.get(dtype.itemsize)
        if bits is None or not dtype.isnative:  # e.g. float128: one by one
            bad = next((i for i in members if not all_finite(arrays[i])),
                       None)
        else:
            bad = _first_not_finite_ieee([arrays[i] for i in members], bits,
                                         block)
            bad = None if bad is None else members[bad]
        if bad is not None:
            first = bad if first is None else min(first, bad)
    return first


def _first_not_finite_ieee(arrays: List[np.ndarray], bits: Tuple,
                           block: int) -> Optional[int]:
    """:func:`_first_not_finite` of arrays of one native IEEE float dtype;
    ``bits`` is its ``_FLOAT_BITS`` entry."""
    unsigned, exponent = bits
    itemsize = arrays[0].dtype.itemsize
    magnitude = unsigned((1 << (8 * itemsize - 1)) - 1)
    buffer = np.empty(max(block, max(a.size for a in arrays)),
                      arrays[0].dtype)
    start = 0
    while start < len(arrays):
        stop, size = start, 0
        while stop < len(arrays) and size + arrays[stop].size <= len(buffer):
            size += arrays[stop].size
            stop += 1
        flat = np.concatenate([a.reshape(-1) for a in arrays[start:stop]],
                              out=buffer[:size]).view(unsigned)
        flat &= magnitude
        if int(flat.max()) >= exponent:
            return next(i for i in range(start, stop)
                        if not all_finite(arrays[i]))
        start = stop
    return None


def _not_finite(array: np.ndarray, axes: str) -> str:
    """Where the first NaN or inf of ``array`` is, e.g. ``'nan at person 0,
    frame 3, joint 5 (2 values are NaN or inf)'``; ``axes`` names the axes,
    comma-separated."""
    bad = ~np.isfinite(array)
    first = tuple(np.argwhere(bad)[0])
    where = ', '.join(f'{name.strip()} {i}'
                      for name, i in zip(axes.split(','), first))
    return (f'{array[first]} at {where} ({int(bad.sum())} values are NaN or '
            'inf)')


def _numeric(array: np.ndarray) -> bool:
    return array.dtype.kind in 'fiu'


def _is_int(value: Any) -> bool:
    """An int or a numpy integer, not a bool."""
    return type(value) is int or (isinstance(value, Integral)
                                  and not isinstance(value, bool))


def _positive_pair(value: Any) -> bool:
    """Whether ``value`` is ``(h, w)``: two ints > 0 (numpy ints too)."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        return False
    h, w = value
    return _is_int(h) and _is_int(w) and h > 0 and w > 0


def check_record(record: Dict,
                 index: int = 0,
                 path: str = '<memory>',
                 num_classes: Optional[int] = None,
                 num_keypoints: Optional[int] = None,
                 check_finite: bool = True) -> None:
    """Check one annotation record; raise :class:`AnnotationError` naming
    the file, the record and the field on the first problem found.

    Refused: a missing field; a ``frame_dir`` that is not a non-empty str;
    a label that is not an int or is outside ``[0, num_classes)``; a
    ``keypoint`` that is not a numeric array [M, T, V, C] with M, T, V >= 1
    and C in (2, 3), or holds NaN or inf (a missing joint is 0 with score
    0, never NaN); ``total_frames`` other than T; a ``keypoint_score`` that
    is not a numeric, finite [M, T, V] array; an ``img_shape`` (required for
    C = 2) or ``original_shape`` that is not ``(h, w)``, two ints > 0.

    Normalised in place: a numpy integer label becomes an int (mmaction's
    ``PackActionInputs`` takes Python ints only) and a missing
    ``total_frames`` is set to T.

    Args:
        record (dict): The record.
        index (int): Its index in the file, for the message.
        path (str): The file, for the message.
        num_classes (int, optional): Labels must be below this.
        num_keypoints (int, optional): Expected number of joints V.
        check_finite (bool): Test for NaN and inf; :func:`check_records`
            turns it off to test many records at once. Defaults to True.
    """
    if not isinstance(record, dict):
        _fail(path, index, record, '<record>',
              f'expected a dict, got {type(record).__name__}')
    for field in ('frame_dir', 'label', 'keypoint'):
        if field not in record:
            _fail(path, index, record, field, 'missing')
    frame_dir = record['frame_dir']
    if not isinstance(frame_dir, str) or not frame_dir:
        _fail(path, index, record, 'frame_dir',
              f'expected a non-empty str, got {frame_dir!r}')

    label = record['label']
    if not _is_int(label):
        _fail(path, index, record, 'label',
              f'expected an int, got {type(label).__name__}')
    if label < 0 or (num_classes is not None and label >= num_classes):
        bound = '' if num_classes is None else f' < {num_classes}'
        _fail(path, index, record, 'label',
              f'{label} is outside 0 <= label{bound}')
    if type(label) is not int:
        record['label'] = int(label)

    kp = record['keypoint']
    if not isinstance(kp, np.ndarray) or kp.ndim != 4:
        shape = getattr(kp, 'shape', type(kp).__name__)
        _fail(path, index, record, 'keypoint',
              f'expected an array of shape [M, T, V, C], got {shape}')
    if not _numeric(kp):
        _fail(path, index, record, 'keypoint',
              f'dtype {kp.dtype} is not a number type (expected float)')
    m, t, v, c = kp.shape
    if c not in (2, 3) or m < 1:
        _fail(path, index, record, 'keypoint',
              f'shape {kp.shape}: need M >= 1 persons and C in (2, 3)')
    if v < 1:
        _fail(path, index, record, 'keypoint',
              f'shape {kp.shape} has no joints (V=0)')
    if num_keypoints is not None and v != num_keypoints:
        _fail(path, index, record, 'keypoint',
              f'shape {kp.shape} has V={v} joints, expected {num_keypoints} '
              f'(the config expects {num_keypoints} joints: its dataset '
              f'num_keypoints; convert the data to that layout or use a '
              f'config of this one)')
    total = record.setdefault('total_frames', t)
    if not _is_int(total):
        _fail(path, index, record, 'total_frames',
              f'expected an int, got {type(total).__name__}')
    if total != t or t < 1:
        _fail(path, index, record, 'total_frames',
              f'{total} does not match keypoint shape {kp.shape} (T={t})')
    if check_finite and not all_finite(kp):
        _fail(path, index, record, 'keypoint',
              _not_finite(kp, 'person, frame, joint, coordinate') +
              '; write a missing joint as 0 with keypoint_score 0')
    if 'keypoint_score' in record:
        score = record['keypoint_score']
        if not isinstance(score, np.ndarray):
            _fail(path, index, record, 'keypoint_score',
                  f'expected an array of shape {kp.shape[:3]}, got '
                  f'{type(score).__name__}')
        if score.shape != kp.shape[:3]:
            _fail(path, index, record, 'keypoint_score',
                  f'shape {score.shape} does not match '
                  f'keypoint shape {kp.shape[:3]}')
        if not _numeric(score):
            _fail(path, index, record, 'keypoint_score',
                  f'dtype {score.dtype} is not a number type')
        if check_finite and not all_finite(score):
            _fail(path, index, record, 'keypoint_score',
                  _not_finite(score, 'person, frame, joint'))
    if c == 2 and record.get('img_shape') is None:
        _fail(path, index, record, 'img_shape',
              'missing (required for 2D keypoints)')
    for field in ('img_shape', 'original_shape'):
        if field in record and not _positive_pair(record[field]):
            _fail(path, index, record, field,
                  f'expected (h, w) > 0, got {record[field]!r} (a pair of '
                  'ints)')


def check_records(records: Sequence[Any],
                  indices: Optional[Sequence[int]] = None,
                  path: str = '<memory>',
                  num_classes: Optional[int] = None,
                  num_keypoints: Optional[int] = None) -> None:
    """:func:`check_record` on ``records[i]`` for each ``i`` of ``indices``
    (all records by default), with the NaN and inf tests of the
    ``keypoint`` and ``keypoint_score`` arrays done in large blocks
    (:func:`_first_not_finite`): on 50k records of 770 MB, 0.24 s against
    0.39 s record by record (0.17 s of it the NaN/inf test, about memory
    speed; ``np.isfinite`` per record takes 0.58 s).

    Raises:
        AnnotationError: for the first record with a problem (problems other
            than NaN/inf are found first).
    """
    if indices is None:
        indices = range(len(records))
    for i in indices:
        check_record(records[i], i, path, num_classes, num_keypoints,
                     check_finite=False)
    bad = []
    for field in ('keypoint', 'keypoint_score'):
        have = [i for i in indices if field in records[i]]
        first = _first_not_finite([records[i][field] for i in have])
        if first is not None:
            bad.append(have[first])
    if bad:
        i = min(bad)
        check_record(records[i], i, path, num_classes, num_keypoints)


def frame_dir_index(records: Sequence[Any], path: str) -> Dict[str, int]:
    """``frame_dir -> record index`` of the records (dicts with a str
    ``frame_dir``; others are left to :func:`check_record`).

    Raises:
        AnnotationError: if two records have the same ``frame_dir``
            (a split could not tell them apart), naming both.
    """
    index: Dict[str, int] = {}
    for i, record in enumerate(records):
        frame_dir = (record.get('frame_dir')
                     if isinstance(record, dict) else None)
        if isinstance(frame_dir, str):
            first = index.setdefault(frame_dir, i)
            if first != i:
                raise AnnotationError(
                    f'{path}: records {first} and {i} have the same '
                    f'frame_dir {frame_dir!r}; each sample must appear once')
    return index


def select_records(records: Sequence[Dict], wanted: Optional[Sequence[str]],
                   num: int, path: str) -> List[Dict]:
    """The records named by index or ``frame_dir`` in ``wanted`` (the first
    ``num`` records when ``wanted`` is empty), for tools that show a few.

    Raises:
        InputError: naming the file and the record that is not in it.
    """
    if not wanted:
        return list(records[:num])
    by_name = {r['frame_dir']: r for r in records}
    chosen = []
    for key in wanted:
        if key in by_name:
            chosen.append(by_name[key])
        elif key.isdigit() and int(key) < len(records):
            chosen.append(records[int(key)])
        else:
            raise InputError(f'{path}: no record {key!r} (give an index '
                             f'below {len(records)} or a frame_dir)')
    return chosen


def check_split(splits: Dict, name: str, index: Dict[str, int],
                path: str) -> List[int]:
    """Check split ``name`` against the records and return the indices of
    the records it selects, in file order.

    Args:
        splits (dict): Split name -> list of frame_dirs.
        name (str): The split to check.
        index (dict): :func:`frame_dir_index` of the records.
        path (str): The file, for the message.

    Raises:
        AnnotationError: if the split is not a list of str, names a
            frame_dir twice, or names one that no record has.
    """
    ids = splits[name]
    if not isinstance(ids, (list, tuple)) or not all(
            isinstance(x, str) for x in ids):
        bad = ids if not isinstance(ids, (list, tuple)) else next(
            x for x in ids if not isinstance(x, str))
        raise AnnotationError(
            f'{path}: split {name!r} must be a list of frame_dirs (str); '
            f'it holds {type(bad).__name__} {bad!r:.60}')
    if len(set(ids)) != len(ids):
        seen = set()
        twice = next(x for x in ids if x in seen or seen.add(x))
        raise AnnotationError(
            f'{path}: split {name!r} names frame_dir {twice!r} twice')
    missing = [x for x in ids if x not in index]
    if missing:
        raise AnnotationError(
            f'{path}: split {name!r} names {len(missing)} unknown '
            f'frame_dirs, e.g. {missing[0]!r}')
    return sorted(index[x] for x in ids)


def split_records(data: Any, path: str) -> Tuple[List, Optional[Dict]]:
    """The records and the split dict (None for a plain list) of a loaded
    annotation file; raises :class:`AnnotationError` for another layout."""
    if isinstance(data, dict):
        for key in ('split', 'annotations'):
            if key not in data:
                raise AnnotationError(
                    f'{path}: top-level dict has no {key!r} key (found '
                    f'{sorted(data)}); expected split and annotations')
        records, splits = data['annotations'], data['split']
        if not isinstance(records, list):
            raise AnnotationError(
                f"{path}: 'annotations' must be a list of records, got "
                f'{type(records).__name__}')
        if not isinstance(splits, dict):
            raise AnnotationError(
                f"{path}: 'split' must be a dict of split name -> "
                f'frame_dirs, got {type(splits).__name__}')
        return records, splits
    if isinstance(data, list):
        return data, None
    raise AnnotationError(f'{path}: expected a dict or a list at the top '
                          f'level, got {type(data).__name__}')


def load_annotations(path: str,
                     split: Optional[str] = None,
                     num_classes: Optional[int] = None,
                     num_keypoints: Optional[int] = None) -> List[Dict]:
    """Load, select and check the records of an annotation file.

    Besides each selected record (:func:`check_record`), the file must not
    hold two records with the same ``frame_dir`` and the split must name
    existing frame_dirs, each once (:func:`check_split`).

    Args:
        path (str): The ``.pkl`` file.
        split (str, optional): Split name to select; None keeps every record.
        num_classes (int, optional): Labels must be below this.
        num_keypoints (int, optional): Expected number of joints V.

    Returns:
        list[dict]: The checked records of the split, in file order.
    """
    records, splits = split_records(safe_load_pickle(path), path)
    index = frame_dir_index(records, path)

    if split is not None:
        if splits is None:
            raise AnnotationError(
                f'{path}: split {split!r} was asked for but the file is a '
                'plain list of records without splits; set split=None')
        if split not in splits:
            raise AnnotationError(f'{path}: unknown split {split!r}; the '
                                  f'file has {sorted(splits)}')
        chosen = [(i, records[i])
                  for i in check_split(splits, split, index, path)]
        if not chosen:
            raise AnnotationError(f'{path}: split {split!r} selects none of '
                                  f'the {len(records)} records')
    else:
        chosen = list(enumerate(records))

    check_records(records, [i for i, _ in chosen], path, num_classes,
                  num_keypoints)
    return [record for _, record in chosen]


def save_annotations(path: str,
                     annotations: Sequence[Dict],
                     split: Optional[Dict[str, Sequence[str]]] = None,
                     num_classes: Optional[int] = None) -> None:
    """Check and write an annotation file atomically.

    The file is written to a temporary name beside ``path`` and renamed, so
    an interrupted save never leaves a half-written file. Every record is
    checked (:func:`check_record`), frame_dirs must be unique and each
    split must name existing frame_dirs, each once.

    Args:
        path (str): Output ``.pkl`` path.
        annotations (list[dict]): The records.
        split (dict, optional): Split name -> frame_dirs. With None a plain
            list of records is written (pyskl's custom format).
        num_classes (int, optional): Checked against the labels.
    """
    check_records(annotations, None, path, num_classes)
    index = frame_dir_index(annotations, path)
    if split is not None:
        split = {name: ids if isinstance(ids, str) else list(ids)
                 for name, ids in split.items()}
        for name in split:
            check_split(split, name, index, path)
        obj: Union[Dict, List] = dict(
            split=split, annotations=list(annotations))
    else:
        obj = list(annotations)
    atomic_pickle_dump(obj, path)


#: the dataloaders of a config whose datasets ``--ann-file`` points at a file
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _datasets(cfg: MutableMapping, loaders: Sequence[str]
              ) -> Iterator[Tuple[str, MutableMapping]]:
    """``(key, dataset config)`` of every dataset config of the loaders,
    wrappers included, e.g. ``('train_dataloader.dataset', RepeatDataset)``
    then ``('train_dataloader.dataset.dataset', PoseDataset)``. A wrapper is
    a dataset config with ``dataset`` (RepeatDataset, ClassBalancedDataset)
    or ``datasets`` (ConcatDataset)."""

    def walk(key: str, node: Any) -> Iterator[Tuple[str, MutableMapping]]:
        if not isinstance(node, MutableMapping):
            return
        yield key, node
        if isinstance(node.get('dataset'), MutableMapping):
            yield from walk(f'{key}.dataset', node['dataset'])
        if isinstance(node.get('datasets'), (list, tuple)):
            for i, child in enumerate(node['datasets']):
                yield from walk(f'{key}.datasets.{i}', child)

    for loader in loaders:
        node = cfg.get(loader)
        if isinstance(node, MutableMapping):
            yield from walk(f'{loader}.dataset', node.get('dataset'))


def _is_wrapper(dataset: MutableMapping) -> bool:
    return isinstance(dataset.get('dataset'), MutableMapping) or isinstance(
        dataset.get('datasets'), (list, tuple))


def dataset_ann_files(cfg: MutableMapping,
                      loaders: Sequence[str] = LOADERS) -> Dict[str, Any]:
    """``ann_file`` of every dataset config of the loaders that reads one
    (wrappers unwrapped), by key, e.g.
    ``{'train_dataloader.dataset.dataset.ann_file': 'data/x.pkl'}``."""
    return {
        f'{key}.ann_file': dataset['ann_file']
        for key, dataset in _datasets(cfg, loaders)
        if 'ann_file' in dataset and not _is_wrapper(dataset)
    }


def check_dataset_options(cfg: MutableMapping,
                          loaders: Sequence[str] = LOADERS) -> None:
    """Refuse an ``ann_file`` set on a dataset wrapper (e.g.
    ``--cfg-options train_dataloader.dataset.ann_file=...`` where the
    train set is a ``RepeatDataset``), which mmengine would report as
    ``RepeatDataset.__init__() got an unexpected keyword argument``.

    Raises:
        InputError: naming the key, the wrapper and the keys to set.
    """
    for key, dataset in _datasets(cfg, loaders):
        if 'ann_file' in dataset and _is_wrapper(dataset):
            inner = [k for k in dataset_ann_files(cfg, loaders)
                     if k.startswith(f'{key}.')]
            kind = dataset.get('type', 'a dataset wrapper')
            raise InputError(
                f'{key}.ann_file: {key} is {kind}, which reads no annotation '
                f'file itself; its datasets do: set {" and ".join(inner)}, '
                'or use --ann-file PATH, which sets the file of every '
                'dataset')


def set_annotation_file(cfg: MutableMapping, path: str,
                        loaders: Sequence[str] = LOADERS) -> List[str]:
    """Point every dataset of the config's ``loaders`` at the annotation
    file ``path`` (what ``--ann-file`` of tools/train.py and tools/test.py
    does), whatever wraps them: ``RepeatDataset`` and
    ``ClassBalancedDataset`` are unwrapped, and so is a ``ConcatDataset``
    whose datasets all read the same file.

    Datasets that read different files (a ``ConcatDataset`` of two files,
    a test set of another file) are refused rather than all pointed at
    ``path``: one path cannot say which of them it replaces.

    Args:
        cfg (MutableMapping): The config (changed in place).
        path (str): The annotation file.
        loaders (Sequence[str]): The dataloader keys to change.

    Returns:
        list[str]: The keys set, e.g.
        ``['train_dataloader.dataset.dataset.ann_file', ...]``.

    Raises:
        InputError: if no dataset reads an annotation file, or they read
            several.
    """
    found = dataset_ann_files(cfg, loaders)
    if not found:
        raise InputError(f'--ann-file {path}: no dataset of '
                         f'{", ".join(loaders)} reads an annotation file '
                         '(ann_file)')
    if len(set(map(str, found.values()))) > 1:
        listed = '; '.join(f'{k}={v}' for k, v in found.items())
        raise InputError(
            f'--ann-file {path}: the datasets read different files '
            f'({listed}), so one path cannot replace them; set each with '
            '--cfg-options KEY=PATH')
    for key, dataset in _datasets(cfg, loaders):
        if f'{key}.ann_file' in found:
            dataset['ann_file'] = path
    return list(found)

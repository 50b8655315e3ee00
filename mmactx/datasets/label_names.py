"""Label maps: plain text files of class names, line i naming label i."""
import os.path as osp
from typing import List, Optional, Sequence

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_write_text


def read_label_names(path: str,
                     num_classes: Optional[int] = None) -> List[str]:
    """Class names of a label map (blank lines are ignored).

    Raises:
        InputError: (a ``ValueError``) if the file is missing, not text, or
            names no class, a name twice, or (given ``num_classes``) a
            different number of classes.
    """
    if not osp.isfile(path):
        raise InputError(f'label map {path} does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
    except UnicodeDecodeError as e:
        raise InputError(f'label map {path} is not UTF-8 text ({e})') \
            from None
    if not names:
        raise InputError(f'{path}: no class names')
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f'{path}: class names given twice: {repeated}')
    if num_classes is not None and len(names) != num_classes:
        raise InputError(f'{path} names {len(names)} classes, expected '
                         f'{num_classes}')
    return names


def write_label_names(path: str, names: Sequence[str]) -> None:
    """Write a label map atomically."""
    atomic_write_text(''.join(f'{n}\n' for n in names), path)

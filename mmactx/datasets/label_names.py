"""Label maps: plain text files of class names, line i naming label i; and
matching class names written differently (``Playing_Guitar`` / ``playing
guitar``)."""
import difflib
import os.path as osp
from typing import Dict, List, Optional, Sequence

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


def class_key(name: str) -> str:
    """The form class names are compared in: lower case, ``_`` as a space,
    runs of spaces as one (``'Playing_Guitar'`` -> ``'playing guitar'``)."""
    return ' '.join(name.replace('_', ' ').lower().split())


def class_index(names: Sequence[str], source: str) -> Dict[str, int]:
    """``class_key(name) -> index`` of a class list.

    Raises:
        InputError: if two names of ``source`` have the same key (e.g.
            ``'a_b'`` and ``'A b'``), naming both.
    """
    index: Dict[str, int] = {}
    for i, name in enumerate(names):
        first = index.setdefault(class_key(name), i)
        if first != i:
            raise InputError(
                f'{source}: class names {names[first]!r} (line {first + 1}) '
                f'and {name!r} (line {i + 1}) are the same class once case '
                "and '_' / ' ' are ignored")
    return index


def closest_names(name: str, names: Sequence[str], n: int = 3) -> List[str]:
    """Up to ``n`` names of ``names`` closest to ``name`` (difflib, on
    :func:`class_key`), best first."""
    by_key = {class_key(x): x for x in names}
    hits = difflib.get_close_matches(class_key(name), list(by_key), n=n,
                                     cutoff=0.5)
    return [by_key[k] for k in hits]


def unknown_class_message(name: str, what: str, names: Sequence[str],
                          source: str) -> str:
    """``"{what} 'x' is not a class of {source} (closest: ...)"``."""
    close = closest_names(name, names)
    hint = (f'closest: {", ".join(repr(c) for c in close)}'
            if close else 'no close name')
    return f'{what} {name!r} is not a class of {source} ({hint})'

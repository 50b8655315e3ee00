"""What the multitask tools (``demo/demo_multitask.py``,
``tools/analysis/benchmark_multitask_fps.py``) read from a Luvizon et al.
config."""
import warnings
from typing import Tuple

from mmactx.utils.cli import InputError

#: the paper's crop (w, h), for a config without ``input_size``
DEFAULT_INPUT_SIZE: Tuple[int, int] = (256, 256)


def input_size_of(cfg) -> Tuple[int, int]:
    """The config's top-level ``input_size = (w, h)`` (the crop its
    pipelines make); :data:`DEFAULT_INPUT_SIZE` with a warning where it
    has none.

    Raises:
        InputError: ``input_size`` is not two positive integers.
    """
    size = cfg.get('input_size')
    if size is None:
        warnings.warn('the config has no top-level input_size = (w, h); '
                      f'using {DEFAULT_INPUT_SIZE[0]} x '
                      f'{DEFAULT_INPUT_SIZE[1]}')
        return DEFAULT_INPUT_SIZE
    try:
        w, h = (int(v) for v in size)
        ok = w > 0 and h > 0 and (w, h) == tuple(size)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f'input_size must be (w, h), two positive '
                         f'integers, got {size!r}')
    return w, h

from .fileio import (atomic_open, atomic_path, atomic_pickle_dump,
                     atomic_write_text)
from .setup_env import register_all_modules

__all__ = [
    'atomic_open', 'atomic_path', 'atomic_pickle_dump', 'atomic_write_text',
    'register_all_modules'
]

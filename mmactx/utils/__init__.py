from .fileio import atomic_pickle_dump
from .setup_env import register_all_modules

__all__ = ['atomic_pickle_dump', 'register_all_modules']

from .cli import EXIT_INPUT_ERROR, InputError, check_input_files, run_cli
from .fileio import (atomic_open, atomic_path, atomic_pickle_dump,
                     atomic_write_text, file_name_of,
                     refuse_overwriting_inputs, remove_stale_temporaries)
from .setup_env import register_all_modules

__all__ = [
    'EXIT_INPUT_ERROR', 'InputError', 'atomic_open', 'atomic_path',
    'atomic_pickle_dump', 'atomic_write_text', 'check_input_files',
    'file_name_of',
    'refuse_overwriting_inputs', 'register_all_modules',
    'remove_stale_temporaries', 'run_cli'
]

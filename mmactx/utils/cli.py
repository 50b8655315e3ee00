"""How the command-line tools report a user's bad input: one place.

mmactx raises :class:`InputError` (or a subclass, e.g. the annotation
checks' ``AnnotationError``) for an input it refuses, with a message that
names the file, record and field. :func:`run_cli` runs a tool's ``main``
and turns such an error into that one paragraph on stderr and exit code 2,
instead of a traceback; ``--debug`` on the command line or
``MMACTX_DEBUG=1`` shows the full traceback. Anything else is a bug of
mmactx's and keeps its traceback.
"""
import os
import pickle
import signal
import sys
import textwrap
from typing import Callable, Dict, List, Optional, Sequence

#: the exit code of a refused input (argparse uses it for bad options too)
EXIT_INPUT_ERROR = 2


class InputError(ValueError):
    """A user's input that mmactx refuses: a file, record, field or option.
    The message says which and why, and what to do where that is known."""


def check_input_files(files: Dict[str, Optional[str]]) -> None:
    """Refuse, before any work, an input file that is missing or is not a
    file (e.g. a folder); None entries are options not given.

    Args:
        files: ``{name: path}``, the name as the user knows it (an option
            such as ``'--label-map'`` or an argument such as
            ``'ann_file'``).

    Raises:
        InputError: ``{name} {path} does not exist`` (or ``is not a
            file``).
    """
    for name, path in files.items():
        if path is not None and not os.path.isfile(path):
            raise InputError(f'{name} {path} ' + (
                'is not a file' if os.path.exists(path) else
                'does not exist'))


def _exit_on_sigterm() -> None:
    """``kill PID`` (SIGTERM) ends the tool like Ctrl-C does, through its
    ``finally`` blocks, so that no temporary file is left behind."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM,
                      lambda signum, frame: sys.exit(128 + signum))


def _debug(argv: List[str]) -> bool:
    if '--debug' in argv:
        argv.remove('--debug')
        return True
    return os.environ.get('MMACTX_DEBUG', '') not in ('', '0')


def run_cli(main: Callable[[Optional[Sequence[str]]], object],
            argv: Optional[Sequence[str]] = None,
            prog: Optional[str] = None) -> int:
    """Run ``main(argv)``; an :class:`InputError` or a refused pickle
    becomes ``prog: error: message`` on stderr and exit code 2.

    Args:
        main: The tool's entry point, taking its argument list.
        argv: Its arguments; None means ``sys.argv[1:]``.
        prog: Name in the message; defaults to the script's file name.

    Returns:
        int: 0 when ``main`` returns (its result is not an exit code).

    Raises:
        SystemExit: With code 2 for a refused input (unless debugging).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debug(argv)
    _exit_on_sigterm()
    try:
        main(argv)
    except (InputError, pickle.UnpicklingError) as e:
        if debug:
            raise
        name = prog or os.path.basename(sys.argv[0]) or 'mmactx'
        message = ' '.join(str(e).split()) or type(e).__name__
        # paths stay whole, so that they can be copied
        print(textwrap.fill(f'{name}: error: {message}', width=79,
                            subsequent_indent='  ', break_long_words=False,
                            break_on_hyphens=False),
              file=sys.stderr)
        print('  (--debug or MMACTX_DEBUG=1 shows the traceback)',
              file=sys.stderr)
        raise SystemExit(EXIT_INPUT_ERROR) from None
    return 0

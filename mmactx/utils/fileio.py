"""Writing files so that an interruption never leaves a half-written one."""
import os
import os.path as osp
import pickle
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator


@contextmanager
def atomic_path(path: str, suffix: str = '.tmp') -> Iterator[str]:
    """A temporary file name beside ``path`` to write to; on a clean exit the
    file is renamed to ``path``, on an exception it is deleted.

    The file gets the usual permissions (0666 less the umask), not the 0600
    of a temporary file.

    Args:
        path (str): The final file.
        suffix (str): Suffix of the temporary name (some writers pick the
            format from it, e.g. ``'.tmp.mp4'``). Defaults to ``'.tmp'``.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@contextmanager
def atomic_open(path: str, mode: str = 'wb') -> Iterator[IO]:
    """Open a file that appears at ``path`` only once it is complete (see
    :func:`atomic_path`); text modes use UTF-8."""
    text = {} if 'b' in mode else {'encoding': 'utf-8'}
    with atomic_path(path) as tmp, open(tmp, mode, **text) as f:
        yield f


def atomic_pickle_dump(obj: Any, path: str) -> None:
    """Pickle ``obj`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def atomic_write_text(text: str, path: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, 'w') as f:
        f.write(text)

"""Writing files so that an interruption never leaves a half-written one."""
import os
import os.path as osp
import pickle
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator


@contextmanager
def atomic_open(path: str, mode: str = 'wb') -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it to ``path`` on a
    clean exit, delete it on an exception.

    The file gets the usual permissions (0666 less the umask), not the 0600
    of a temporary file.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix='.tmp')
    try:
        text = {} if 'b' in mode else {'encoding': 'utf-8'}
        with os.fdopen(fd, mode, **text) as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def atomic_pickle_dump(obj: Any, path: str) -> None:
    """Pickle ``obj`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def atomic_write_text(text: str, path: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, 'w') as f:
        f.write(text)

"""Writing files so that an interruption never leaves a half-written one."""
import os
import os.path as osp
import pickle
import tempfile
from typing import Any


def atomic_pickle_dump(obj: Any, path: str) -> None:
    """Pickle ``obj`` to a temporary file beside ``path``, then rename it.

    The file gets the usual permissions (0666 less the umask), not the 0600
    of a temporary file.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise

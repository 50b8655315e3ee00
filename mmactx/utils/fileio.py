"""Writing files so that an interruption never leaves a half-written one."""
import os
import os.path as osp
import pickle
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator, Sequence


def _temporary_prefix(path: str) -> str:
    """Start of the name of every temporary file of ``path``: hidden, and
    followed by the writing process's id (``.{name}.{pid}-``)."""
    return f'.{osp.basename(path)}.'


def remove_stale_temporaries(path: str) -> list:
    """Delete the temporary files that writers of ``path`` left behind when
    they were killed (``SIGKILL``, a power cut): those whose process no
    longer runs. Temporaries of running processes are kept.

    Returns:
        list[str]: The files removed.
    """
    directory = osp.dirname(osp.abspath(path))
    prefix = _temporary_prefix(path)
    removed = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        pid = name[len(prefix):].split('-', 1)[0]
        if not pid.isdigit() or _process_runs(int(pid)):
            continue
        try:
            os.remove(osp.join(directory, name))
            removed.append(osp.join(directory, name))
        except FileNotFoundError:  # another process cleaned it first
            pass
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


@contextmanager
def atomic_path(path: str, suffix: str = '.tmp') -> Iterator[str]:
    """A temporary file name beside ``path`` to write to; on a clean exit the
    file is renamed to ``path``, on an exception it is deleted.

    The temporary file is hidden and names its process
    (``.{name}.{pid}-XXXX{suffix}``), so that temporaries of killed writers
    are recognised and removed the next time ``path`` is written
    (:func:`remove_stale_temporaries`). The file gets the usual permissions
    (0666 less the umask), not the 0600 of a temporary file.

    Args:
        path (str): The final file.
        suffix (str): Suffix of the temporary name (some writers pick the
            format from it, e.g. ``'.tmp.mp4'``). Defaults to ``'.tmp'``.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(
        dir=directory, suffix=suffix,
        prefix=f'{_temporary_prefix(path)}{os.getpid()}-')
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


def file_name_of(name: str) -> str:
    """A record's name (e.g. a ``frame_dir`` such as ``'videos/a'``, or a
    hostile ``'../../x'``) as one file name that stays inside its folder:
    path separators become ``'__'``, and leading dots and empty parts go."""
    parts = [p for p in name.replace('\\', '/').split('/')
             if p not in ('', '.', '..')]
    return '__'.join(parts).lstrip('.') or '_'


def refuse_overwriting_inputs(outputs: Sequence[str],
                              inputs: Sequence[str]) -> None:
    """Stop before any work when an output file would replace an input (the
    same file by another name or link included) or another output.

    Raises:
        InputError: naming the output and the input it would replace.
    """
    from .cli import InputError

    def key(path: str) -> str:
        return osp.normcase(osp.realpath(osp.abspath(path)))

    seen = {}
    for path in inputs:
        seen.setdefault(key(path), f'the input {path}')
    for path in outputs:
        where = seen.get(key(path))
        if where is None and osp.exists(path):
            where = next((f'the input {p}' for p in inputs if osp.exists(p)
                          and osp.samefile(p, path)), None)
        if where is not None:
            raise InputError(f'output {path} would replace {where}; choose '
                             f'another output name')
        seen[key(path)] = f'the output {path}'


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

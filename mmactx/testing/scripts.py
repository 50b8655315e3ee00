"""Importing and running the repository's scripts (tools/, demo/ are not
packages)."""
import importlib.util
import os
import os.path as osp
import subprocess
from types import ModuleType
from typing import Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_script(relative_path: str) -> ModuleType:
    """Import a script of the repository, e.g. ``'demo/demo_skeleton.py'``,
    as a module (its ``__main__`` block does not run)."""
    path = osp.join(ROOT, relative_path)
    name = osp.splitext(relative_path)[0].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(args: Sequence[str], timeout: float = 900,
               **kwargs) -> subprocess.CompletedProcess:
    """Run a command (e.g. ``[sys.executable, 'tools/train.py', ...]``) in
    the repository root with one torch thread, and fail with the tail of
    its output if it exits non-zero.

    Returns:
        subprocess.CompletedProcess: with text ``stdout`` and ``stderr``.
    """
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    proc = subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, **kwargs)
    if proc.returncode != 0:
        raise AssertionError(f'{" ".join(args)} exited {proc.returncode}:\n'
                             f'{proc.stdout[-3000:]}{proc.stderr[-3000:]}')
    return proc

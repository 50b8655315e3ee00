"""Importing the repository's scripts (tools/, demo/ are not packages)."""
import importlib.util
import os.path as osp
from types import ModuleType

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

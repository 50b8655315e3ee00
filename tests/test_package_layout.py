"""Which parts of mmactx may import which: the layers stay apart."""
import ast
import os.path as osp
from glob import glob

import pytest

ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'mmactx')


def imported_modules(path: str):
    """Every module a file imports, relative imports resolved."""
    package = osp.relpath(osp.dirname(path), osp.dirname(ROOT)).split(osp.sep)
    tree = ast.parse(open(path, encoding='utf-8').read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] \
                if node.level else []
            module = '.'.join(base + ([node.module] if node.module else []))
            yield module
            yield from (f'{module}.{alias.name}' for alias in node.names)


@pytest.mark.parametrize('layer, forbidden', [
    ('apis', 'mmactx.datasets'),
    ('datasets', 'mmactx.apis'),
    ('models', 'mmactx.datasets'),
    ('rendering', 'mmactx.datasets'),
    ('rendering', 'mmactx.models'),
])
def test_layers_do_not_import_each_other(layer, forbidden):
    files = glob(osp.join(ROOT, layer, '**', '*.py'), recursive=True)
    assert files
    offenders = sorted(
        f'{osp.relpath(path, ROOT)} imports {module}' for path in files
        for module in imported_modules(path)
        if module == forbidden or module.startswith(forbidden + '.'))
    assert not offenders, offenders


def test_the_checker_sees_relative_imports():
    path = osp.join(ROOT, 'apis', 'pose_extraction', 'precomputed.py')
    assert 'mmactx.apis.pose_extraction.base' in set(imported_modules(path))

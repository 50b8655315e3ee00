"""Packaging of mmactx: ``pip install -e .`` (see tools/install.sh for the
full set-up on a fresh machine)."""
import importlib.util
import os.path as osp
import re

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_version() -> str:
    with open(osp.join(HERE, 'mmactx', 'version.py'), encoding='utf-8') as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def parse_requirements(name: str) -> list:
    """Requirement lines of ``requirements/<name>``, comments dropped."""
    reqs = []
    with open(osp.join(HERE, 'requirements', name), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line.startswith('-r '):
                reqs += parse_requirements(line[3:].strip())
            elif line:
                reqs.append(line)
    return reqs


def mmcv_requirement() -> str:
    # mmcv and mmcv-lite both provide the `mmcv` package: keep whichever is
    # installed (a full mmcv with compiled ops must keep working), otherwise
    # take the lite build, which installs in seconds.
    name = 'mmcv-lite'
    if importlib.util.find_spec('mmcv') is not None:
        try:
            from importlib.metadata import PackageNotFoundError, version
            version('mmcv')
            name = 'mmcv'
        except PackageNotFoundError:
            pass
    return f'{name}>=2.0.0rc4,<2.2.0'


with open(osp.join(HERE, 'README.md'), encoding='utf-8') as f:
    long_description = f.read()

setup(
    name='mmactx',
    version=read_version(),
    description='Skeleton- and pose-based action recognition for OpenMMLab '
    '(PoseC3D, GCNs, human parsing, RGB+pose fusion)',
    long_description=long_description,
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests')),
    include_package_data=True,
    zip_safe=False,
    install_requires=['torch'] + parse_requirements('runtime.txt') +
    [mmcv_requirement()],
    extras_require={
        'tests': parse_requirements('tests.txt'),
        'mmaction': parse_requirements('mminstall.txt'),
    },
    license='Apache License 2.0',
)

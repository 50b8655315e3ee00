"""mmactx: skeleton- and pose-based action recognition on OpenMMLab.

Importing the package applies the upstream workarounds of
:mod:`mmactx.compat` and registers every module into the ``mmactx`` scope.
"""
from . import compat
from .version import __version__

compat.apply_all()

from .utils import register_all_modules  # noqa: E402

register_all_modules(init_default_scope=False)

__all__ = ['__version__', 'register_all_modules']

"""Workarounds for bugs in the released upstream packages, one function each.

Each public function names the upstream issue it works around and is
idempotent. :func:`apply_all` applies them when ``mmactx`` is imported, all
but :func:`allow_mmpose_import`, which puts stand-in modules into
``sys.modules`` and is therefore applied only by the mmpose pose backend,
just before it imports mmpose. The private functions are their helpers.
Nothing else lives here.
"""
import os.path as osp
import sys
import types

import torch


def quiet_mmcv_lite_ops_warning() -> bool:
    """Hide mmcv-lite's ``MultiScaleDeformableAttention`` import warning.

    mmcv-lite has no compiled ops, so ``mmcv/cnn/bricks/transformer.py``
    warns at import that it cannot import ``MultiScaleDeformableAttention``
    and that the full ``mmcv`` is needed for it (reported upstream as a bug
    in open-mmlab/mmpose#3014, still open). No mmactx code path uses that
    module, and mmactx installs mmcv-lite on purpose (tools/install.sh), so
    the warning only hides real ones. Exactly that message from that module
    is filtered, and only when the installed mmcv is mmcv-lite; with a full
    mmcv the warning would mean broken ops and stays visible.

    Returns:
        bool: Whether the filter was added.
    """
    import warnings
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        distribution('mmcv-lite')
    except PackageNotFoundError:
        return False
    warnings.filterwarnings(
        'ignore', message='Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning, module='mmcv.cnn.bricks.transformer')
    return True


def stub_missing_mmaction_drn() -> bool:
    """Make ``import mmaction.models`` work on the mmaction2 1.2.0 wheel.

    The wheel lacks ``mmaction/models/localizers/drn`` (the folder had no
    ``__init__.py``, so ``find_packages`` skipped it) while
    ``mmaction/models/localizers/__init__.py`` imports ``DRN`` from it:
    https://github.com/open-mmlab/mmaction2/issues/2714 (fixed on main by
    8058df54, never released). We put a stand-in module in ``sys.modules``
    whose ``DRN`` explains the problem when someone actually builds it.

    Returns:
        bool: Whether the stand-in was installed (False if the real module
        exists, e.g. mmaction2 installed from source).
    """
    import mmaction
    name = 'mmaction.models.localizers.drn'
    real = osp.join(osp.dirname(mmaction.__file__), 'models', 'localizers',
                    'drn')
    if osp.isdir(real) or name in sys.modules:
        return False

    class DRN:  # noqa: D401 - a stand-in with the upstream name
        """Stand-in for mmaction's DRN, missing from the 1.2.0 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'mmaction.models.localizers.drn is missing from the mmaction2 '
                '1.2.0 wheel (open-mmlab/mmaction2#2714); install mmaction2 '
                'from source to use DRN.')

    package = types.ModuleType(name)
    package.__path__ = []
    module = types.ModuleType(name + '.drn')
    module.DRN = DRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def _history_buffer_getattr(obj, name: str):
    """The only ``getattr`` a checkpoint may call.

    ``HistoryBuffer.__getstate__`` pickles its statistics methods as
    ``getattr(HistoryBuffer, 'mean')`` and so on; this stand-in for
    ``builtins.getattr`` resolves exactly those and refuses anything else.
    """
    import pickle

    from mmengine.logging import HistoryBuffer
    # the built-in statistics are only registered when a first buffer is
    # made, which may not have happened in a process that loads a checkpoint
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        'HistoryBuffer statistics methods are allowed')


def mmengine_checkpoint_globals() -> list:
    """The non-tensor globals that mmengine's checkpoints hold.

    ``Runner.save_checkpoint`` stores the message hub (``HistoryBuffer``
    objects holding numpy arrays and scalars, whose statistics methods are
    pickled as ``getattr(HistoryBuffer, name)``) next to the weights,
    optimizer and scheduler states. These are exactly the globals a
    ``weights_only=True`` load of such a checkpoint meets; ``getattr`` is
    replaced by :func:`_history_buffer_getattr`, so nothing that can run code
    is among them.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
        np.int64, np.uint8, np.bool_)]
    return [
        HistoryBuffer, _reconstruct, scalar, np.ndarray, np.dtype,
        (_history_buffer_getattr, 'builtins.getattr'),
        (_history_buffer_getattr, '__builtin__.getattr')
    ] + dtype_classes


def load_checkpoints_weights_only() -> None:
    """Let mmengine resume on torch >= 2.6 without turning weights-only off.

    torch 2.6 made ``weights_only=True`` the default of ``torch.load``;
    mmengine 0.10.7 calls ``torch.load`` without the argument, so ``resume``
    fails on ``Unsupported global: mmengine.logging.history_buffer.
    HistoryBuffer`` (https://github.com/open-mmlab/mmengine/issues/1655,
    fixed on main by PR #1670, not released). We allowlist exactly the
    globals of :func:`mmengine_checkpoint_globals` and register a local-file
    loader that passes ``weights_only=True`` explicitly, so loading stays
    safe on every torch version and a checkpoint cannot run code. The loader
    is :func:`mmactx.engine.checkpoint.load_local_checkpoint`, which also
    turns torch's errors into messages naming the file.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())

    def load_from_local(filename, map_location):
        from mmactx.engine.checkpoint import load_local_checkpoint
        return load_local_checkpoint(filename, map_location)

    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)


def _stand_in(name: str, attrs: dict) -> types.ModuleType:
    """A module for ``sys.modules`` with a real spec (so that
    ``importlib.util.find_spec`` and ``inspect`` treat it as a module)."""
    import importlib.machinery
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.__dict__.update(attrs)
    return module


def allow_mmpose_import() -> list:
    """Let mmpose 1.3 import on mmcv-lite and without torchvision.

    Importing ``mmpose.apis`` imports every head, and one of them
    (``edpose_head``) imports ``mmcv.ops``, whose compiled ``mmcv._ext`` is
    absent from mmcv-lite (open-mmlab/mmpose#3250, open-mmlab/mmcv#3181);
    ``mmpose/visualization/simcc_vis.py`` imports ``torchvision`` for
    ``ToPILImage`` only. Top-down estimation needs neither. Each missing
    module is replaced by a stand-in whose functions raise a clear error if
    anything ever calls them; real modules are left alone. Called by the
    mmpose pose backend before it imports mmpose, never on ``import
    mmactx``.

    Returns:
        list[str]: The modules stood in for.
    """
    import importlib.util
    added = []

    def missing(what: str):
        def fail(*args, **kwargs):
            raise RuntimeError(f'{what} is not installed (mmactx stands in '
                               'for it only so that mmpose can be imported)')
        return fail

    def ext_getattr(name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        return missing(f'mmcv._ext.{name} (mmcv with compiled ops)')

    if 'mmcv._ext' not in sys.modules:
        try:
            importlib.import_module('mmcv._ext')
        except ImportError:
            sys.modules['mmcv._ext'] = _stand_in(
                'mmcv._ext', dict(__getattr__=ext_getattr))
            added.append('mmcv._ext')
    if ('torchvision' not in sys.modules
            and importlib.util.find_spec('torchvision') is None):
        transforms = _stand_in('torchvision.transforms',
                               dict(ToPILImage=missing('torchvision')))
        sys.modules['torchvision'] = _stand_in(
            'torchvision', dict(transforms=transforms))
        sys.modules['torchvision.transforms'] = transforms
        added += ['torchvision', 'torchvision.transforms']
    return added


def apply_all() -> None:
    """Apply every import-time workaround (called by ``import mmactx``)."""
    quiet_mmcv_lite_ops_warning()
    stub_missing_mmaction_drn()
    load_checkpoints_weights_only()

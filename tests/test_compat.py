"""The upstream workarounds of mmactx.compat, each against its bug."""
import os
import pickle
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mmactx import compat


def test_mmaction_models_imports_with_drn_stand_in():
    import mmaction.models  # noqa: F401 - fails on the bare 1.2.0 wheel
    from mmaction.models.localizers import DRN
    if 'mmaction.models.localizers.drn' in sys.modules and not hasattr(
            sys.modules['mmaction.models.localizers.drn'], '__file__'):
        with pytest.raises(ImportError, match='2714'):
            DRN()
    assert compat.stub_missing_mmaction_drn() is False  # idempotent


def test_mmcv_lite_ops_warning_is_hidden_and_only_it():
    import subprocess
    from importlib.metadata import PackageNotFoundError, distribution
    try:
        distribution('mmcv-lite')
    except PackageNotFoundError:
        pytest.skip('a full mmcv is installed: its warning must stay')
    code = ('import warnings, mmactx, mmcv.cnn.bricks.transformer; '
            'warnings.warn("another warning")')
    run = subprocess.run([sys.executable, '-W', 'default', '-c', code],
                         capture_output=True, text=True, check=True)
    assert 'MultiScaleDeformableAttention' not in run.stderr
    assert 'another warning' in run.stderr
    # without mmactx the warning is there: the test sees the real thing
    run = subprocess.run(
        [sys.executable, '-W', 'default', '-c',
         'import mmcv.cnn.bricks.transformer'],
        capture_output=True, text=True, check=True)
    assert 'MultiScaleDeformableAttention' in run.stderr


def mmengine_like_checkpoint():
    buffer = HistoryBuffer()
    buffer.update(0.5)
    buffer.update(np.float64(0.25))
    return dict(
        meta=dict(epoch=3, iter=30, seed=np.int64(7),
                  dataset_meta=None, cfg='model = dict()'),
        state_dict=dict(w=torch.ones(2)),
        message_hub=dict(
            log_scalars={'train/loss': buffer},
            runtime_info=dict(iter=30, scores=np.arange(3.0)),
            resumed_keys={'iter': True}),
        optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
        param_schedulers=[dict(last_epoch=3)])


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    torch.save(mmengine_like_checkpoint(), path)
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['epoch'] == 3
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(0.375)


class Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def test_checkpoint_with_code_is_refused(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, hook=Evil()), path)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')


class Sneaky:
    """Pickles as getattr(HistoryBuffer, '__init__'), outside the allowlist."""

    def __reduce__(self):
        return (getattr, (HistoryBuffer, '__init__'))


def test_checkpoint_getattr_is_limited_to_history_buffer(tmp_path):
    path = str(tmp_path / 'sneaky.pth')
    torch.save(dict(state_dict={}, x=Sneaky()), path)
    with pytest.raises(pickle.UnpicklingError, match='__init__'):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')

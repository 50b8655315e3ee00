"""mmengine's checkpoints are written atomically once mmactx is imported."""
import os

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmactx.engine  # noqa: F401 - registers the backend
from mmactx.engine import AtomicLocalBackend


def test_mmengine_saves_through_the_atomic_backend(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    assert isinstance(get_file_backend(path), AtomicLocalBackend)
    save_checkpoint(dict(state_dict={'w': torch.ones(3)}), path)
    assert os.listdir(tmp_path) == ['epoch_1.pth']
    loaded = torch.load(path, weights_only=True)
    assert torch.equal(loaded['state_dict']['w'], torch.ones(3))


def test_an_interrupted_save_keeps_the_old_file_whole(tmp_path, monkeypatch):
    path = str(tmp_path / 'latest.pth')
    save_checkpoint(dict(state_dict={'w': torch.zeros(2)}), path)
    before = open(path, 'rb').read()

    def killed(src, dst):
        raise KeyboardInterrupt  # the process stops just before the rename

    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(dict(state_dict={'w': torch.ones(1000)}), path)
    monkeypatch.undo()
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['latest.pth']  # no temporary left

"""CPU distributed set-up (gloo, DDP without device ids)."""
import torch
from mmengine.config import Config

from mmactx.engine import setup_cpu_distributed


def test_cpu_distributed_setup_only_with_launcher(monkeypatch):
    cfg = Config(dict(launcher='none'))
    assert setup_cpu_distributed(cfg) is False
    cfg = Config(dict(launcher='pytorch', find_unused_parameters=True))
    monkeypatch.setattr(torch.distributed, 'is_initialized', lambda: True)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert setup_cpu_distributed(cfg) is True
    assert cfg.model_wrapper_cfg['device_ids'] is None
    assert cfg.model_wrapper_cfg['find_unused_parameters'] is True

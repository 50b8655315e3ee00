"""Learning-rate schedules of configs, stepped without training."""
import numpy as np
import torch
from mmengine.config import Config


def epoch_lrs(cfg: Config, epochs: int) -> np.ndarray:
    """The learning rate of each epoch under a config's ``param_scheduler``
    (epoch-based schedulers), from its optimizer's base lr.

    Returns:
        np.ndarray: [epochs] float learning rates, epoch 0 first.
    """
    from mmengine.registry import PARAM_SCHEDULERS
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)],
                          lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = [PARAM_SCHEDULERS.build(dict(s, optimizer=opt))
                  for s in cfg.param_scheduler]
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        for s in schedulers:
            s.step()
    return np.array(lrs)

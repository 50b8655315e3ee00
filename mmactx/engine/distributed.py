"""Distributed training and testing on machines without a GPU."""
import os

import torch


def setup_cpu_distributed(cfg) -> bool:
    """Let ``--launcher pytorch`` run on machines without a GPU (gloo).

    mmengine 0.10.7 always calls ``torch.cuda.set_device`` in
    ``mmengine/dist/utils.py::_init_dist_pytorch`` and ``Runner.wrap_model``
    gives DDP ``device_ids=[LOCAL_RANK]``; both fail without CUDA (no
    upstream issue found; the same limitation is discussed for OpenMMLab
    forks, e.g. openvinotoolkit/mmdetection#77). When CUDA is absent
    we start the process group on gloo ourselves (mmengine then skips its own
    initialisation) and ask for a DDP wrapper without ``device_ids``.

    Args:
        cfg (mmengine.Config): The config the runner will be built from;
            ``model_wrapper_cfg`` is set on it when needed.

    Returns:
        bool: Whether the CPU set-up was applied.
    """
    import torch.distributed as dist
    if torch.cuda.is_available() or cfg.get('launcher', 'none') == 'none':
        return False
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            import datetime
            kwargs['timeout'] = datetime.timedelta(seconds=timeout)
        dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            **kwargs)
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True

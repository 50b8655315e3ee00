"""Train a recognizer: ``python tools/train.py CONFIG [options]``.

The stock OpenMMLab flags; ``--launcher pytorch`` also works on machines
without a GPU (gloo backend), see :func:`mmactx.engine.setup_cpu_distributed`.
``--ann-file PATH`` points every dataset of the config at another annotation
file, whatever wraps it. A refused input (an annotation file, a checkpoint
that does not fit the config) ends with one paragraph and exit code 2
(``--debug`` shows the traceback).
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmactx.datasets.annotation_io import (check_dataset_options,
                                           set_annotation_file)
from mmactx.utils.cli import InputError, run_cli

# a load_from checkpoint that does not fit: how to start from part of one
PARTIAL_LOAD_HINT = ('To start from the weights that fit (e.g. fine-tuning '
                     'with another number of classes), add --partial-load')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--ann-file',
        help='annotation file of every dataset of the config (train, val '
        'and test, inside RepeatDataset/ConcatDataset wrappers too)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or from the latest one in the '
        'work dir when no path is given')
    parser.add_argument(
        '--partial-load',
        action='store_true',
        help='load_from: start from the weights of the checkpoint that fit '
        'the model (e.g. another head); without it a checkpoint that does '
        'not fit exactly is refused')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic options for the CUDNN backend')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise InputError(f'--amp needs OptimWrapper, the config uses '
                             f'{wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', dict(base_batch_size=128))
        cfg.auto_scale_lr.enable = True
    if args.seed is not None or args.diff_rank_seed or args.deterministic:
        randomness = dict(cfg.get('randomness') or {})
        if args.seed is not None:
            randomness['seed'] = args.seed
        randomness['diff_rank_seed'] = args.diff_rank_seed
        randomness['deterministic'] = args.deterministic
        cfg.randomness = randomness
    if args.ann_file is not None:
        if not osp.isfile(args.ann_file):
            raise InputError(f'--ann-file {args.ann_file} does not exist')
        set_annotation_file(cfg, args.ann_file)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    check_dataset_options(cfg)
    return cfg


def load_config(path: str) -> Config:
    """The config file, or an :class:`InputError` naming it when absent."""
    if not osp.isfile(path):
        raise InputError(f'config {path} does not exist')
    return Config.fromfile(path)


def check_checkpoints(runner: Runner, cfg: Config,
                      partial: bool = False) -> None:
    """Refuse a ``load_from`` or resumed checkpoint that does not fit the
    model, when the runner loads it (:class:`CheckpointFitHook`); with
    ``partial`` a ``load_from`` checkpoint may fit in part."""
    from mmengine.runner import find_latest_checkpoint

    from mmactx.engine.checkpoint import CheckpointFitHook
    if cfg.get('resume') and cfg.get('load_from') is None:
        latest = find_latest_checkpoint(runner.work_dir)
        if latest is not None:
            runner.register_hook(CheckpointFitHook(latest))
    elif cfg.get('load_from'):
        resume = bool(cfg.get('resume'))
        runner.register_hook(CheckpointFitHook(
            cfg.load_from, '' if resume else PARTIAL_LOAD_HINT,
            partial and not resume))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    from mmactx.engine import setup_cpu_distributed
    from mmactx.engine.checkpoint import CheckpointError
    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    check_checkpoints(runner, cfg, args.partial_load)
    try:
        runner.train()
    except CheckpointError as e:
        if not cfg.get('resume') or e.alternative is None:
            raise
        raise CheckpointError(
            f'{e}; resume from it with --resume {e.alternative}', e.path,
            e.alternative) from e


if __name__ == '__main__':
    run_cli(main)

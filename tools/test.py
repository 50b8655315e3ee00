"""Test a checkpoint: ``python tools/test.py CONFIG CKPT [--dump X.pkl]``.

``--dump`` writes a list of per-sample dicts with ``pred_score`` (numpy
class scores, probabilities averaged over the test views) and ``gt_label``
(int), in dataset order (:class:`mmactx.evaluation.DumpPredictions`); a
multi-stream model (RGBPose-Conv3D) writes ``pred_scores``, a dict
``{stream: scores}``, instead (see :mod:`mmactx.evaluation.dump`). Dumps are
read back without unpickling code, and tools/ensemble.py fuses several
(``FILE:STREAM`` picks one stream).
``--ann-file PATH`` points the test set at another annotation file, whatever
wraps it. The checkpoint must fit the model of the config (every weight,
with the same shape) and annotation files must pass their checks;
otherwise the tool ends with one paragraph and exit code 2 (``--debug``
shows the traceback).
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmactx.datasets.annotation_io import (check_dataset_options,
                                           dataset_ann_files,
                                           set_annotation_file)
from mmactx.utils.cli import InputError, run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs

#: the datasets test.py reads
TEST_LOADERS = ('test_dataloader', )


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument(
        '--ann-file',
        help='annotation file of the test set (inside RepeatDataset/'
        'ConcatDataset wrappers too)')
    parser.add_argument(
        '--dump', type=str, help='dump the predictions to this .pkl file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. key=value')
    parser.add_argument(
        '--show-dir', help='save visualisations of the test samples here')
    parser.add_argument(
        '--show', action='store_true', help='show visualisations')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='visualise every this many samples')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='seconds each is shown')
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
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.show or args.show_dir:
        hooks = cfg.default_hooks
        if 'visualization' not in hooks:
            raise InputError('--show/--show-dir need '
                             'default_hooks.visualization in the config')
        hooks.visualization.enable = True
        hooks.visualization.show = args.show
        hooks.visualization.wait_time = args.wait_time
        hooks.visualization.out_dir = args.show_dir
        hooks.visualization.interval = args.interval
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise InputError(f'--dump must end with .pkl or .pickle, got '
                             f'{args.dump}')
        dump = dict(type='DumpPredictions', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = list(evaluator) + [dump]
        else:
            cfg.test_evaluator = [evaluator, dump]
    cfg.load_from = args.checkpoint
    if args.ann_file is not None:
        if not osp.isfile(args.ann_file):
            raise InputError(f'--ann-file {args.ann_file} does not exist')
        set_annotation_file(cfg, args.ann_file, TEST_LOADERS)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    check_dataset_options(cfg, TEST_LOADERS)
    if args.dump is not None:
        inputs = [args.config, args.checkpoint] + [
            str(p) for p in dataset_ann_files(cfg, TEST_LOADERS).values()]
        refuse_overwriting_inputs([args.dump], inputs)
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise InputError(f'config {args.config} does not exist')
    cfg = merge_args(Config.fromfile(args.config), args)
    from mmactx.engine import setup_cpu_distributed
    from mmactx.engine.checkpoint import CheckpointFitHook
    setup_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    # mmengine only warns about weights that do not fit and tests random
    # ones: refuse such a checkpoint when it is loaded
    runner.register_hook(CheckpointFitHook(cfg.load_from))
    runner.test()


if __name__ == '__main__':
    run_cli(main)

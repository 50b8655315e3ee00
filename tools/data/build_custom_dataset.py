"""Build a 2D skeleton annotation file from your own labelled videos.

    python tools/data/build_custom_dataset.py videos.txt \\
        --out data/custom/custom_2d.pkl [--label-map labels.txt] \\
        [--workers 2] [--val-ratio 0.2]

``videos.txt`` has one ``video_path label [split]`` line per video
(relative paths are taken from the list's folder; the label is a class
number, or a class name of ``--label-map``; the split, ``train`` or
``val``, is optional: videos without one are split per class by
``--val-ratio``). Poses come from MediaPipe BlazePose (offline) or an mmpose
model, persons are tracked across frames, and the file is written with
``train``/``val`` splits for ``PoseDataset``. Videos that fail are skipped
and listed with the reason in ``<out>_report.txt``. A killed run, restarted
with the same command, only processes the videos it had not finished.

The list, the label map and the options are checked before any video is
read: a refused input (a missing file, a bad line of the list: its file
and line are named) is one ``error:`` line and exit code 2.
"""
import argparse
import functools
import os.path as osp
from typing import Dict, List, Optional

from mmactx.apis import build_pose_estimator
from mmactx.datasets.converters.batch import convert_command
from mmactx.datasets.label_names import read_label_names
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs
from mmactx.video_annotations import (convert_video, parse_video_list,
                                      stratified_split)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Labelled videos to a 2D skeleton annotation file')
    parser.add_argument('video_list', help='lines of "video_path label '
                        '[split]"')
    parser.add_argument('--out', default='data/custom/custom_2d.pkl',
                        help='annotation file (default: '
                        'data/custom/custom_2d.pkl)')
    parser.add_argument('--label-map', help='class names, one per line; '
                        'lets the list give labels by name')
    parser.add_argument('--val-ratio', type=float, default=0.2,
                        help='share of each class put in val (default 0.2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the train/val split (default 0)')
    parser.add_argument('--pose-backend', default='mediapipe',
                        choices=['mediapipe', 'mmpose'])
    parser.add_argument('--pose-config', help='mmpose config')
    parser.add_argument('--pose-checkpoint', help='mmpose checkpoint')
    parser.add_argument('--device', default='cpu',
                        help='torch device of the mmpose backend')
    parser.add_argument('--max-persons', type=int, default=2,
                        help='persons kept per video (default 2)')
    parser.add_argument('--workers', type=int, default=0,
                        help='worker processes (default 0: this process)')
    args = parser.parse_args(argv)
    if not 0 <= args.val_ratio < 1:
        parser.error('--val-ratio must be in [0, 1)')
    if args.max_persons < 1 or args.workers < 0:
        parser.error('--max-persons must be positive, --workers '
                     'non-negative')
    if args.pose_backend == 'mmpose' and not (args.pose_config and
                                              args.pose_checkpoint):
        parser.error('--pose-backend mmpose needs --pose-config and '
                     '--pose-checkpoint')
    return args


def label_names(path: str) -> List[str]:
    """The class names of ``--label-map``.

    Raises:
        InputError: naming the option and the file when it is missing or
            not a label map.
    """
    check_input_files({'--label-map': path})
    try:
        return read_label_names(path)
    except UnicodeDecodeError as e:
        raise InputError(f'--label-map {path}: not UTF-8 text ({e.reason} '
                         f'at byte {e.start})') from None
    except ValueError as e:  # no names, a name twice
        raise InputError(f'--label-map {e}') from None


def main(argv: Optional[List[str]] = None) -> Dict:
    """Build the annotation file; returns the batch's summary.

    Raises:
        InputError: for a refused option, list or label map, before any
            video is read.
    """
    args = parse_args(argv)
    check_input_files({'video_list': args.video_list})
    if args.pose_backend == 'mmpose':
        check_input_files({'--pose-config': args.pose_config,
                           '--pose-checkpoint': args.pose_checkpoint})
    names = label_names(args.label_map) if args.label_map else None
    items = parse_video_list(args.video_list, names)
    report = osp.splitext(args.out)[0] + '_report.txt'
    for path in (args.out, report):
        if osp.isdir(path):
            raise InputError(f'output {path} is a folder; give --out as a '
                             f'.pkl file name')
    refuse_overwriting_inputs(
        [args.out, report],
        [args.video_list] + ([args.label_map] if args.label_map else []) +
        [it.path for it in items])
    if args.pose_backend == 'mmpose':
        backend_kwargs = dict(config=args.pose_config,
                              checkpoint=args.pose_checkpoint,
                              device=args.device,
                              num_poses=args.max_persons)
    else:
        backend_kwargs = dict(num_poses=args.max_persons)
    # a backend that cannot start fails here, not once per video
    build_pose_estimator(args.pose_backend, **backend_kwargs).close()
    by_path = {it.path: it for it in items}
    convert = functools.partial(
        convert_video, items=by_path, backend=args.pose_backend,
        backend_kwargs=backend_kwargs, max_persons=args.max_persons)

    def split(frame_dirs):
        return stratified_split(items, frame_dirs, args.val_ratio, args.seed)

    return convert_command(
        list(by_path), convert, {'2d': (args.out, split)}, report,
        title=f'custom dataset from {osp.abspath(args.video_list)}',
        fingerprint=dict(tool='build_custom_dataset', version=1,
                         items=[tuple(it) for it in items],
                         backend=args.pose_backend, kwargs=backend_kwargs,
                         max_persons=args.max_persons),
        # videos take seconds each; MediaPipe must not be forked once used
        workers=args.workers, chunk_size=2, start_method='spawn')


if __name__ == '__main__':
    run_cli(main)

"""Convert the raw NTU RGB+D 60/120 ``.skeleton`` files to annotation files.

    python tools/data/convert_ntu.py SKELETON_DIR --dataset ntu60 \\
        --out-dir data/skeleton

writes ``<dataset>_3d.pkl`` (25 Kinect joints in metres, denoised and
centred; for the GCN configs), ``<dataset>_2d.pkl`` (colour-camera pixels,
img_shape 1080x1920, scores from the tracking state; COCO-17 by default, for
the PoseC3D configs; with ``--with-depth`` also ``keypoint_depth``, each
joint's camera-space z in metres, float32, for the depth labels of Luvizon
et al.'s multitask model) and ``<dataset>_report.txt`` (every skipped file
with its reason), each with the official splits: xsub and xview for NTU60, xsub
and xset for NTU120. See :mod:`mmactx.datasets.converters.ntu`.

Files are converted in parallel; a killed run restarted with the same
command goes on where it stopped, and no output is ever half-written.
"""
import argparse
import functools
import glob
import os
import os.path as osp
from typing import List, Optional

from mmactx.datasets.converters.batch import SkipSample, convert_command
from mmactx.datasets.converters.ntu import (build_splits, convert_ntu_file,
                                            parse_name, read_ignore_list)
from mmactx.utils.cli import InputError, run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert raw NTU RGB+D .skeleton files to 3D and 2D '
        'annotation files with the official splits.')
    parser.add_argument('skeleton_dir',
                        help='folder of the .skeleton files (e.g. '
                        'nturgb+d_skeletons)')
    parser.add_argument('--dataset', choices=['ntu60', 'ntu120', 'auto'],
                        default='auto',
                        help='ntu60 keeps setups 1-17 and actions 1-60 '
                        '(other files are skipped); auto picks ntu120 if '
                        'any file is outside NTU60 (files whose ids are '
                        'outside NTU120, e.g. A999, are skipped and count '
                        'for neither; default: auto)')
    parser.add_argument('--out-dir', default='data/skeleton',
                        help='output folder (default: data/skeleton)')
    parser.add_argument('--layout-2d', choices=['coco', 'ntu'],
                        default='coco',
                        help='joints of the 2D file: COCO-17 (eyes and ears '
                        'missing, the head as the nose) or the 25 Kinect '
                        'joints (default: coco)')
    parser.add_argument('--with-depth', action='store_true',
                        help='add keypoint_depth [M, T, V] to the 2D file: '
                        "each joint's camera-space z in metres (float32, "
                        'the raw Kinect value, not centred; 0 where the '
                        'joint is not tracked), e.g. for deephar-style '
                        '2D + depth pose labels (use with --layout-2d ntu)')
    parser.add_argument('--ignore-list',
                        help='file of sample names to skip, one per line '
                        '(e.g. the official missing-skeleton list; not '
                        'needed: such samples are found from the data)')
    parser.add_argument('--workers', type=int,
                        default=min(8, os.cpu_count() or 1),
                        help='worker processes (default: CPU count, at most '
                        '8; 0 converts in this process)')
    parser.add_argument('--keep-parts', action='store_true',
                        help='keep the per-chunk results after writing')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    files = sorted(glob.glob(osp.join(args.skeleton_dir, '*.skeleton')))
    if not files:
        raise InputError(f'{args.skeleton_dir}: no .skeleton files found')
    ignored = set(read_ignore_list(args.ignore_list))

    names = {}
    for path in files:
        try:
            names[path] = parse_name(osp.basename(path))
        except SkipSample:
            names[path] = None  # the converter reports it
    dataset = args.dataset
    if dataset == 'auto':
        # names outside the NTU RGB+D 120 ids (e.g. A999) are None: they are
        # skipped with their reason and decide nothing
        outside = [osp.basename(p) for p, n in names.items()
                   if n is not None and not n.in_ntu60()]
        dataset = 'ntu120' if outside else 'ntu60'
        print(f'--dataset auto: {dataset} ({len(files)} files)')
        if outside:
            print(f'  {len(outside)} of them outside NTU60 (setup > 17 or '
                  f'action > 60), e.g. {outside[0]}; --dataset ntu60 skips '
                  'them instead')

    skipped, paths = [], []
    for path in files:
        stem, name = osp.basename(path).split('.')[0], names[path]
        if stem in ignored:
            skipped.append((osp.basename(path), 'ignore_list',
                            f'listed in {args.ignore_list}'))
        elif dataset == 'ntu60' and name is not None and not name.in_ntu60():
            skipped.append((osp.basename(path), 'not_in_ntu60',
                            'setup > 17 or action > 60'))
        else:
            paths.append(path)

    split_fn = functools.partial(build_splits, dataset=dataset)
    outputs = {
        key: (osp.join(args.out_dir, f'{dataset}_{key}.pkl'), split_fn)
        for key in ('3d', '2d')
    }
    report = osp.join(args.out_dir, f'{dataset}_report.txt')
    convert_command(
        paths,
        functools.partial(convert_ntu_file, layout_2d=args.layout_2d,
                          with_depth=args.with_depth),
        outputs,
        report,
        title=f'{dataset} from {osp.abspath(args.skeleton_dir)}',
        # with_depth enters the fingerprint only when set, so that the parts
        # of a killed run without it (an earlier version) still resume
        fingerprint=dict(tool='convert_ntu', dataset=dataset,
                         layout_2d=args.layout_2d, version=2,
                         **(dict(with_depth=True) if args.with_depth
                            else {})),
        workers=args.workers,
        skipped=skipped,
        keep_parts=args.keep_parts)


if __name__ == '__main__':
    run_cli(main)

"""Convert the Kinetics-skeleton release (ST-GCN) to a 2D annotation file.

    python tools/data/convert_kinetics_skeleton.py kinetics-skeleton \\
        --out data/skeleton/kinetics_skeleton_2d.pkl

reads ``kinetics_train/*.json`` and ``kinetics_val/*.json`` with their
``kinetics_{train,val}_label.json`` (videos marked ``has_skeleton: false``
are skipped) and writes one file with the splits ``train`` and ``val``:
OpenPose-18 joints in pixels of the 340x256 frame, mapped to COCO-17 by
default so the PoseC3D configs apply (``--layout openpose`` keeps the 18
joints). A video in both folders is converted once, into ``train``; files
whose coordinates are not normalised or whose ``label_index`` is not below
``--num-classes`` (400) are skipped. Parallel and resumable; skipped files
and their reasons go to ``<out without .pkl>_report.txt``. See
:mod:`mmactx.datasets.converters.kinetics`.
"""
import argparse
import functools
import glob
import os
import os.path as osp
from typing import Dict, List, Optional

from mmactx.datasets.converters.batch import convert_command
from mmactx.datasets.converters.kinetics import (NUM_CLASSES,
                                                 convert_release_file,
                                                 label_file_of,
                                                 read_label_file)
from mmactx.utils.cli import InputError, run_cli

SPLIT_FOLDERS = {'train': 'kinetics_train', 'val': 'kinetics_val'}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert the Kinetics-skeleton release to an annotation '
        'file with train and val splits.')
    parser.add_argument('root', help='the release folder, holding '
                        'kinetics_train/ and kinetics_val/')
    parser.add_argument('--out',
                        default='data/skeleton/kinetics_skeleton_2d.pkl',
                        help='output annotation file (default: '
                        'data/skeleton/kinetics_skeleton_2d.pkl)')
    parser.add_argument('--layout', choices=['coco', 'openpose'],
                        default='coco',
                        help='joints written: COCO-17 or the 18 OpenPose '
                        'joints (default: coco)')
    parser.add_argument('--num-classes', type=int, default=NUM_CLASSES,
                        help='label_index must be below this; other videos '
                        f'are skipped (default: {NUM_CLASSES}, Kinetics-400)')
    parser.add_argument('--max-persons', type=int, default=2,
                        help='persons kept per frame, best score first '
                        '(default: 2, as ST-GCN)')
    parser.add_argument('--workers', type=int,
                        default=min(8, os.cpu_count() or 1),
                        help='worker processes (default: CPU count, at most '
                        '8; 0 converts in this process)')
    parser.add_argument('--keep-parts', action='store_true',
                        help='keep the per-chunk results after writing')
    args = parser.parse_args(argv)
    if args.max_persons < 1:
        parser.error('--max-persons must be at least 1')
    if args.num_classes < 1:
        parser.error('--num-classes must be at least 1')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    split_of: Dict[str, str] = {}
    files: List[str] = []
    for split, folder in SPLIT_FOLDERS.items():
        found = sorted(glob.glob(osp.join(args.root, folder, '*.json')))
        files += found
        # a video in train and in val is converted once, from train (the
        # first); its val copy is reported as a duplicate
        for path in found:
            split_of.setdefault(osp.splitext(osp.basename(path))[0], split)
        if found and osp.isfile(label_file_of(found[0])):
            read_label_file(label_file_of(found[0]))  # refuse a broken one
    if not files:
        raise InputError(f'{args.root}: no json files in '
                         f'{" or ".join(SPLIT_FOLDERS.values())}')

    def split_fn(frame_dirs: List[str]) -> Dict[str, List[str]]:
        split = {name: [] for name in SPLIT_FOLDERS}
        for frame_dir in frame_dirs:
            split[split_of[frame_dir]].append(frame_dir)
        return split

    outputs = {'2d': (args.out, split_fn)}
    report = osp.splitext(args.out)[0] + '_report.txt'
    convert_command(
        files,
        functools.partial(convert_release_file, layout=args.layout,
                          max_persons=args.max_persons,
                          num_classes=args.num_classes),
        outputs, report,
        title=f'Kinetics-skeleton from {osp.abspath(args.root)}',
        fingerprint=dict(tool='convert_kinetics_skeleton',
                         layout=args.layout, max_persons=args.max_persons,
                         num_classes=args.num_classes, version=2),
        workers=args.workers, keep_parts=args.keep_parts)


if __name__ == '__main__':
    run_cli(main)

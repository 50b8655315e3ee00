"""Write the synthetic skeleton action dataset as an annotation file.

Example::

    python tools/data/generate_synthetic.py data/synthetic/coco2d.pkl \\
        --label-map data/synthetic/label_map.txt

The file has the splits ``train`` and ``val``; see
:mod:`mmactx.datasets.synthetic` for the motions and the record fields.
"""
import argparse
import time
from typing import List, Optional

from mmactx.datasets.annotation_io import save_annotations
from mmactx.datasets.label_names import write_label_names
from mmactx.datasets.synthetic import CLASSES, LAYOUTS, generate_dataset
from mmactx.utils.cli import run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the synthetic skeleton action dataset.')
    parser.add_argument('out', help='output annotation file (.pkl)')
    parser.add_argument('--layout', choices=LAYOUTS, default='coco2d',
                        help='coco2d: COCO-17 pixels with scores; ntu3d: '
                        'NTU-25 Kinect joints in metres (default: coco2d)')
    parser.add_argument('--train-per-class', type=int, default=40,
                        help='training clips per class (default: 40)')
    parser.add_argument('--val-per-class', type=int, default=10,
                        help='validation clips per class (default: 10)')
    parser.add_argument('--num-classes', type=int, default=None,
                        help=f'use the first N of the {len(CLASSES)} classes '
                        '(default: all)')
    parser.add_argument('--seed', type=int, default=0,
                        help='non-negative random seed (default: 0)')
    parser.add_argument('--label-map', default=None,
                        help='also write the class names, one per line')
    args = parser.parse_args(argv)
    if args.train_per_class < 1 or args.val_per_class < 0:
        parser.error('need --train-per-class >= 1 and --val-per-class >= 0')
    if args.seed < 0:
        parser.error('--seed must be non-negative')
    if args.num_classes is not None and not (1 <= args.num_classes <=
                                             len(CLASSES)):
        parser.error(f'--num-classes must be in 1..{len(CLASSES)}')
    return args


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    refuse_overwriting_inputs([args.out] + [args.label_map] * bool(
        args.label_map), [])
    start = time.perf_counter()
    annotations, split = generate_dataset(args.train_per_class,
                                          args.val_per_class, args.layout,
                                          args.seed, args.num_classes)
    classes = CLASSES[:args.num_classes] if args.num_classes else CLASSES
    save_annotations(args.out, annotations, split, num_classes=len(classes))
    if args.label_map:
        write_label_names(args.label_map, classes)
    print(f'wrote {len(annotations)} {args.layout} clips '
          f'({len(split["train"])} train, {len(split["val"])} val, '
          f'{len(classes)} classes, seed {args.seed}) to {args.out} in '
          f'{time.perf_counter() - start:.2f} s')


if __name__ == '__main__':
    run_cli(main)

"""Write the synthetic skeleton action dataset as an annotation file, or
the synthetic RGB + pose dataset as videos and an annotation file.

Examples::

    python tools/data/generate_synthetic.py data/synthetic/coco2d.pkl \\
        --label-map data/synthetic/label_map.txt
    python tools/data/generate_synthetic.py \\
        data/synthetic_rgbpose/coco2d.pkl \\
        --videos data/synthetic_rgbpose/videos \\
        --label-map data/synthetic_rgbpose/label_map.txt
    python tools/data/generate_synthetic.py \\
        data/synthetic_props/coco2d.pkl --mimed-per-class 10 \\
        --videos data/synthetic_props/videos \\
        --label-map data/synthetic_props/label_map.txt
    python tools/data/generate_synthetic.py \\
        data/synthetic_multitask/coco2d.pkl --multitask \\
        --videos data/synthetic_multitask/videos \\
        --label-map data/synthetic_multitask/label_map.txt

The file has the splits ``train`` and ``val`` (and ``mimed``); see
:mod:`mmactx.datasets.synthetic` for the motions and the record fields, and
:mod:`mmactx.datasets.synthetic_video` for the videos and their classes
(motions with held objects).
"""
import argparse
import time
from typing import List, Optional, Sequence

from mmactx.datasets import synthetic_video
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
                        help=f'use the first N classes (of {len(CLASSES)}, '
                        f'or {len(synthetic_video.CLASSES)} with --videos; '
                        'default: all)')
    parser.add_argument('--seed', type=int, default=0,
                        help='non-negative random seed (default: 0)')
    parser.add_argument('--label-map', default=None,
                        help='also write the class names, one per line')
    parser.add_argument('--videos', default=None, metavar='DIR',
                        help='make the RGB + pose dataset instead: its '
                        f'{len(synthetic_video.CLASSES)} classes are '
                        'motions with a held object (e.g. wave_ball, '
                        'wave_stick), and each clip is also a video '
                        'DIR/<frame_dir>.mp4 (coco2d only)')
    parser.add_argument('--mimed-per-class', type=int, default=None,
                        metavar='N',
                        help='with --videos, make IntegralAction\'s data '
                        f'instead: its {len(synthetic_video.PROPS)} classes '
                        'are the motions, each done with its own prop ('
                        + ', '.join(f'{m}: {p}' for m, p in
                                    synthetic_video.PROPS.items())
                        + ') in train and val, plus a split "mimed" of N '
                        'clips per class that hold another class\'s prop, '
                        'where appearance misleads')
    parser.add_argument('--multitask', action='store_true',
                        help='with --videos, make the multitask data '
                        '(Luvizon et al.) instead: one person doing the '
                        'motions '
                        + ', '.join(synthetic_video.MULTITASK_CLASSES)
                        + ' empty-handed, with the true joints and their '
                        'depth as labels')
    args = parser.parse_args(argv)
    if args.multitask:
        if args.videos is None:
            parser.error('--multitask needs --videos')
        if args.mimed_per_class is not None:
            parser.error('--multitask and --mimed-per-class are different '
                         'datasets; choose one')
    if args.mimed_per_class is not None:
        if args.videos is None:
            parser.error('--mimed-per-class needs --videos')
        if args.mimed_per_class < 1:
            parser.error('--mimed-per-class must be at least 1')
        if args.num_classes == 1:
            parser.error('--mimed-per-class needs at least 2 classes (a '
                         'mimed clip holds another class\'s prop)')
    if args.videos is not None and args.layout != 'coco2d':
        parser.error('--videos needs --layout coco2d (the videos show the '
                     'COCO-17 detections\' persons)')
    num_classes = len(classes_of(args))
    if args.train_per_class < 1 or args.val_per_class < 0:
        parser.error('need --train-per-class >= 1 and --val-per-class >= 0')
    if args.seed < 0:
        parser.error('--seed must be non-negative')
    if args.num_classes is not None and not (1 <= args.num_classes <=
                                             num_classes):
        parser.error(f'--num-classes must be in 1..{num_classes}')
    return args


def classes_of(args: argparse.Namespace) -> Sequence[str]:
    """The classes of the dataset the arguments ask for."""
    if args.multitask:
        return synthetic_video.MULTITASK_CLASSES
    if args.mimed_per_class is not None:
        return tuple(synthetic_video.PROPS)
    return synthetic_video.CLASSES if args.videos else CLASSES


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    refuse_overwriting_inputs([args.out] + [args.label_map] * bool(
        args.label_map), [])
    start = time.perf_counter()
    classes = classes_of(args)[:args.num_classes]
    if args.multitask:
        annotations, split = synthetic_video.generate_multitask_dataset(
            args.train_per_class, args.val_per_class, args.videos,
            args.seed, num_classes=len(classes), progress=True)
        what = f'multitask clips with videos in {args.videos}'
    elif args.mimed_per_class is not None:
        annotations, split = synthetic_video.generate_props_dataset(
            args.train_per_class, args.val_per_class, args.mimed_per_class,
            args.videos, args.seed, num_classes=len(classes), progress=True)
        what = f'{args.layout} clips with videos in {args.videos}'
    elif args.videos:
        annotations, split = synthetic_video.generate_video_dataset(
            args.train_per_class, args.val_per_class, args.videos,
            args.seed, num_classes=len(classes), progress=True)
        what = f'{args.layout} clips with videos in {args.videos}'
    else:
        annotations, split = generate_dataset(args.train_per_class,
                                              args.val_per_class,
                                              args.layout, args.seed,
                                              len(classes))
        what = f'{args.layout} clips'
    save_annotations(args.out, annotations, split, num_classes=len(classes))
    if args.label_map:
        write_label_names(args.label_map, classes)
    counts = ', '.join(f'{len(names)} {name}' for name, names in
                       split.items())
    print(f'wrote {len(annotations)} {what} ({counts}, {len(classes)} '
          f'classes, seed {args.seed}) to {args.out} in '
          f'{time.perf_counter() - start:.2f} s')


if __name__ == '__main__':
    run_cli(main)

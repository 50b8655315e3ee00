"""Write the STID descriptor images of an annotation file's records as PNG
files, in the folder layout of the authors' code.

    python tools/data/export_stid_descriptors.py data/skeleton/nwucla_3d.pkl \\
        out/ --split xview_val [--descriptors gd jdd add lad fdd] \\
        [--layout nw-ucla] [--size 112]

Training needs no files: ``STIDDescriptors`` makes the same images in the
data pipeline. For each descriptor the images are ``OUT/<descriptor>/
{i}_{label}.png``: ``i`` the record's index in the split (0-based), ``label``
its class + 1 (the authors' file names count classes from 1). GD and FDD are
colour images (x, y, z and JDD, ADD, LAD as R, G, B), JDD, ADD and LAD
grey. The layout (``nturgb+d``, ``nw-ucla``) is found from the number of
joints unless ``--layout`` names it.

Every image is written under a temporary name and renamed when complete; a
run that stops can be started again and skips the images already there.
``OUT/export.json`` records what the folder holds (file, split, layout,
descriptors, size); a run with other settings into the same folder is
refused instead of mixing them.
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmactx.datasets.annotation_io import load_annotations
from mmactx.datasets.transforms.stid import (DESCRIPTORS, STID_SPECS,
                                             descriptor_images,
                                             get_stid_spec, stid_matrices)
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import atomic_path
from mmactx.visualization import write_image
from mmactx.visualization.skeleton import layout_for


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write STID descriptor images as PNG files (the "
        "authors' layout: OUT/<descriptor>/{i}_{label}.png)")
    parser.add_argument('ann_file', help='annotation .pkl of 3D skeletons')
    parser.add_argument('out_dir', help='output folder')
    parser.add_argument('--split', help='the split to export (default: '
                        'every record of the file)')
    parser.add_argument('--descriptors', nargs='+', default=DESCRIPTORS,
                        choices=DESCRIPTORS,
                        help='descriptors to write (default: all five)')
    parser.add_argument('--layout', choices=sorted(STID_SPECS),
                        help='skeleton layout (default: from the number of '
                        'joints)')
    parser.add_argument('--size', type=int, default=112,
                        help='image height and width (default 112)')
    args = parser.parse_args(argv)
    if args.size < 1:
        parser.error('--size must be positive')
    return args


def manifest(args: argparse.Namespace, layout: str) -> Dict:
    """What a folder of exported images holds."""
    return dict(ann_file=osp.abspath(args.ann_file), split=args.split,
                layout=layout, descriptors=list(args.descriptors),
                size=args.size, label='class + 1')


def claim_folder(out_dir: str, wanted: Dict) -> None:
    """Write ``export.json`` in ``out_dir``, or check that the one there
    describes the same export.

    Raises:
        InputError: the folder is a file, or holds another export.
    """
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise InputError(f'out_dir {out_dir} is a file, not a folder')
    path = osp.join(out_dir, 'export.json')
    if osp.exists(path):
        with open(path) as f:
            try:
                there = json.load(f)
            except json.JSONDecodeError as e:
                raise InputError(f'{path}: not an export description '
                                 f'({e.msg}); use another out_dir') from None
        if there != wanted:
            diff = sorted(k for k in set(there) | set(wanted)
                          if there.get(k) != wanted.get(k))
            raise InputError(
                f'{out_dir} holds another export (different {", ".join(diff)}'
                f': {path}); use another out_dir or remove it')
        return
    os.makedirs(out_dir, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        json.dump(wanted, f, indent=1)


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Export; returns the images written by this run."""
    args = parse_args(argv)
    check_input_files({'ann_file': args.ann_file})
    records = load_annotations(args.ann_file, split=args.split)
    if not records:
        raise InputError(f'{args.ann_file}: no records'
                         + (f' in split {args.split!r}' if args.split else ''))
    joints = {r['keypoint'].shape[2] for r in records}
    if len(joints) != 1 or any(r['keypoint'].shape[-1] != 3
                               for r in records):
        raise InputError(f'{args.ann_file}: STID needs 3D keypoints [M, T, '
                         f'V, 3] of one layout; the records have '
                         f'{sorted(joints)} joints')
    try:
        layout = layout_for(joints.pop(), args.layout)
        spec = get_stid_spec(layout)
    except (KeyError, ValueError) as e:
        raise InputError(f'{args.ann_file}: {e}') from None
    claim_folder(args.out_dir, manifest(args, layout.name))
    for name in args.descriptors:
        os.makedirs(osp.join(args.out_dir, name), exist_ok=True)

    from mmengine.utils import ProgressBar
    written = []
    bar = ProgressBar(len(records))
    for i, record in enumerate(records):
        paths = [osp.join(args.out_dir, name, f'{i}_{record["label"] + 1}.png')
                 for name in args.descriptors]
        todo = [k for k, p in enumerate(paths) if not osp.exists(p)]
        if todo:
            try:
                matrices = stid_matrices(record['keypoint'], spec,
                                         args.descriptors)
            except ValueError as e:
                raise InputError(f'{args.ann_file}: record {i} '
                                 f'({record["frame_dir"]}), keypoint: '
                                 f'{e}') from None
            images = descriptor_images(matrices, args.descriptors,
                                       args.size)
            for k in todo:
                # the images are RGB, the writer takes BGR
                write_image(images[k][..., ::-1], paths[k])
                written.append(paths[k])
        bar.update()
    print(f'\n{args.out_dir}: {len(written)} images written, '
          f'{len(records) * len(args.descriptors) - len(written)} were '
          f'there already ({len(records)} records x '
          f'{len(args.descriptors)} descriptors, layout {layout.name})')
    return written


if __name__ == '__main__':
    run_cli(main)

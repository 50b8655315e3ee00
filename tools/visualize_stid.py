"""Draw the five STID descriptor images of a few records side by side.

    python tools/visualize_stid.py data/skeleton/ntu60_3d.pkl --num 4 \\
        --out stid.png [--records 0 S001C001P001R001A001] [--split xsub_val] \\
        [--label-map labels.txt] [--layout nturgb+d] [--scale 2]

One row per record (its ``frame_dir`` and label on the left), one column
per descriptor: GD (x, y, z of each joint averaged over its neighbours as
R, G, B), JDD (joint-pair distances), ADD (joint displacements between
frames), LAD (angles between limbs) and FDD (JDD, ADD, LAD as R, G, B). In
every image the rows are features (joints, pairs, angles; a second body's
below the first's) and the columns are frames, left to right, as the
network sees them (112x112, drawn ``--scale`` times larger). The inputs are
checked before anything is drawn; the picture is written atomically.
"""
import argparse
from typing import List, Optional, Sequence

import cv2
import numpy as np

from mmactx.datasets.annotation_io import load_annotations, select_records
from mmactx.datasets.label_names import read_label_names
from mmactx.datasets.transforms.stid import (DESCRIPTORS, STID_SPECS,
                                             descriptor_images,
                                             get_stid_spec, stid_matrices)
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs
from mmactx.visualization import write_image
from mmactx.visualization.skeleton import layout_for

TITLES = dict(gd='GD: graph', jdd='JDD: distances', add='ADD: motion',
              lad='LAD: angles', fdd='FDD: J+A+L')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw the STID descriptor images of a few records')
    parser.add_argument('ann_file', help='annotation .pkl of 3D skeletons')
    parser.add_argument('--out', required=True, help='output picture (.png)')
    parser.add_argument('--num', type=int, default=4,
                        help='records drawn when --records is not given '
                        '(default 4)')
    parser.add_argument('--records', nargs='+',
                        help='record indices or frame_dir names')
    parser.add_argument('--split', help='choose from this split')
    parser.add_argument('--label-map', help='class names, one per line')
    parser.add_argument('--layout', choices=sorted(STID_SPECS),
                        help='skeleton layout (default: from the number of '
                        'joints)')
    parser.add_argument('--scale', type=int, default=2,
                        help='pixels per image pixel (default 2)')
    args = parser.parse_args(argv)
    if args.num < 1 or args.scale < 1:
        parser.error('--num and --scale must be positive')
    if not args.out.lower().endswith('.png'):
        parser.error(f'--out writes a .png picture; got {args.out}')
    return args


def _text(img: np.ndarray, text: str, x: int, y: int,
          scale: float = 0.45) -> None:
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale,
                (20, 20, 20), 1, cv2.LINE_AA)


def draw(rows: Sequence[np.ndarray], names: Sequence[str],
         descriptors: Sequence[str], scale: int) -> np.ndarray:
    """A white sheet (BGR) of the descriptor images [D, S, S, 3] (RGB) of
    each row, its name on the left and the descriptor titles on top."""
    size = rows[0].shape[1] * scale
    pad, left, top = 8, 190, 26
    h = top + len(rows) * (size + pad)
    w = left + len(descriptors) * (size + pad)
    sheet = np.full((h, w, 3), 255, np.uint8)
    for j, name in enumerate(descriptors):
        _text(sheet, TITLES[name], left + j * (size + pad), top - 8)
    for i, (images, label) in enumerate(zip(rows, names)):
        y = top + i * (size + pad)
        for line, text in enumerate(label.split('\n')):
            _text(sheet, text[:26], 4, y + 18 + 18 * line)
        for j, image in enumerate(images):
            x = left + j * (size + pad)
            big = cv2.resize(image, (size, size),
                             interpolation=cv2.INTER_NEAREST)
            sheet[y:y + size, x:x + size] = big[..., ::-1]  # RGB -> BGR
    return sheet


def main(argv: Optional[Sequence[str]] = None) -> str:
    """Draw; returns the picture's path."""
    args = parse_args(argv)
    check_input_files({'ann_file': args.ann_file,
                       '--label-map': args.label_map})
    refuse_overwriting_inputs(
        [args.out], [p for p in (args.ann_file, args.label_map) if p])
    class_names = (read_label_names(args.label_map)
                   if args.label_map else None)
    records = load_annotations(args.ann_file, split=args.split)
    chosen = select_records(records, args.records, args.num, args.ann_file)
    if not chosen:
        raise InputError(f'{args.ann_file}: no records to draw')
    rows: List[np.ndarray] = []
    names: List[str] = []
    for record in chosen:
        kp = np.asarray(record['keypoint'])
        where = f'{args.ann_file}: record {record["frame_dir"]}, keypoint'
        if kp.ndim != 4 or kp.shape[-1] != 3:
            raise InputError(f'{where}: STID needs 3D keypoints [M, T, V, '
                             f'3], got shape {kp.shape}')
        try:
            spec = get_stid_spec(layout_for(kp.shape[2], args.layout))
            matrices = stid_matrices(kp, spec, DESCRIPTORS)
        except (KeyError, ValueError) as e:
            raise InputError(f'{where}: {e}') from None
        rows.append(descriptor_images(matrices, DESCRIPTORS))
        label = record.get('label')
        text = f'label {label}'
        if class_names and label is not None and 0 <= label < len(
                class_names):
            text = class_names[label]
        bodies = '1 body' if kp.shape[0] == 1 else f'{kp.shape[0]} bodies'
        names.append(f'{record["frame_dir"]}\n{text}\n'
                     f'{kp.shape[1]} frames, {bodies}')
    sheet = draw(rows, names, DESCRIPTORS, args.scale)
    write_image(sheet, args.out)
    print(f'wrote {args.out} ({len(chosen)} records x '
          f'{len(DESCRIPTORS)} descriptors)')
    return args.out


if __name__ == '__main__':
    run_cli(main)

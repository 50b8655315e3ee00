"""Draw annotation records as skeleton videos, to check a dataset by eye.

    python tools/visualize_annotations.py ANN.pkl --out-dir vis \
        [--records 0 5 S001C001P001R001A001] [--split xsub_val] \
        [--label-map labels.txt] [--layout coco]

Each record becomes ``<out-dir>/<frame_dir>.mp4``: its persons' skeletons
(one colour per person slot), the frame number and its label. 2D records
are drawn in image pixels (on a canvas of ``img_shape``, scaled to
``--size``); 3D records are seen from an oblique orthographic camera
(``--yaw``, ``--pitch``). The layout is found from the number of joints
unless ``--layout`` names it.

The annotation file, the records, the layout and the label map are checked
before any video is written; a refused input is one ``error:`` line and
exit code 2.
"""
import argparse
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from mmactx.datasets.annotation_io import load_annotations, select_records
from mmactx.datasets.label_names import read_label_names
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import file_name_of
from mmactx.visualization import draw_skeletons, put_text_lines, video_writer
from mmactx.visualization.skeleton import fit_to_canvas, layout_for, project_3d


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Draw annotation records as skeleton videos')
    parser.add_argument('ann_file', help='annotation .pkl')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--records', nargs='+',
                        help='record indices or frame_dir names (default: '
                        'the first --num records)')
    parser.add_argument('--num', type=int, default=1,
                        help='records drawn when --records is not given '
                        '(default 1)')
    parser.add_argument('--split', help='choose from this split')
    parser.add_argument('--label-map', help='class names, one per line')
    parser.add_argument('--layout', help='skeleton layout name (default: '
                        'from the number of joints)')
    parser.add_argument('--size', type=int, default=480,
                        help='longer side of the video in pixels')
    parser.add_argument('--fps', type=float, default=30.)
    parser.add_argument('--score-thr', type=float, default=0.1,
                        help='smallest keypoint score drawn (2D)')
    parser.add_argument('--yaw', type=float, default=30.,
                        help='3D view: degrees about the vertical axis')
    parser.add_argument('--pitch', type=float, default=10.,
                        help='3D view: degrees about the horizontal axis')
    args = parser.parse_args(argv)
    if args.num < 1 or args.size < 1 or not args.fps > 0:
        parser.error('--num, --size and --fps must be positive')
    return args


def record_frames(record: dict, args: argparse.Namespace,
                  names: Optional[List[str]]):
    """Yield the BGR frames of one record's skeleton video."""
    kp = np.asarray(record['keypoint'], np.float32)
    M, T, V, C = kp.shape
    layout = layout_for(V, args.layout)
    score = record.get('keypoint_score')
    score = (np.ones((M, T, V), np.float32) if score is None else
             np.asarray(score, np.float32))
    if C == 3:
        pts = project_3d(kp, args.yaw, args.pitch)
        valid = np.abs(kp).sum(-1) > 0  # all-zero joints are missing
        score = np.where(valid, score, 0)
        pts, (h, w) = fit_to_canvas(pts, valid, args.size)
    else:
        h0, w0 = record.get('img_shape') or (
            int(kp[..., 1].max()) + 1, int(kp[..., 0].max()) + 1)
        scale = args.size / max(h0, w0)
        pts = kp * scale
        h, w = int(round(h0 * scale)), int(round(w0 * scale))
    label = record.get('label')
    text = f'label {label}' + (f': {names[label]}' if names and label is not
                               None and 0 <= label < len(names) else '')
    for t in range(T):
        frame = np.full((h, w, 3), 30, np.uint8)
        draw_skeletons(frame, pts[:, t], score[:, t], layout,
                       score_thr=args.score_thr)
        yield put_text_lines(frame, [record['frame_dir'], text,
                                     f'frame {t + 1}/{T}'])


def check_inputs(args: argparse.Namespace) -> Optional[List[str]]:
    """Refuse a missing annotation file or label map, and an output folder
    that is a file; returns the class names (None without a label map).

    Raises:
        InputError: naming the option and the file.
    """
    check_input_files({'ann_file': args.ann_file,
                       '--label-map': args.label_map})
    if osp.exists(args.out_dir) and not osp.isdir(args.out_dir):
        raise InputError(f'--out-dir {args.out_dir} is a file, not a folder')
    if args.label_map is None:
        return None
    try:
        return read_label_names(args.label_map)
    except UnicodeDecodeError as e:
        raise InputError(f'--label-map {args.label_map}: not UTF-8 text '
                         f'({e.reason} at byte {e.start})') from None
    except ValueError as e:  # no names, a name twice
        raise InputError(f'--label-map {e}') from None


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Draw the chosen records; returns the videos written.

    Raises:
        InputError: for a refused option, file, record or layout, before
            any video is written.
    """
    args = parse_args(argv)
    names = check_inputs(args)
    records = load_annotations(args.ann_file, args.split)
    chosen = select_records(records, args.records, args.num, args.ann_file)
    for record in chosen:  # a wrong --layout fails before any output
        try:
            layout_for(np.shape(record['keypoint'])[2], args.layout)
        except KeyError as e:  # an unknown layout name
            raise InputError(f'--layout: {e.args[0]}') from None
        except ValueError as e:
            raise InputError(f'{args.ann_file}: record '
                             f'{record["frame_dir"]!r}: {e}') from None
    written = []
    for record in chosen:
        out = osp.join(args.out_dir,
                       f'{file_name_of(str(record["frame_dir"]))}.mp4')
        frames = record_frames(record, args, names)
        first = next(frames)
        with video_writer(out, args.fps, first.shape[1::-1]) as writer:
            writer.write(first)
            for frame in frames:
                writer.write(frame)
        written.append(out)
        print(f'wrote {out}')
    return written


if __name__ == '__main__':
    run_cli(main)

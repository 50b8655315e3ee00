"""Convert IntegralAction's Mimetics pose results to a 2D annotation file.

    python tools/data/convert_mimetics.py data/mimetics/pose_results \\
        --videos data/mimetics/videos --classes mimetics50_classes.txt \\
        --out data/mimetics/mimetics50_openpose.pkl

reads ``<POSE_ROOT>/<class_folder>/<video_name>/data.json`` and writes one
record per video, in the split ``test`` (Mimetics is test-only):
``frame_dir`` ``'<class_folder>/<video_name>'``, the 18 OpenPose joints in
pixels of the video, the best ``--max-persons`` (5) persons of each frame,
``label`` the index of the class in ``--classes``. The frame size comes
from the video ``<VIDEO_ROOT>/<class_folder>/<video_name>.<ext>`` (mp4,
avi, mkv or webm; the record's ``filename``) or the first image of the
frame folder ``<VIDEO_ROOT>/<class_folder>/<video_name>/``. Videos without
a pose file, pose files without a video and (with ``--skip-unknown``)
class folders not in the list are skipped and listed in
``<out without .pkl>_report.txt``. See
:mod:`mmactx.datasets.converters.mimetics`.
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional

from mmactx.datasets.annotation_io import save_annotations
from mmactx.datasets.converters.mimetics import (DEFAULT_MAX_PERSONS,
                                                 convert_mimetics)
from mmactx.datasets.label_names import read_label_names
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import atomic_write_text, refuse_overwriting_inputs

SPLIT = 'test'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert the Mimetics pose results (IntegralAction) to '
        'an annotation file with the split test.')
    parser.add_argument('pose_root', help='the pose_results folder, holding '
                        '<class_folder>/<video_name>/data.json')
    parser.add_argument('--videos', required=True,
                        help='folder of <class_folder>/<video_name>.mp4 '
                        '(or .avi/.mkv/.webm) videos or frame folders, for '
                        'the frame size')
    parser.add_argument('--classes', required=True,
                        help='class list, one name per line; labels are '
                        'indices in it')
    parser.add_argument('--out',
                        default='data/mimetics/mimetics50_openpose.pkl',
                        help='output annotation file (default: '
                        'data/mimetics/mimetics50_openpose.pkl)')
    parser.add_argument('--max-persons', type=int,
                        default=DEFAULT_MAX_PERSONS,
                        help='persons kept per frame, best mean joint score '
                        f'first (default: {DEFAULT_MAX_PERSONS}, as '
                        'IntegralAction)')
    parser.add_argument('--skip-unknown', action='store_true',
                        help='skip class folders not in --classes instead '
                        'of refusing them')
    args = parser.parse_args(argv)
    if args.max_persons < 1:
        parser.error('--max-persons must be at least 1')
    return args


def format_report(summary: Dict, title: str) -> str:
    """The report file's text: the counts, then one ``frame_dir\\treason``
    line per skipped video and per warning."""
    lines = [title, f'converted: {summary["videos"]}',
             f'classes: {summary["classes"]}',
             f'skipped: {len(summary["skipped"])}']
    lines += [f'{name}\t{reason}'
              for name, reason in summary['skipped'].items()]
    lines += [f'{name}\tno_person (kept, all scores 0)'
              for name in summary['no_person']]
    lines += [f'{name}\tframe_count_differs (kept: {poses} pose frames, '
              f'{frames} video frames)'
              for name, (poses, frames) in
              summary['frame_count_differs'].items()]
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    check_input_files({'--classes': args.classes})
    if not osp.isdir(args.pose_root):
        raise InputError(f'pose root {args.pose_root} is not a folder')
    report = osp.splitext(args.out)[0] + '_report.txt'
    refuse_overwriting_inputs([args.out, report], [args.classes])
    names = read_label_names(args.classes)
    records, summary = convert_mimetics(
        args.pose_root, args.videos, names, args.classes,
        max_persons=args.max_persons, skip_unknown=args.skip_unknown)
    save_annotations(args.out, records,
                     {SPLIT: [r['frame_dir'] for r in records]},
                     num_classes=len(names))
    atomic_write_text(
        format_report(summary, f'Mimetics from {osp.abspath(args.pose_root)}'),
        report)
    reasons: Dict[str, int] = {}
    for reason in summary['skipped'].values():
        reasons[reason] = reasons.get(reason, 0) + 1
    print(f'{args.out}: {summary["videos"]} videos of {summary["classes"]} '
          f'of the {len(names)} classes (split {SPLIT!r})')
    print(f'skipped: {len(summary["skipped"])}' + (
        ' (' + ', '.join(f'{k}: {v}' for k, v in sorted(reasons.items())) +
        ')' if reasons else ''))
    if summary['no_person']:
        print(f'videos where nobody is detected (kept): '
              f'{len(summary["no_person"])}')
    if summary['frame_count_differs']:
        print(f'videos whose frame count differs from their pose list by '
              f'more than 2 (kept): {len(summary["frame_count_differs"])}')
    print(f'report: {report}')
    return summary


if __name__ == '__main__':
    run_cli(main)

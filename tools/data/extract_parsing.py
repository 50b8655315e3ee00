"""Human-parsing label maps of every sample's person crops (EPP-Net's
parsing modality).

    python tools/data/extract_parsing.py data/skeleton/ntu60_2d.pkl \\
        nturgb+d_rgb data/parsing/ntu60 \\
        --parser my_schp.build:model --checkpoint schp_lip.pth

For each record of the 2D annotation file (e.g. from
tools/data/convert_ntu.py), the video ``<video_dir>/<frame_dir>_rgb.avi``
(``--video-pattern``) is read; in each annotated frame the persons' crop is
the box of their 2D joints grown by ``--margin`` (no detector), the parser
labels it (LIP's 20 classes) and the map is written to
``<out_dir>/<frame_dir>/<video frame:05d>.png``, which ParsingDataset reads.
Frames without joints are skipped, as EPP-Net skips frames without a
detection. The parser is the user's: ``--parser package.module:function``
returns its torch model, ``--checkpoint`` its weights (loaded
weights-only); see mmactx.apis.human_parsing.

A sample's folder appears only once all its maps are written, so a killed
run restarted with the same command skips the finished samples; samples
that fail (missing or undecodable video, no usable frame) are skipped and
listed with the reason in ``<out_dir>/report.txt``.

The annotation file, the video folder, ``--parser`` (its module must be
importable), ``--checkpoint`` and the options are checked before any work;
a refused input is one ``error:`` line and exit code 2.
"""
import argparse
import importlib.util
import os
import os.path as osp
import shutil
import time
from typing import Dict, List, Optional

import cv2
import numpy as np
from mmengine.utils import ProgressBar
from PIL import Image

from mmactx.apis import HumanParser, load_parser, person_boxes
from mmactx.datasets import load_annotations
from mmactx.utils import (InputError, atomic_write_text, check_input_files,
                          refuse_overwriting_inputs, run_cli)


class SampleError(Exception):
    """A sample that cannot be parsed; it is skipped and reported."""


def read_frames(path: str, wanted: np.ndarray) -> Dict[int, np.ndarray]:
    """The RGB frames ``wanted`` (video frame numbers) of a video."""
    if not osp.isfile(path):
        raise SampleError(f'video {path} not found')
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise SampleError(f'video {path} cannot be opened')
    need, frames, index = set(int(i) for i in wanted), {}, 0
    last = max(need)
    while index <= last:
        ok, frame = cap.read()
        if not ok:
            break
        if index in need:
            frames[index] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        index += 1
    cap.release()
    if not frames:
        raise SampleError(f'video {path}: no frame could be decoded')
    return frames


def parse_sample(record: Dict, video: str, out_dir: str,
                 parser: HumanParser, margin: float) -> int:
    """Write the sample's label maps into ``out_dir/<frame_dir>``.

    Returns:
        int: Label maps written.
    """
    kp, score = record['keypoint'], record.get('keypoint_score')
    if kp.shape[-1] != 2:
        raise SampleError('the annotation is not 2D (keypoint C != 2)')
    inds = np.asarray(record.get('video_frame_inds',
                                 np.arange(kp.shape[1])))
    frames = read_frames(video, inds)
    h, w = next(iter(frames.values())).shape[:2]
    ih, iw = record['img_shape']
    scaled = kp * np.array([w / iw, h / ih], dtype=np.float32)
    boxes, valid = person_boxes(scaled, score, (h, w), margin)
    jobs = [(int(i), b) for i, b, v in zip(inds, boxes, valid)
            if v and int(i) in frames]
    if not jobs:
        raise SampleError('no frame has both a decoded image and joints')
    crops = [frames[i][y0:y1, x0:x1] for i, (x0, y0, x1, y1) in jobs]
    maps = parser(crops)
    final = osp.join(out_dir, record['frame_dir'])
    tmp = final + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for (i, _), labels in zip(jobs, maps):
        Image.fromarray(labels).save(osp.join(tmp, f'{i:05d}.png'))
    os.replace(tmp, final)
    return len(jobs)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write human-parsing label maps of the person crops of '
        'every annotated video.')
    parser.add_argument('ann_file', help='2D annotation file (.pkl)')
    parser.add_argument('video_dir', help='folder of the videos')
    parser.add_argument('out_dir', help='output folder (one folder of PNG '
                        'label maps per sample)')
    parser.add_argument('--parser', required=True,
                        help='package.module:function returning the parser '
                        'network (torch nn.Module)')
    parser.add_argument('--checkpoint', help='the parser weights (state '
                        'dict; loaded weights-only)')
    parser.add_argument('--video-pattern', default='{}_rgb.avi',
                        help='video file name from frame_dir (default: '
                        'NTU\'s {}_rgb.avi)')
    parser.add_argument('--split', help='only this split of the annotation '
                        'file')
    parser.add_argument('--margin', type=float, default=0.15,
                        help='crop margin per side, fraction of the box '
                        '(default 0.15)')
    parser.add_argument('--input-size', type=int, default=473,
                        help='parser input side (default 473, SCHP)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.margin < 0 or args.input_size < 1 or args.batch_size < 1:
        parser.error('--margin must be non-negative, --input-size and '
                     '--batch-size positive')
    if '{}' not in args.video_pattern:
        parser.error(f'--video-pattern must hold {{}} for the frame_dir, '
                     f'got {args.video_pattern!r}')
    return args


def check_inputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, missing input files and folders, an output
    folder that is a file, and a ``--parser`` whose module cannot be found.

    Raises:
        InputError: naming the option and the path.
    """
    files = {'ann_file': args.ann_file, '--checkpoint': args.checkpoint}
    check_input_files(files)
    if not osp.isdir(args.video_dir):
        raise InputError(f'video_dir {args.video_dir} is not a folder')
    if osp.exists(args.out_dir) and not osp.isdir(args.out_dir):
        raise InputError(f'out_dir {args.out_dir} is a file, not a folder')
    refuse_overwriting_inputs(
        [osp.join(args.out_dir, 'report.txt')],
        [p for p in files.values() if p is not None])
    module, sep, name = args.parser.partition(':')
    if not (sep and module and name):
        raise InputError(f'--parser must be "package.module:function", got '
                         f'{args.parser!r}')
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError as e:  # a parent package is missing
        if not (e.name and (module + '.').startswith(e.name + '.')):
            raise  # the user's package fails to import: its traceback
        found = False
    if not found:
        raise InputError(f'--parser {args.parser}: no module {module!r} can '
                         f'be imported (is its package installed, or on '
                         f'PYTHONPATH?)')


def main(argv: Optional[List[str]] = None) -> Dict:
    """Write the label maps of every sample; returns the counts.

    Raises:
        InputError: for a refused option or input, before any work.
    """
    args = parse_args(argv)
    check_inputs(args)
    start = time.perf_counter()
    records = load_annotations(args.ann_file, args.split)
    parser = load_parser(args.parser, args.checkpoint,
                         input_size=args.input_size,
                         batch_size=args.batch_size, device=args.device)
    os.makedirs(args.out_dir, exist_ok=True)
    todo = [r for r in records
            if not osp.isdir(osp.join(args.out_dir, r['frame_dir']))]
    if len(todo) < len(records):
        print(f'resuming: {len(records) - len(todo)} of {len(records)} '
              'samples were parsed by an earlier run')
    failed, maps = [], 0
    bar = ProgressBar(len(todo)) if todo else None
    for record in todo:
        video = osp.join(args.video_dir,
                         args.video_pattern.format(record['frame_dir']))
        try:
            maps += parse_sample(record, video, args.out_dir, parser,
                                 args.margin)
        except SampleError as e:
            failed.append((record['frame_dir'], str(e)))
        bar and bar.update()
    print()
    report = osp.join(args.out_dir, 'report.txt')
    lines = [f'parsed {len(todo) - len(failed)} samples ({maps} label maps)'
             f', skipped {len(failed)}'] + [f'{d}\t{e}' for d, e in failed]
    atomic_write_text('\n'.join(lines) + '\n', report)
    print(lines[0] + f'; report: {report}; '
          f'{time.perf_counter() - start:.1f} s')
    return dict(parsed=len(todo) - len(failed), skipped=len(failed),
                maps=maps)


if __name__ == '__main__':
    run_cli(main)

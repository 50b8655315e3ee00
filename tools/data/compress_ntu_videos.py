"""Re-encode NTU RGB+D's colour videos with a short side of 540 pixels.

    python tools/data/compress_ntu_videos.py nturgb+d_rgb \\
        data/nturgbd_videos --workers 8

turns every ``<sample>_rgb.avi`` (1920x1080) into ``<sample>.mp4``
(960x540, same frame rate and frames; OpenCV's MPEG-4 ``mp4v``), the files
RGBPose configs read with ``data_prefix=dict(video='data/nturgbd_videos')``.
Like mmaction2's ``compress_nturgbd.py`` but with no ``ffmpeg`` program.
A killed run restarted with the same command skips the videos already done;
no output is ever half-written; videos that fail are listed with the reason
in ``<out>/compress_report.txt``. See
:mod:`mmactx.datasets.converters.videos`.
"""
import argparse
import os
from typing import List, Optional

from mmactx.datasets.converters.videos import (DEFAULT_FOURCC,
                                               compress_videos)
from mmactx.utils.cli import run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Re-encode NTU RGB+D *_rgb.avi videos to <sample>.mp4 '
        'with a smaller short side, in parallel and resumably.')
    parser.add_argument('in_dir',
                        help='folder of the *_rgb.avi files (e.g. '
                        'nturgb+d_rgb)')
    parser.add_argument('out_dir',
                        help='output folder (e.g. data/nturgbd_videos)')
    parser.add_argument('--short-side', type=int, default=540,
                        help='short side of the outputs in pixels, even; '
                        'smaller videos are not upscaled (default: 540)')
    parser.add_argument('--workers', type=int,
                        default=min(8, os.cpu_count() or 1),
                        help='worker processes (default: CPU count, at most '
                        '8; 0 works in this process)')
    parser.add_argument('--fourcc', default=DEFAULT_FOURCC,
                        help='output codec; OpenCV pip wheels write only '
                        f'mp4v to MP4 (default: {DEFAULT_FOURCC})')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not show the progress bar')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    result = compress_videos(args.in_dir, args.out_dir, args.short_side,
                             args.workers, args.fourcc,
                             progress=not args.no_progress)
    failed = sum(result['failed'].values())
    rate = result['frames'] / max(result['seconds'], 1e-9)
    print(f"compressed {result['compressed']} videos, "
          f"{result['done_before']} were done before, failed {failed}" +
          ''.join(f'\n  {reason}: {n}'
                  for reason, n in result['failed'].items()))
    print(f"{result['frames']} frames in {result['seconds']:.1f} s "
          f'({rate:.1f} frames/s)')
    print(f"report: {result['report']}")


if __name__ == '__main__':
    run_cli(main)

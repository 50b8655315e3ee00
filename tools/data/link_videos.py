"""Link the records of a skeleton annotation file to their videos.

    python tools/data/link_videos.py data/skeleton/kinetics50.pkl \\
        data/kinetics400/videos --out data/skeleton/kinetics50_videos.pkl

Kinetics videos are named ``<youtube_id>_<start:06d>_<end:06d>.mp4``
(often in class folders), whereas the Kinetics-skeleton records'
``frame_dir`` is the youtube id (train) or the full name (val). For each
record the video under VIDEO_ROOT (searched recursively; .mp4, .avi, .mkv
or .webm) whose name without extension is the ``frame_dir``, or is the
``frame_dir`` followed by ``_%06d_%06d``, becomes its ``filename`` (relative
to VIDEO_ROOT, for ``MMDecode(video_root=VIDEO_ROOT)``). The video's frame
count (its header, ``CAP_PROP_FRAME_COUNT``) becomes ``total_frames``: the
keypoint arrays are cut to it or padded with frames of score 0, so that
``MMDecode``, which needs ``total_frames`` frames, and the skeleton agree.
Skeleton frame i is taken to be video frame i (both from the start of the
clip, at the same frame rate).

With ``--frames`` the frame folders under VIDEO_ROOT (folders of images, as
IntegralAction's ``video2image.py`` extracts them) are linked instead, by
the same names: a record's ``frame_dir`` becomes its folder's path relative
to VIDEO_ROOT (the splits follow), the path that
``MMDecode(backend='frames', video_root=VIDEO_ROOT)`` reads, and
``total_frames`` its number of images.

Records without a (readable) video are dropped and listed with the reason
in ``<out without .pkl>_report.txt``; every split keeps the records left.
Two videos for one record are an error naming both.
"""
import argparse
import os
import os.path as osp
import re
from multiprocessing.pool import ThreadPool
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmactx.datasets.annotation_io import (check_records, safe_load_pickle,
                                           save_annotations, split_records)
from mmactx.datasets.converters.batch import format_report
from mmactx.datasets.converters.videos import (IMAGE_EXTENSIONS,
                                               VIDEO_EXTENSIONS, VideoSource,
                                               probe_source)
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import atomic_write_text, refuse_overwriting_inputs

#: ``<youtube_id>_<start:06d>_<end:06d>``, Kinetics' video names
KINETICS_NAME = re.compile(r'^(.+)_(\d{6})_(\d{6})$')


def index_videos(root: str, frames: bool = False) -> Dict[str, List[str]]:
    """``key -> [path relative to root, ...]`` of every video under
    ``root`` (recursive, sorted), or with ``frames`` of every frame folder
    (a folder holding images). A video's keys are its name without
    extension, that name without a ``_%06d_%06d`` suffix, and its relative
    path without extension (``'class/name'``); a folder's likewise."""
    index: Dict[str, List[str]] = {}
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        if frames:
            found = [folder] if folder != root and any(
                osp.splitext(n)[1].lower() in IMAGE_EXTENSIONS
                for n in files) else []
        else:
            found = [osp.join(folder, n) for n in sorted(files)
                     if osp.splitext(n)[1].lower() in VIDEO_EXTENSIONS]
        for path in found:
            rel = osp.relpath(path, root).replace(os.sep, '/')
            stem = osp.splitext(osp.basename(rel))[0] if not frames else \
                osp.basename(rel)
            keys = {stem, rel if frames else osp.splitext(rel)[0]}
            match = KINETICS_NAME.match(stem)
            if match:
                keys.add(match.group(1))
            for key in keys:
                index.setdefault(key, []).append(rel)
    return index


def match_video(frame_dir: str, index: Dict[str, List[str]],
                root: str) -> Optional[str]:
    """The video of ``frame_dir`` in :func:`index_videos`'s ``index``, or
    None.

    Raises:
        InputError: if two videos match, naming both.
    """
    found = index.get(frame_dir, [])
    if len(found) > 1:
        raise InputError(
            f'record {frame_dir!r}: two videos under {root} match it: '
            f'{found[0]} and {found[1]}' +
            (f' (and {len(found) - 2} more)' if len(found) > 2 else '') +
            '; remove or rename all but one')
    return found[0] if found else None


def fit_frames(record: Dict, frames: int) -> Dict:
    """A copy of ``record`` with ``total_frames = frames``: ``keypoint``
    [M, T, V, C] and ``keypoint_score`` [M, T, V] cut to their first
    ``frames`` frames, or padded at the end with zero frames of score 0."""
    out = dict(record)
    t = record['keypoint'].shape[1]
    for field in ('keypoint', 'keypoint_score'):
        if field not in record:
            continue
        array = record[field]
        if frames <= t:
            out[field] = array[:, :frames].copy()
        else:
            pad = [(0, 0)] * array.ndim
            pad[1] = (0, frames - t)
            out[field] = np.pad(array, pad)
    if 'keypoint_score' not in record and frames > t:
        # without scores the padded frames could not be told from real
        # joints at (0, 0)
        score = np.ones(record['keypoint'].shape[:3], np.float32)
        out['keypoint_score'] = np.pad(score, [(0, 0), (0, frames - t),
                                               (0, 0)])
    out['total_frames'] = int(frames)
    return out


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Set each record\'s filename to its video and its '
        'total_frames to the video\'s frame count.')
    parser.add_argument('ann_file', help='input annotation file (.pkl)')
    parser.add_argument('video_root', help='folder searched (recursively) '
                        'for the videos')
    parser.add_argument('--out', required=True,
                        help='output annotation file (.pkl)')
    parser.add_argument('--frames', action='store_true',
                        help='link frame folders (of images, for '
                        "MMDecode(backend='frames')) instead of videos: "
                        'the frame_dir becomes the folder\'s path')
    parser.add_argument('--workers', type=int,
                        default=min(8, os.cpu_count() or 1),
                        help='threads reading the video headers (default: '
                        'CPU count, at most 8)')
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error('--workers must be at least 1')
    return args


def _probe_all(paths: Sequence[str], workers: int,
               progress: bool = True) -> Dict[str, Optional[VideoSource]]:
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(paths)) if progress and paths else None
    out: Dict[str, Optional[VideoSource]] = {}
    with ThreadPool(workers) as pool:
        infos = pool.imap(probe_source, paths, chunksize=8)
        for path, info in zip(paths, infos):
            out[path] = info
            if bar is not None:
                bar.update()
    if bar is not None:
        print()
    return out


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    check_input_files({'ann_file': args.ann_file})
    if not osp.isdir(args.video_root):
        raise InputError(f'video_root {args.video_root} is not a folder')
    report = osp.splitext(args.out)[0] + '_report.txt'
    refuse_overwriting_inputs([args.out, report], [args.ann_file])
    records, splits = split_records(safe_load_pickle(args.ann_file),
                                    args.ann_file)
    check_records(records, None, args.ann_file)
    for i, record in enumerate(records):
        if 'video_frame_inds' in record:
            raise InputError(
                f"{args.ann_file}: record {i} (frame_dir="
                f"{record['frame_dir']!r}): field 'video_frame_inds': the "
                'record already maps its frames to video frames; this tool '
                'is for records whose frame i is video frame i')
    index = index_videos(args.video_root, args.frames)
    if not index:
        what = (f'frame folder ({", ".join(IMAGE_EXTENSIONS)} images)'
                if args.frames else f'video ({", ".join(VIDEO_EXTENSIONS)})')
        raise InputError(f'{args.video_root}: no {what} in it or below')

    # every match first, so that an ambiguous one stops before any probing
    matches = {r['frame_dir']: match_video(r['frame_dir'], index,
                                           args.video_root)
               for r in records}
    paths = sorted({m for m in matches.values() if m is not None})
    infos = _probe_all([osp.join(args.video_root, p) for p in paths],
                       args.workers)

    kept: List[Dict] = []
    dropped: Dict[str, Tuple[str, str]] = {}  # frame_dir: (reason, detail)
    counts = dict(cut=0, padded=0, same=0)
    renamed: Dict[str, str] = {}  # --frames: frame_dir -> folder
    for record in records:
        frame_dir = record['frame_dir']
        rel = matches[frame_dir]
        if rel is None:
            dropped[frame_dir] = ('no_video', 'no file named '
                                  '<frame_dir>.<ext> or '
                                  '<frame_dir>_%06d_%06d.<ext>')
            continue
        info = infos[osp.join(args.video_root, rel)]
        if info is None:
            dropped[frame_dir] = ('unreadable_video',
                                  f'OpenCV cannot read {rel}')
            continue
        if info.frames < 1 or info.width < 1 or info.height < 1:
            dropped[frame_dir] = ('unreadable_video',
                                  f'{rel} reports {info.frames} frames of '
                                  f'{info.width}x{info.height}')
            continue
        t = record['keypoint'].shape[1]
        counts['cut' if info.frames < t else
               'padded' if info.frames > t else 'same'] += 1
        new = fit_frames(record, info.frames)
        if args.frames:  # the folder is MMDecode's frame_dir
            new['frame_dir'] = renamed[frame_dir] = rel
        else:
            new['filename'] = rel
        kept.append(new)
    if not kept:
        raise InputError(f'none of the {len(records)} records of '
                         f'{args.ann_file} has a readable video under '
                         f'{args.video_root}')
    new_splits = None
    if splits is not None:
        new_splits = {name: [renamed.get(x, x) for x in ids
                             if x not in dropped]
                      for name, ids in splits.items()}
    save_annotations(args.out, kept, new_splits)
    atomic_write_text(format_report(
        len(kept), [(name, *why) for name, why in dropped.items()],
        f'{args.ann_file} linked to the videos of '
        f'{osp.abspath(args.video_root)} (cut: {counts["cut"]}, padded: '
        f'{counts["padded"]}, same length: {counts["same"]})'), report)

    print(f'{args.out}: {len(kept)} of {len(records)} records linked '
          f'({counts["cut"]} cut, {counts["padded"]} padded to the video\'s '
          f'frame count)')
    if new_splits is not None:
        for name, ids in new_splits.items():
            print(f'  {name}: {len(ids)} of {len(splits[name])}')
    print(f'dropped: {len(dropped)}; report: {report}')
    return dict(kept=len(kept), dropped=dropped, **counts)


if __name__ == '__main__':
    run_cli(main)

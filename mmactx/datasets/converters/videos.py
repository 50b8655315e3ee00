"""Re-encoding NTU RGB+D's colour videos to a smaller size, as a batch.

NTU RGB+D ships its colour streams as ``<sample>_rgb.avi`` at 1920x1080;
RGBPose-Conv3D (mmaction2's ``tools/data/skeleton/compress_nturgbd.py``)
trains on copies whose short side is 540 pixels, named
``<sample>.mp4`` so that ``data_prefix=dict(video=FOLDER)`` plus a record's
``frame_dir`` plus ``.mp4`` (what mmaction2's ``PoseDataset`` and
``MMDecode`` form) finds them. mmaction2 calls the ``ffmpeg`` program with
libx264; this module uses what the Python environment has: OpenCV decodes
the ``.avi`` and its ``VideoWriter`` encodes MPEG-4 Part 2 (fourcc
``mp4v``, the one MP4 encoder that OpenCV's pip wheels carry; their
FFmpeg has no libx264). Frame rate and frame count are kept.

:func:`compress_videos` runs over a folder on worker processes. Each output
is written atomically (:func:`mmactx.utils.fileio.atomic_path`), so an
output that exists is complete: a killed run restarted with the same
command skips the videos already done (checked against the input's size and
frame count, so a run with another ``short_side`` redoes them) and the
temporaries of killed writers are removed when their video is written
again. Videos that cannot be decoded or encoded are listed with the reason
in ``compress_report.txt`` in the output folder.

The annotation batch machinery of :mod:`.batch` (``ResumableBatch``) is not
used for the loop: it saves per-chunk result pickles that are merged into
annotation files, whereas here each output video is its own result and its
existence is the resume state; one video per task also keeps a killed run
from losing more than the videos in progress. Its :class:`SkipSample`,
:func:`convert_one` and :func:`format_report` are reused.
"""
import functools
import glob
import multiprocessing
import os
import os.path as osp
import tempfile
import threading
import time
from collections import Counter
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_path, atomic_write_text

from .batch import SkipSample, convert_one, format_report

#: the end of the names of NTU RGB+D's colour videos
NTU_VIDEO_SUFFIX = '_rgb.avi'
#: the fourcc OpenCV's pip wheels can write into an MP4 file
DEFAULT_FOURCC = 'mp4v'
#: the file, in the output folder, that lists the videos that failed
REPORT_NAME = 'compress_report.txt'
#: what a video file and a frame folder's images are named
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.webm')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


class VideoInfo(NamedTuple):
    """What a video's header says (no frame is decoded)."""

    width: int
    height: int
    frames: int
    fps: float


def probe(path: str) -> Optional[VideoInfo]:
    """The size, frame count and frame rate of a video from its header, or
    None when OpenCV cannot open it."""
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            return None
        return VideoInfo(
            int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
            float(cap.get(cv2.CAP_PROP_FPS)))
    finally:
        cap.release()


class VideoSource(NamedTuple):
    """Where a video's frames are and what they look like."""

    path: str  # the video file or frame folder
    is_folder: bool
    height: int
    width: int
    frames: int  # the header's frame count or the folder's image count


def list_images(folder: str) -> List[str]:
    """The image files of a frame folder, sorted by name."""
    return sorted(n for n in os.listdir(folder)
                  if osp.splitext(n)[1].lower() in IMAGE_EXTENSIONS)


def probe_source(path: str) -> Optional[VideoSource]:
    """Frame size and count of a video file (its header, :func:`probe`;
    the first frame where the header has no size) or of a frame folder (its
    first image); None if unreadable."""
    if osp.isdir(path):
        images = list_images(path)
        if not images:
            return None
        img = cv2.imread(osp.join(path, images[0]))
        if img is None:
            return None
        return VideoSource(path, True, img.shape[0], img.shape[1],
                           len(images))
    info = probe(path)
    if info is None:
        return None
    h, w = info.height, info.width
    if w <= 0 or h <= 0:  # a header without the size: decode one frame
        cap = cv2.VideoCapture(path)
        try:
            ok, frame = cap.read()
        finally:
            cap.release()
        if not ok:
            return None
        h, w = frame.shape[:2]
    return VideoSource(path, False, h, w, max(info.frames, 0))


def scaled_size(width: int, height: int,
                short_side: int = 540) -> Tuple[int, int]:
    """The output size of a ``width`` x ``height`` video: the short side
    becomes ``short_side`` and the aspect ratio is kept, like ffmpeg's
    ``scale=-2:540``; both sides are even (MPEG-4 with 4:2:0 chroma needs
    it). A video whose short side is ``short_side`` or less is not
    upscaled, only trimmed to even sides.

    Args:
        width (int): Input width in pixels.
        height (int): Input height in pixels.
        short_side (int): Target of the shorter side; even. Defaults to 540.

    Returns:
        tuple[int, int]: ``(width, height)`` of the output.
    """
    if width < 2 or height < 2:
        raise ValueError(f'a {width}x{height} video cannot be encoded')
    if min(width, height) <= short_side:
        return width - width % 2, height - height % 2
    long_side = max(width, height) * short_side / min(width, height)
    long_side = max(2, int(round(long_side / 2)) * 2)
    if width >= height:
        return long_side, short_side
    return short_side, long_side


def output_name(path: str) -> str:
    """``S001C001P001R001A001_rgb.avi`` -> ``S001C001P001R001A001.mp4``:
    the annotation records' ``frame_dir`` plus ``.mp4``."""
    name = osp.basename(path)
    if name.endswith(NTU_VIDEO_SUFFIX):
        name = name[:-len(NTU_VIDEO_SUFFIX)]
    else:
        name = osp.splitext(name)[0]
    return name + '.mp4'


def is_compressed(src: str, dst: str, short_side: int = 540) -> bool:
    """Whether ``dst`` already holds ``src`` compressed to ``short_side``:
    it exists (atomic writes make it complete then) and its header has the
    expected size and the input's frame count."""
    if not osp.isfile(dst):
        return False
    made, source = probe(dst), probe(src)
    if made is None or source is None or source.width < 2 \
            or source.height < 2:
        return False
    expected = scaled_size(source.width, source.height, short_side)
    return (made.width, made.height) == expected \
        and made.frames == source.frames


def compress_video(src: str,
                   dst: str,
                   short_side: int = 540,
                   fourcc: str = DEFAULT_FOURCC) -> Dict:
    """Re-encode one video with its short side at ``short_side`` (see
    :func:`scaled_size`), keeping its frame rate and every frame.

    The output appears at ``dst`` only when it is complete and checked
    (its header read back has the size and frame count written).

    Args:
        src (str): Input video.
        dst (str): Output ``.mp4`` file.
        short_side (int): Target of the shorter side. Defaults to 540.
        fourcc (str): Codec of the output. Defaults to ``'mp4v'``.

    Returns:
        dict: ``frames``, ``fps``, ``size`` (output ``(w, h)``),
        ``input_size`` and ``seconds`` (time taken).

    Raises:
        SkipSample: ``undecodable`` (OpenCV cannot open it or read a
        frame, or it has no frame rate), ``truncated`` (fewer frames decode
        than its header counts) or ``encode_failed`` (the writer refuses,
        or the written file does not read back as written).
    """
    start = time.perf_counter()
    cap = cv2.VideoCapture(src)
    try:
        if not cap.isOpened():
            raise SkipSample('undecodable', 'OpenCV cannot open the file')
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        expected = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        if not np.isfinite(fps) or fps <= 0:
            raise SkipSample('undecodable',
                             f'no frame rate in the header ({fps})')
        if width < 2 or height < 2:
            raise SkipSample('undecodable', f'frame size {width}x{height}')
        size = scaled_size(width, height, short_side)
        with atomic_path(dst, suffix='.tmp.mp4') as tmp:
            written = _encode(cap, tmp, size, fps, fourcc, src)
            if written < expected:
                raise SkipSample(
                    'truncated', f'{written} of the {expected} frames its '
                    'header counts could be decoded')
            made = probe(tmp)
            if made is None or (made.width, made.height) != size \
                    or made.frames != written:
                raise SkipSample(
                    'encode_failed', f'the written file reads back as '
                    f'{made} instead of {size[0]}x{size[1]}, {written} '
                    'frames')
    finally:
        cap.release()
    return dict(frames=written, fps=fps, size=size,
                input_size=(width, height),
                seconds=time.perf_counter() - start)


def _encode(cap: cv2.VideoCapture, path: str, size: Tuple[int, int],
            fps: float, fourcc: str, src: str) -> int:
    """Decode every frame of ``cap``, resize it to ``size`` and write it to
    ``path``; returns the number of frames written."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             size)
    try:
        if not writer.isOpened():
            raise SkipSample('encode_failed',
                             f'OpenCV cannot write {fourcc!r} to {path}')
        written = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if (frame.shape[1], frame.shape[0]) != size:
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            writer.write(frame)
            written += 1
    finally:
        writer.release()
    if written == 0:
        raise SkipSample('undecodable', 'no frame could be decoded')
    return written


def compress_one(src: str, out_dir: str, short_side: int,
                 fourcc: str) -> Dict[str, Dict]:
    """One task of :func:`compress_videos`: ``{'video': stats}`` where the
    stats of a video already done are ``{'done_before': True}``."""
    dst = osp.join(out_dir, output_name(src))
    if is_compressed(src, dst, short_side):
        return dict(video=dict(done_before=True))
    return dict(video=compress_video(src, dst, short_side, fourcc))


def check_fourcc(fourcc: str) -> None:
    """Refuse a codec this OpenCV cannot write to an MP4 file, before any
    work: two frames are written to a temporary file and read back.

    Raises:
        InputError: naming the codec, and ``mp4v`` as one that works.
    """
    if len(fourcc) != 4:
        raise InputError(f'--fourcc {fourcc!r}: a fourcc has 4 characters, '
                         f'e.g. {DEFAULT_FOURCC}')
    with tempfile.TemporaryDirectory() as folder:
        path = osp.join(folder, 'probe.mp4')
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), 30,
                                 (64, 48))
        ok = writer.isOpened()
        if ok:
            for _ in range(2):
                writer.write(np.zeros((48, 64, 3), np.uint8))
        writer.release()
        info = probe(path) if ok else None
    if info is None or info.frames != 2:
        raise InputError(
            f'--fourcc {fourcc}: this OpenCV ({cv2.__version__}) cannot '
            f'write it to an MP4 file; {DEFAULT_FOURCC} works')


def find_videos(in_dir: str, out_dir: str,
                pattern: str = '*' + NTU_VIDEO_SUFFIX) -> List[str]:
    """The input videos, sorted, after checking the folders.

    Raises:
        InputError: the input folder is missing or holds no video matching
            ``pattern``, or the output folder is a file.
    """
    if not osp.exists(in_dir):
        raise InputError(f'{in_dir}: no such folder (the folder of NTU RGB+D '
                         f'colour videos, e.g. nturgb+d_rgb)')
    if not osp.isdir(in_dir):
        raise InputError(f'{in_dir} is a file, not a folder of videos')
    videos = sorted(glob.glob(osp.join(glob.escape(in_dir), pattern)))
    if not videos:
        raise InputError(f'{in_dir}: no {pattern} files found')
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise InputError(f'output folder {out_dir} is a file; choose a '
                         'folder')
    return videos


def _init_worker(parent: int) -> None:
    """Set up a worker: one OpenCV thread (the workers are the
    parallelism), and an exit once the run's process is gone, so that a
    ``kill -9`` of the run leaves no worker behind (a pool's workers would
    otherwise wait for tasks forever)."""
    cv2.setNumThreads(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)  # its temporary is removed by the next write

    threading.Thread(target=watch, daemon=True).start()


def compress_videos(in_dir: str,
                    out_dir: str,
                    short_side: int = 540,
                    workers: int = 0,
                    fourcc: str = DEFAULT_FOURCC,
                    progress: bool = True,
                    videos: Optional[Sequence[str]] = None) -> Dict:
    """Compress every ``*_rgb.avi`` of ``in_dir`` to ``out_dir`` (see
    :func:`compress_video`), skipping those already done, and write the
    report ``out_dir/compress_report.txt``.

    Args:
        in_dir (str): Folder of the input videos.
        out_dir (str): Output folder (created).
        short_side (int): Target of the shorter side; even, at least 2.
            Defaults to 540.
        workers (int): Worker processes (started with ``spawn``); 0 works
            in this process. Defaults to 0.
        fourcc (str): Output codec. Defaults to ``'mp4v'``.
        progress (bool): Show a progress bar. Defaults to True.
        videos (Sequence[str], optional): The input files; by default
            :func:`find_videos`.

    Returns:
        dict: ``compressed`` (videos written by this run), ``done_before``
        (videos skipped as done), ``failed`` (reason -> count), ``frames``
        (frames written), ``seconds`` and ``report`` (its path).

    Raises:
        InputError: bad folders or options (see :func:`find_videos`,
            :func:`check_fourcc`), or no video could be compressed (after
            writing the report).
    """
    if isinstance(short_side, bool) or not isinstance(short_side, int) \
            or short_side < 2 or short_side % 2:
        raise InputError(f'--short-side {short_side}: must be an even '
                         'number of pixels, at least 2 (e.g. 540)')
    if workers < 0:
        raise InputError(f'--workers {workers}: must be 0 or more')
    if videos is None:
        videos = find_videos(in_dir, out_dir)
    check_fourcc(fourcc)
    os.makedirs(out_dir, exist_ok=True)
    start = time.perf_counter()
    task = functools.partial(convert_one, functools.partial(
        compress_one, out_dir=out_dir, short_side=short_side,
        fourcc=fourcc))
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(videos)) if progress else None
    outcomes = []
    if workers > 0 and len(videos) > 1:
        context = multiprocessing.get_context('spawn')
        with context.Pool(min(workers, len(videos)),
                          initializer=_init_worker,
                          initargs=(os.getpid(), )) as pool:
            for outcome in pool.imap_unordered(task, videos):
                outcomes.append(outcome)
                bar and bar.update()
    else:
        for path in videos:
            outcomes.append(task(path))
            bar and bar.update()
    if bar:
        print()
    seconds = time.perf_counter() - start
    done = [o['records']['video'] for o in outcomes if o['skip'] is None]
    done_before = sum(1 for d in done if d.get('done_before'))
    rows = sorted((o['file'], *o['skip']) for o in outcomes
                  if o['skip'] is not None)
    report = osp.join(out_dir, REPORT_NAME)
    title = (f'{osp.abspath(in_dir)} -> {osp.abspath(out_dir)} (short side '
             f'{short_side}, fourcc {fourcc}); done earlier: {done_before}')
    atomic_write_text(format_report(len(done), rows, title), report)
    if not done:
        raise InputError(f'none of the {len(videos)} videos could be '
                         f'compressed; the reasons are in {report}')
    return dict(compressed=len(done) - done_before, done_before=done_before,
                failed=dict(sorted(Counter(r[1] for r in rows).items())),
                frames=sum(d.get('frames', 0) for d in done),
                seconds=seconds, report=report)

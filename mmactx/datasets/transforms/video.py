"""Decoding the RGB frames of a sample beside its poses.

:class:`MMDecode` replaces mmaction2's transform of the same name, which
only knows decord. The frame readers below take the sorted distinct frame
indices a sample needs and decode each of them once, in order: a video is
read front to back, without converting the frames in between (OpenCV's
``grab``), and stops after the last needed frame; a frame folder reads only
the needed images. None of them seeks: seeking an H.264 .avi with decord
gave corrupted frames (see :func:`_read_decord`).
"""
import glob
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.utils.cli import InputError

#: backend name -> (module to import, pip package)
BACKENDS = {
    'opencv': ('cv2', 'opencv-python'),
    'pyav': ('av', 'av'),
    'decord': ('decord', 'decord'),
    'frames': ('cv2', 'opencv-python'),
}


def _import_backend(backend: str):
    """The module of ``backend``; ImportError naming the install command
    where it is missing."""
    if backend not in BACKENDS:
        raise ValueError(f'MMDecode backend must be one of '
                         f'{sorted(BACKENDS)}, got {backend!r}')
    module, package = BACKENDS[backend]
    try:
        return __import__(module)
    except ImportError as err:
        raise ImportError(
            f'MMDecode backend {backend!r} needs the {module!r} module, '
            f'which is not installed: pip install {package} (or choose '
            f'backend="opencv")') from err


def _read_opencv(path: str, inds: np.ndarray
                 ) -> Tuple[Dict[int, np.ndarray], int]:
    """Frames ``inds`` (sorted, distinct) of the video ``path`` as RGB
    [H, W, 3] uint8, and the frame count the container reports."""
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise InputError(f'OpenCV cannot open the video {path}')
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        frames: Dict[int, np.ndarray] = {}
        pos = 0
        for idx in inds.tolist():
            while pos < idx:
                if not cap.grab():
                    return frames, pos
                pos += 1
            ok, frame = cap.read()
            if not ok:
                return frames, pos
            pos += 1
            frames[idx] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return frames, count
    finally:
        cap.release()


def _read_pyav(path: str, inds: np.ndarray
               ) -> Tuple[Dict[int, np.ndarray], int]:
    """As :func:`_read_opencv`, with PyAV."""
    av = _import_backend('pyav')
    try:
        container = av.open(path)
    except Exception as err:  # PyAV raises its own error classes
        raise InputError(f'PyAV cannot open the video {path}: {err}')
    try:
        stream = container.streams.video[0]
        count = int(stream.frames)
        frames: Dict[int, np.ndarray] = {}
        wanted = set(inds.tolist())
        last = int(inds[-1])
        pos = -1
        for pos, frame in enumerate(container.decode(stream)):
            if pos in wanted:
                frames[pos] = frame.to_ndarray(format='rgb24')
            if pos >= last:
                break
        if len(frames) < len(wanted):
            count = pos + 1
        return frames, count
    finally:
        container.close()


def _read_decord(path: str, inds: np.ndarray, num_threads: int = 1
                 ) -> Tuple[Dict[int, np.ndarray], int]:
    """As :func:`_read_opencv`, with decord, reading every frame forward
    with ``next``: decord's seeks (``get_batch``, mmaction2's way, and
    ``skip_frames`` over a gap) returned a corrupted last frame of the NTU
    H.264 .avi in about half of the reads here; the forward read was exact
    every time."""
    decord = _import_backend('decord')
    try:
        reader = decord.VideoReader(path, num_threads=num_threads)
    except Exception as err:  # decord raises its own error classes
        raise InputError(f'decord cannot open the video {path}: {err}')
    count = len(reader)
    frames: Dict[int, np.ndarray] = {}
    pos = 0
    for idx in inds[inds < count].tolist():
        try:
            while pos < idx:
                reader.next()
                pos += 1
            frames[idx] = reader.next().asnumpy()
        except (StopIteration, decord.DECORDError):
            return frames, pos
        pos = idx + 1
    return frames, count


def _read_folder(path: str, inds: np.ndarray, filename_tmpl: str,
                 frame_start: int) -> Tuple[Dict[int, np.ndarray], int]:
    """Frames ``inds`` of the folder ``path`` (``filename_tmpl`` of
    ``index + frame_start``) as RGB [H, W, 3] uint8; the count is the number
    of files with the template's extension."""
    ext = osp.splitext(filename_tmpl)[1]
    count = len(glob.glob(osp.join(glob.escape(path), '*' + ext)))
    frames: Dict[int, np.ndarray] = {}
    for idx in inds[inds < count].tolist():
        file = osp.join(path, filename_tmpl.format(idx + frame_start))
        img = cv2.imread(file, cv2.IMREAD_COLOR)
        if img is None:
            raise InputError(f'frame {idx} of the folder {path}: cannot read '
                             f'{file} (missing or not an image)')
        frames[idx] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return frames, count


@TRANSFORMS.register_module()
class MMDecode(BaseTransform):
    """Decode the sampled RGB frames and poses of a multi-modal sample.

    A drop-in replacement for mmaction2's ``MMDecode`` (same keys, same
    results) with a choice of decoder. For each modality of ``modality``:

    * ``'RGB'``: the frames ``RGB_inds`` of the video ``filename`` (default
      ``frame_dir + '.mp4'``, as mmaction2; a name without extension gets
      ``.mp4``) or, with ``backend='frames'``, of the folder ``frame_dir``
      (``filename_tmpl`` of ``index + frame_start``), as RGB uint8. Each
      distinct frame is decoded once, in order. Where the record has
      ``video_frame_inds`` (mmactx's NTU converter: the video frame of each
      skeleton frame, as frames without a body are left out), the indices go
      through it first.
    * ``'Pose'``: ``keypoint[:, Pose_inds]`` and ``keypoint_score`` (ones
      where absent) as float32, as mmaction2's ``PoseDecode``; where the
      record has ``keypoint_depth`` (mmactx's NTU converter with
      ``with_depth``: camera-space z in metres), it is taken at the same
      frames, as float32.

    Where both are decoded and the frames' ``(h, w)`` differs from
    ``img_shape`` (e.g. NTU videos compressed to 960x540 against 1920x1080
    annotations), the keypoints are rescaled to the frames: ``x *= w / W``,
    ``y *= h / H``, and ``img_shape`` and ``original_shape`` become
    ``(h, w)``, as mmaction2 does. ``keypoint_depth`` is never rescaled (it
    is metres, not pixels).

    A video may be up to ``max_shortfall`` frames shorter than its record
    needs (``total_frames``, or ``video_frame_inds.max() + 1``): re-encoded
    videos often lose a frame or two at the end; indices past its end then
    take its last frame. A larger shortfall, a missing or undecodable file
    and indices outside the video raise :class:`InputError` naming the
    record's ``frame_dir``, the path and the counts.

    Required Keys:

        - modality (list of ``'RGB'`` and/or ``'Pose'``)
        - RGB_inds ([N], int, with RGB)
        - Pose_inds ([N'], int, with Pose)
        - filename or frame_dir (with RGB)
        - total_frames (optional, with RGB)
        - video_frame_inds (optional, with RGB)
        - keypoint ([M, T, V, C] pixels, with Pose)
        - keypoint_score ([M, T, V], optional)
        - keypoint_depth ([M, T, V] metres, optional, with Pose)
        - img_shape (with both, (H, W) of the annotation)

    Modified Keys:

        - RGB_inds, Pose_inds (squeezed to 1-D)
        - keypoint ([M, N', V, C] float32; rescaled to the frames' size)
        - keypoint_depth ([M, N', V] float32 metres, where present; not
          rescaled)
        - img_shape ((h, w) of the frames where they differ)
        - original_shape (likewise)
        - filename (set to ``frame_dir + '.mp4'`` where absent, for video
          backends)

    Added Keys:

        - imgs (list of N [h, w, 3] uint8 RGB frames)
        - keypoint_score ([M, N', V] float32)

    Args:
        io_backend (str): Kept for mmaction2's configs; only ``'disk'``.
            Defaults to ``'disk'``.
        backend (str): ``'opencv'`` (default, ``cv2.VideoCapture``),
            ``'pyav'``, ``'decord'`` or ``'frames'`` (a folder of images).
        filename_tmpl (str): Image names of ``backend='frames'``. Defaults
            to ``'img_{:05d}.jpg'``.
        frame_start (int): Number of the first image of a folder. Defaults
            to 1.
        video_root (str, optional): Folder that relative video paths are
            joined to (mmaction2's ``data_prefix=dict(video=...)``). Defaults
            to None.
        max_shortfall (int): Frames a video may lack. Defaults to 2.
        num_threads (int): decord's decoding threads. Defaults to 1.
        **kwargs: mmaction2's file-client arguments, accepted so that its
            configs build, and unused.
    """

    def __init__(self,
                 io_backend: str = 'disk',
                 backend: str = 'opencv',
                 filename_tmpl: str = 'img_{:05d}.jpg',
                 frame_start: int = 1,
                 video_root: Optional[str] = None,
                 max_shortfall: int = 2,
                 num_threads: int = 1,
                 **kwargs) -> None:
        if io_backend != 'disk':
            raise ValueError('MMDecode reads local files only '
                             f'(io_backend="disk"), got {io_backend!r}')
        _import_backend(backend)
        if max_shortfall < 0:
            raise ValueError(f'max_shortfall must be >= 0, got '
                             f'{max_shortfall}')
        self.io_backend = io_backend
        self.backend = backend
        self.filename_tmpl = filename_tmpl
        self.frame_start = frame_start
        self.video_root = video_root
        self.max_shortfall = max_shortfall
        self.num_threads = num_threads
        self.kwargs = kwargs

    def _source(self, results: Dict) -> str:
        """The video file or frame folder of a record."""
        if self.backend == 'frames':
            path = results['frame_dir']
        else:
            if 'filename' not in results:
                results['filename'] = results['frame_dir'] + '.mp4'
            path = results['filename']
            if osp.splitext(path)[0] == path:
                path += '.mp4'
        if self.video_root is not None:
            path = osp.join(self.video_root, path)
        return path

    def _read(self, path: str, inds: np.ndarray
              ) -> Tuple[Dict[int, np.ndarray], int]:
        if self.backend == 'frames':
            return _read_folder(path, inds, self.filename_tmpl,
                                self.frame_start)
        if self.backend == 'pyav':
            return _read_pyav(path, inds)
        if self.backend == 'decord':
            return _read_decord(path, inds, self.num_threads)
        return _read_opencv(path, inds)

    def load_frames(self, results: Dict,
                    inds: np.ndarray) -> List[np.ndarray]:
        """The frames ``inds`` [N] of the record: N uint8 RGB arrays
        [h, w, 3], each its own (a repeated index gets a copy)."""
        name = results.get('frame_dir', results.get('filename'))
        path = self._source(results)
        where = f'record {name!r}: '
        exists = osp.isdir if self.backend == 'frames' else osp.isfile
        if not exists(path):
            what = 'frame folder' if self.backend == 'frames' else 'video'
            raise InputError(f'{where}{what} {path} not found')
        if inds.size == 0:
            raise InputError(f'{where}no RGB frame index to decode')
        if 'video_frame_inds' in results:
            video_inds = np.asarray(results['video_frame_inds'])
            if inds.min() < 0 or inds.max() >= len(video_inds):
                raise InputError(
                    f'{where}frame indices {inds.min()}..{inds.max()} '
                    f'outside its {len(video_inds)} video_frame_inds')
            inds = video_inds[inds]
            needed = int(video_inds.max()) + 1
        else:
            needed = int(results.get('total_frames', 0))
        if inds.min() < 0:
            raise InputError(f'{where}negative frame index {inds.min()} '
                             f'of {path}')
        uniq, pos = np.unique(inds, return_inverse=True)
        frames, count = self._read(path, uniq)
        if len(frames) == uniq.size:
            # some containers report no or too few frames
            count = max(count, int(uniq[-1]) + 1)
        if count < 1:
            raise InputError(f'{where}cannot decode any frame of {path} '
                             f'(backend {self.backend!r})')
        if needed - count > self.max_shortfall:
            raise InputError(
                f'{where}{path} has {count} frames but the record needs '
                f'{needed} ({needed - count} short; at most '
                f'{self.max_shortfall} are tolerated)')
        if uniq[-1] >= count:
            if uniq[-1] >= needed:
                raise InputError(
                    f'{where}frame index {uniq[-1]} out of range: {path} '
                    f'has {count} frames')
            # within the tolerated shortfall: past the end is the last frame
            if count - 1 not in frames:
                frames.update(self._read(path, np.array([count - 1]))[0])
            if count - 1 not in frames:
                raise InputError(f'{where}cannot decode frame {count - 1} '
                                 f'of {path}')
            uniq = np.minimum(uniq, count - 1)
        missing = [i for i in uniq.tolist() if i not in frames]
        if missing:
            raise InputError(f'{where}cannot decode frame {missing[0]} of '
                             f'{path} (backend {self.backend!r})')
        # one array per index, without a stacked copy of the whole clip; a
        # frame used twice is copied, so that no two entries share memory
        out, used = [], set()
        for i in uniq[pos.reshape(-1)].tolist():
            out.append(frames[i].copy() if i in used else frames[i])
            used.add(i)
        return out

    def transform(self, results: Dict) -> Dict:
        modalities = results['modality']
        if isinstance(modalities, str):
            modalities = [modalities]
        for mod in modalities:
            key = f'{mod}_inds'
            if results[key].ndim != 1:
                results[key] = np.squeeze(results[key])
            inds = results[key]
            if mod == 'RGB':
                results['imgs'] = self.load_frames(results, inds)
            elif mod == 'Pose':
                kp = results['keypoint']
                if 'keypoint_score' not in results:
                    results['keypoint_score'] = np.ones(kp.shape[:-1],
                                                        np.float32)
                if 'keypoint_depth' in results:
                    depth = results['keypoint_depth']
                    if np.shape(depth) != kp.shape[:3]:
                        raise ValueError(
                            f'record {results.get("frame_dir")!r}: '
                            f'keypoint_depth of shape {np.shape(depth)} '
                            f'does not match keypoint {kp.shape} (expected '
                            f'{kp.shape[:3]})')
                    results['keypoint_depth'] = np.asarray(
                        depth)[:, inds].astype(np.float32)
                results['keypoint'] = kp[:, inds].astype(np.float32)
                results['keypoint_score'] = \
                    results['keypoint_score'][:, inds].astype(np.float32)
            else:
                raise NotImplementedError(
                    f'MMDecode: modality {mod!r} is not supported')

        if 'imgs' in results and 'keypoint' in results:
            new_h, new_w = results['imgs'][0].shape[:2]
            old_h, old_w = results['img_shape']
            if (new_h, new_w) != (old_h, old_w):
                kp = results['keypoint']
                if kp.shape[-1] not in (2, 3):
                    raise ValueError(f'keypoint of shape {kp.shape}: '
                                     'expected 2 or 3 coordinates')
                kp[..., 0] *= new_w / old_w
                kp[..., 1] *= new_h / old_h
                results['img_shape'] = (new_h, new_w)
                results['original_shape'] = (new_h, new_w)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(io_backend={self.io_backend}, '
                f'backend={self.backend!r}, '
                f'max_shortfall={self.max_shortfall})')

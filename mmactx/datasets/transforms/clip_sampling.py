"""Clip sampling and test-time flip views of Luvizon et al.'s multitask
model (deephar, TPAMI'20) on NTU RGB+D.

deephar's NTU loader keeps every ``frame_step``-th (2nd) frame of a video;
a training clip takes ``clip_len`` (8) of those frames at a stride drawn
from {3, 4, 5}, from a random start; at test time every clip of stride 4
whose start is a multiple of 7 is run, with and without a horizontal flip,
and the per-class probabilities are multiplied over all of them.
:class:`StrideJitterSampleFrames` gives the frame indices (compose it with
:class:`ShareFrameInds` and :class:`MMDecode` so that the frames and the
poses of a clip are the same instants); :class:`AppendFlipViews` adds the
mirrored copy of every clip after the crop.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS
from mmactx.skeletons import get_layout

from .sampling import FrameSampler


def _record_name(results: Dict) -> str:
    return repr(results.get('frame_dir', '<no frame_dir>'))


@TRANSFORMS.register_module()
class StrideJitterSampleFrames(FrameSampler):
    """deephar's NTU clips: a random stride in training, every clip of a
    fixed stride at test time.

    Frames are counted in the record (``total_frames`` T, the frames of
    ``keypoint``; mmactx's NTU records map them to video frames with
    ``video_frame_inds``, which :class:`MMDecode` applies). The video is
    first subsampled by ``frame_step``: its S = ceil(T / frame_step)
    subsampled frames are the record frames ``0, frame_step, 2 *
    frame_step, ...``. Strides and starts below count subsampled frames; a
    clip of stride s spans ``s * (clip_len - 1) + 1`` of them.

    * Training: a stride drawn uniformly from ``strides`` and a start drawn
      uniformly among those where the clip fits (numpy's global generator,
      as mmaction2's samplers). A stride whose clip does not fit is lowered
      to the largest one that fits (deephar lowers it too, to
      ``int(S / clip_len)``; here the exact largest).
    * Test: every clip of stride ``test_stride`` whose start is a multiple
      of ``test_start_step`` and that fits (deephar's
      ``get_clip_index``: starts ``0, 7, 14, ...`` for 8-frame clips of
      stride 4), in time order. If there are more than ``max_test_clips``,
      that many are kept, spread evenly (``linspace`` over the clips,
      first and last included). Where none fits, one clip: the largest
      stride up to ``test_stride`` that fits, centred.

    A video shorter than ``clip_len`` subsampled frames (S < clip_len) gets
    stride 1 from its first frame, padded by repeating its last frame
    (indices clamped to S - 1), in training and test alike.

    Required Keys:

        - total_frames (T)
        - start_index (optional, added to the indices; default 0)
        - keypoint (optional, [M, T, V, C], checked against total_frames)

    Added Keys:

        - frame_inds ([num_clips * clip_len] int32: record frames, the
          clips one after the other, each in time order)
        - clip_len (int)
        - frame_interval (int: the stride in record frames, stride *
          frame_step)
        - num_clips (int: 1 in training)

    Args:
        clip_len (int): Frames per clip. Defaults to 8.
        strides (Sequence[int]): Training strides, in subsampled frames.
            Defaults to ``(3, 4, 5)``.
        frame_step (int): Subsampling of the video before the clips are
            taken. Defaults to 2.
        test_stride (int): Test stride, in subsampled frames. Defaults to
            4.
        test_start_step (int): Test clips start at multiples of this, in
            subsampled frames. Defaults to 7.
        test_mode (bool): Test-time sampling. Defaults to False.
        max_test_clips (int, optional): At most this many test clips
            (spread evenly). Defaults to None (all of them).
    """

    def __init__(self,
                 clip_len: int = 8,
                 strides: Sequence[int] = (3, 4, 5),
                 frame_step: int = 2,
                 test_stride: int = 4,
                 test_start_step: int = 7,
                 test_mode: bool = False,
                 max_test_clips: Optional[int] = None) -> None:
        strides = tuple(int(s) for s in strides)
        if not strides or min(strides) < 1:
            raise ValueError(f'strides must be positive ints, got {strides}')
        for name, value in dict(clip_len=clip_len, frame_step=frame_step,
                                test_stride=test_stride,
                                test_start_step=test_start_step).items():
            if int(value) != value or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        if max_test_clips is not None and max_test_clips < 1:
            raise ValueError(f'max_test_clips must be None or >= 1, got '
                             f'{max_test_clips}')
        self.clip_len = int(clip_len)
        self.strides = strides
        self.frame_step = int(frame_step)
        self.test_stride = int(test_stride)
        self.test_start_step = int(test_start_step)
        self.test_mode = test_mode
        self.max_test_clips = max_test_clips

    def _span(self, stride: int) -> int:
        """Subsampled frames a clip of ``stride`` spans."""
        return stride * (self.clip_len - 1) + 1

    def _fitting_stride(self, stride: int, num_sub: int) -> int:
        """``stride``, or the largest smaller one whose clip fits in
        ``num_sub`` subsampled frames (1 if none does)."""
        if self.clip_len == 1 or self._span(stride) <= num_sub:
            return stride
        return max(1, (num_sub - 1) // (self.clip_len - 1))

    def sample_clips(self, num_frames: int) -> Tuple[List[int], int]:
        """Starts of the clips and the stride, in subsampled frames.

        Args:
            num_frames (int): Record frames T (>= 1).

        Returns:
            tuple: ``(starts, stride)``.
        """
        num_sub = -(-num_frames // self.frame_step)
        if not self.test_mode:
            stride = self._fitting_stride(
                int(np.random.choice(self.strides)), num_sub)
            room = max(0, num_sub - self._span(stride))
            return [int(np.random.randint(room + 1))], stride
        stride = self.test_stride
        last = num_sub - self._span(stride)  # the last start that fits
        if last < 0:
            stride = self._fitting_stride(stride, num_sub)
            return [max(0, num_sub - self._span(stride)) // 2], stride
        starts = list(range(0, last + 1, self.test_start_step))
        if self.max_test_clips is not None and \
                len(starts) > self.max_test_clips:
            keep = np.linspace(0, len(starts) - 1, self.max_test_clips)
            starts = [starts[int(i)] for i in np.round(keep)]
        return starts, stride

    def sample(self, num_frames: int) -> np.ndarray:
        """Record frame indices (before ``start_index``), shape
        [num_clips * clip_len]; see :meth:`transform` for the rest."""
        return self._indices(num_frames)[0]

    def _indices(self, num_frames: int) -> Tuple[np.ndarray, int, int]:
        starts, stride = self.sample_clips(num_frames)
        num_sub = -(-num_frames // self.frame_step)
        sub = np.asarray(starts)[:, None] + stride * np.arange(self.clip_len)
        sub = np.minimum(sub, num_sub - 1)  # pads a too short video
        return sub.reshape(-1) * self.frame_step, len(starts), stride

    def transform(self, results: Dict) -> Dict:
        """Add the clips' frame indices and metadata (see the class doc).

        Raises:
            ValueError: ``total_frames`` < 1 or not the keypoints' T, naming
                the record's ``frame_dir``.
        """
        num_frames = results['total_frames']
        if num_frames < 1:
            raise ValueError(f'record {_record_name(results)}: '
                             f'total_frames={num_frames}, no frame to sample')
        if 'keypoint' in results and \
                results['keypoint'].shape[1] != num_frames:
            raise ValueError(
                f'record {_record_name(results)}: total_frames={num_frames}'
                f' but keypoint has shape {results["keypoint"].shape}')
        inds, num_clips, stride = self._indices(num_frames)
        inds = inds + results.get('start_index', 0)
        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = stride * self.frame_step
        results['num_clips'] = num_clips
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'strides={self.strides}, frame_step={self.frame_step}, '
                f'test_stride={self.test_stride}, '
                f'test_start_step={self.test_start_step}, '
                f'test_mode={self.test_mode}, '
                f'max_test_clips={self.max_test_clips})')


@TRANSFORMS.register_module()
class AppendFlipViews(BaseTransform):
    """Test-time flip: append a horizontally mirrored copy of every clip.

    Goes after the crop/resize. ``imgs`` becomes the ``num_clips *
    clip_len`` frames followed by the same frames mirrored, so that a
    ``[num_clips * 2, clip_len, ...]`` reshape (``FormatShape`` and the
    like) gives the original clips, then their mirrored copies, and the
    model's per-clip scores can be combined over both (deephar multiplies
    the probabilities). Keypoints (where present) follow: ``x -> w - 1 - x``
    (pixel centres at integers, as ``img[:, ::-1]`` moves pixel ``x`` to
    ``w - 1 - x``; ``w`` the frames' width), y unchanged, and the left and
    right joints of ``layout`` trade places. A missing joint (all its
    coordinates 0) stays at 0. ``keypoint_score`` and ``keypoint_depth``
    are permuted the same way; depth is not changed by the mirror.

    Required Keys:

        - imgs (list of N [h, w, C] arrays, or an array [N, h, w, C];
          optional if keypoint is present)
        - num_clips
        - keypoint ([M, N', V, C] pixels, optional)
        - keypoint_score ([M, N', V], optional)
        - keypoint_depth ([M, N', V] metres, optional)
        - img_shape ((h, w); the width where there are no imgs)

    Modified Keys:

        - imgs (2N frames: the originals, then their mirrored copies)
        - keypoint ([M, 2N', V, C] float32, likewise)
        - keypoint_score, keypoint_depth ([M, 2N', V], likewise)
        - num_clips (doubled)

    Added Keys:

        - flip_views (True)

    ``clip_len``, ``frame_inds`` and ``{modality}_inds`` are unchanged.

    Args:
        layout (str, optional): The joints' layout (a name of
            :mod:`mmactx.skeletons`, e.g. ``'nturgb+d'``, ``'coco'``);
            required where the record has keypoints.
    """

    def __init__(self, layout: Optional[str] = None) -> None:
        self.layout = layout
        self.flip_index = None if layout is None else \
            np.array(get_layout(layout).flip_index())

    def transform(self, results: Dict) -> Dict:
        """Append the mirrored views (see the class doc).

        Raises:
            ValueError: naming the record's ``frame_dir`` and the field:
                flip views already added, neither imgs nor keypoint, no
                layout for keypoints or one with another joint count, a
                keypoint_score/keypoint_depth not [M, N', V], or frames
                whose width is not ``img_shape``'s.
        """
        name = _record_name(results)
        if results.get('flip_views'):
            raise ValueError(f'record {name}: flip_views is already set; '
                             'AppendFlipViews must run once')
        has_imgs = 'imgs' in results
        if not has_imgs and 'keypoint' not in results:
            raise ValueError(f'record {name}: AppendFlipViews needs imgs '
                             'or keypoint, the record has neither')
        width = None
        if has_imgs:
            imgs = results['imgs']
            if len(imgs) == 0:
                raise ValueError(f'record {name}: imgs is empty')
            width = imgs[0].shape[1]
            if 'img_shape' in results and \
                    tuple(results['img_shape'])[1] != width:
                raise ValueError(
                    f'record {name}: img_shape {results["img_shape"]} does '
                    f'not match the frames ({imgs[0].shape[:2]})')
            mirrored = [np.ascontiguousarray(img[:, ::-1]) for img in imgs]
            if isinstance(imgs, np.ndarray):
                results['imgs'] = np.concatenate([imgs, np.stack(mirrored)])
            else:
                results['imgs'] = list(imgs) + mirrored
        if 'keypoint' in results:
            if width is None:
                if 'img_shape' not in results:
                    raise ValueError(f'record {name}: img_shape is missing '
                                     '(the width to mirror keypoints in)')
                width = tuple(results['img_shape'])[1]
            self._flip_poses(results, name, width)
        results['num_clips'] = results['num_clips'] * 2
        results['flip_views'] = True
        return results

    def _flip_poses(self, results: Dict, name: str, width: int) -> None:
        """Append the mirrored keypoints (and their scores and depths)."""
        kp = np.asarray(results['keypoint'], dtype=np.float32)
        if kp.ndim != 4:
            raise ValueError(f'record {name}: keypoint of shape {kp.shape},'
                             ' expected [M, N, V, C]')
        if self.flip_index is None:
            raise ValueError(f'record {name}: keypoint needs a layout to '
                             'swap left and right joints: '
                             'AppendFlipViews(layout=...)')
        if kp.shape[2] != len(self.flip_index):
            raise ValueError(
                f'record {name}: keypoint has {kp.shape[2]} joints, layout '
                f'{self.layout!r} has {len(self.flip_index)}')
        flipped = kp[:, :, self.flip_index].copy()
        missing = (flipped == 0).all(axis=-1)
        flipped[..., 0] = np.where(missing, 0, width - 1 - flipped[..., 0])
        results['keypoint'] = np.concatenate([kp, flipped], axis=1)
        for key in ('keypoint_score', 'keypoint_depth'):
            if key not in results:
                continue
            value = np.asarray(results[key])
            if value.shape != kp.shape[:3]:
                raise ValueError(
                    f'record {name}: {key} of shape {value.shape} does not '
                    f'match keypoint {kp.shape} (expected {kp.shape[:3]})')
            results[key] = np.concatenate(
                [value, value[:, :, self.flip_index]], axis=1)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(layout={self.layout!r})'

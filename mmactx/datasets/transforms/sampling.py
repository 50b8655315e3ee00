"""Frame sampling for skeleton sequences: mmaction2's uniform clips and
CTR-GCN's NW-UCLA pool draw."""
from typing import Dict, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS


def _uniform_clip(num_frames: int, clip_len: int,
                  rng: np.random.RandomState) -> np.ndarray:
    """Indices of one clip of ``clip_len`` frames from ``num_frames``.

    Fewer frames than ``clip_len``: a run from a random start (wrapped by the
    caller). Between one and two times ``clip_len``: ``clip_len`` consecutive
    indices spread by inserting ``num_frames - clip_len`` skips at random
    gaps. Longer: one random frame from each of ``clip_len`` equal segments.
    """
    if num_frames < clip_len:
        start = rng.randint(0, num_frames)
        return np.arange(start, start + clip_len)
    if num_frames < 2 * clip_len:
        skips = rng.choice(clip_len + 1, num_frames - clip_len, replace=False)
        offset = np.zeros(clip_len + 1, dtype=np.int64)
        offset[skips] = 1
        return np.arange(clip_len) + np.cumsum(offset)[:-1]
    bounds = np.arange(clip_len + 1) * num_frames // clip_len
    return bounds[:-1] + rng.randint(np.diff(bounds))


class FrameSampler(BaseTransform):
    """Base of the frame samplers: ``sample(total_frames)`` gives the frame
    indices [num_clips * clip_len]; :meth:`transform` checks the record and
    adds them (plus ``start_index``) with the clip metadata that
    ``PoseDecode`` and the formatting transforms read.

    Required Keys:

        - total_frames
        - start_index (optional)
        - keypoint (optional, checked against total_frames)

    Added Keys:

        - frame_inds
        - frame_interval
        - num_clips
        - clip_len
    """
    clip_len: int
    num_clips: int = 1

    def sample(self, num_frames: int) -> np.ndarray:
        raise NotImplementedError

    def transform(self, results: Dict) -> Dict:
        num_frames = results['total_frames']
        if 'keypoint' in results and results['keypoint'].shape[1] != \
                num_frames:
            raise ValueError(
                f'total_frames={num_frames} but keypoint has shape '
                f'{results["keypoint"].shape} (frame_dir='
                f'{results.get("frame_dir")!r})')
        inds = self.sample(num_frames) + results.get('start_index', 0)
        results['frame_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results


@TRANSFORMS.register_module()
class UniformSampleFrames(FrameSampler):
    """Sample ``num_clips`` clips of ``clip_len`` frames uniformly.

    A drop-in replacement for mmaction2's ``UniformSampleFrames``: the same
    indices for the same random draws. In test mode the draws come from a
    private ``RandomState(seed)``, so results are deterministic without
    reseeding numpy's global generator (mmaction2 calls
    ``np.random.seed(seed)``, which resets the global stream that training
    augmentations of other samples in the same worker use).

    Required Keys:

        - total_frames
        - start_index (optional)
        - keypoint (optional, checked against total_frames)

    Added Keys:

        - frame_inds
        - frame_interval
        - num_clips
        - clip_len

    Args:
        clip_len (int): Frames per clip.
        num_clips (int): Number of clips. Defaults to 1.
        test_mode (bool): Deterministic test-time sampling. Defaults to False.
        seed (int): Seed of the test-time generator. Defaults to 255.
    """

    def __init__(self,
                 clip_len: int,
                 num_clips: int = 1,
                 test_mode: bool = False,
                 seed: int = 255) -> None:
        if clip_len < 1 or num_clips < 1:
            raise ValueError('clip_len and num_clips must be positive, got '
                             f'{clip_len} and {num_clips}')
        self.clip_len = clip_len
        self.num_clips = num_clips
        self.test_mode = test_mode
        self.seed = seed

    def sample(self, num_frames: int) -> np.ndarray:
        """Frame indices (before ``start_index``), shape [num_clips * L]."""
        return self._sample_clips(num_frames, self.clip_len)

    def _sample_clips(self, num_frames: int, L: int) -> np.ndarray:
        """``num_clips`` clips of ``L`` frames from ``num_frames``, wrapped
        into ``[0, num_frames)``, shape [num_clips * L]."""
        if self.test_mode:
            rng = np.random.RandomState(self.seed)
        else:
            # the global generator, as mmaction2's training mode uses it
            rng = np.random.mtrand._rand
        clips = []
        for i in range(self.num_clips):
            if self.test_mode and num_frames < L:
                # clips of a short video start at evenly spread frames
                start = i if num_frames < self.num_clips else \
                    i * num_frames // self.num_clips
                clips.append(np.arange(start, start + L))
            else:
                clips.append(_uniform_clip(num_frames, L, rng))
        return np.mod(np.concatenate(clips), num_frames)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips}, test_mode={self.test_mode}, '
                f'seed={self.seed})')


@TRANSFORMS.register_module()
class PoolSampleFrames(FrameSampler):
    """Sample ``clip_len`` frame indices as CTR-GCN's NW-UCLA feeder does.

    Training: the pool holds ``copies`` copies of every frame index
    ``0 .. T - 1`` (``T * copies`` entries); ``clip_len`` entries are drawn
    from it without replacement (numpy's global generator) and sorted. Each
    frame is expected ``clip_len / T`` times: a short clip repeats frames, a
    long one skips most of them, and any frame appears at most
    ``min(copies, clip_len)`` times. Testing: ``linspace(0, T - 1,
    clip_len)`` truncated to integers (evenly spread, first and last frame
    included). Both keep the frames in time order. ``PoseDecode`` then
    takes the frames.

    Required Keys:

        - total_frames (T)
        - start_index (optional)
        - keypoint (optional, [M, T, V, C], checked against total_frames)

    Added Keys:

        - frame_inds ([clip_len], int32, sorted)
        - clip_len
        - frame_interval (None)
        - num_clips (1)

    Args:
        clip_len (int): Frames per sample. Defaults to 52 (CTR-GCN's
            NW-UCLA window).
        copies (int): Copies of each frame index in the training pool; a
            clip needs ``T * copies >= clip_len``. Defaults to 100.
        test_mode (bool): Deterministic test-time sampling. Defaults to
            False.
    """

    def __init__(self,
                 clip_len: int = 52,
                 copies: int = 100,
                 test_mode: bool = False) -> None:
        if clip_len < 1 or copies < 1:
            raise ValueError('clip_len and copies must be positive, got '
                             f'{clip_len} and {copies}')
        self.clip_len = clip_len
        self.copies = copies
        self.test_mode = test_mode

    def sample(self, num_frames: int) -> np.ndarray:
        """Sorted frame indices in ``[0, num_frames)``, shape [clip_len]."""
        if num_frames < 1:
            raise ValueError(f'need at least one frame, got {num_frames}')
        if self.test_mode:
            return np.linspace(0, num_frames - 1,
                               self.clip_len).astype(np.int64)
        pool = num_frames * self.copies
        if pool < self.clip_len:
            raise ValueError(
                f'{num_frames} frames x {self.copies} copies hold fewer '
                f'than clip_len={self.clip_len} indices')
        # entry k of the pool is frame k % num_frames
        picks = np.random.choice(pool, self.clip_len, replace=False)
        return np.sort(picks % num_frames)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'copies={self.copies}, test_mode={self.test_mode})')


@TRANSFORMS.register_module()
class MMUniformSampleFrames(UniformSampleFrames):
    """Sample uniform clips of each modality (RGB frames, poses).

    A drop-in replacement for mmaction2's ``MMUniformSampleFrames``: every
    modality of ``clip_len`` (e.g. ``dict(RGB=8, Pose=32)``) gets
    ``num_clips`` clips drawn by :class:`UniformSampleFrames`' rule, in the
    order of the dict, so the indices equal mmaction2's for the same random
    draws. In test mode each modality's draws come from a private
    ``RandomState(seed)`` (mmaction2 reseeds numpy's global generator
    before each modality). ``start_index`` is not added, as in mmaction2.

    Required Keys:

        - total_frames (T)
        - modality (optional; replaced by the list of modalities unless it
          is already a list)

    Added Keys:

        - ``{modality}_inds`` for each modality, e.g. ``RGB_inds`` and
          ``Pose_inds`` ([num_clips * clip_len[modality]], int32, in
          ``[0, T)``)
        - clip_len (the dict)
        - frame_interval (None)
        - num_clips

    Modified Keys:

        - modality

    Args:
        clip_len (dict[str, int]): Frames per clip of each modality.
        num_clips (int): Number of clips. Defaults to 1.
        test_mode (bool): Deterministic test-time sampling. Defaults to False.
        seed (int): Seed of the test-time generator. Defaults to 255.
    """

    def __init__(self,
                 clip_len: Dict[str, int],
                 num_clips: int = 1,
                 test_mode: bool = False,
                 seed: int = 255) -> None:
        if not isinstance(clip_len, dict) or not clip_len:
            raise ValueError('clip_len must be a dict of frames per '
                             f'modality, e.g. dict(RGB=8, Pose=32), got '
                             f'{clip_len!r}')
        if min(clip_len.values()) < 1 or num_clips < 1:
            raise ValueError('clip lengths and num_clips must be positive, '
                             f'got {clip_len} and {num_clips}')
        self.clip_len: Union[int, Dict[str, int]] = dict(clip_len)
        self.num_clips = num_clips
        self.test_mode = test_mode
        self.seed = seed

    def transform(self, results: Dict) -> Dict:
        num_frames = results['total_frames']
        if num_frames < 1:
            raise ValueError(f'total_frames={num_frames} (frame_dir='
                             f'{results.get("frame_dir")!r})')
        for modality, clip_len in self.clip_len.items():
            inds = self._sample_clips(num_frames, clip_len)
            results[f'{modality}_inds'] = inds.astype(np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        if not isinstance(results.get('modality'), list):
            results['modality'] = list(self.clip_len)
        return results


@TRANSFORMS.register_module()
class ShareFrameInds(BaseTransform):
    """Give several modalities the same sampled frames: ``frame_inds`` of a
    single-modality sampler (e.g. mmaction2's ``SampleFrames(clip_len=8,
    frame_interval=8)``, IntegralAction's) become ``{modality}_inds`` of
    each, for :class:`MMDecode`, so that the RGB frames and the poses of a
    clip are the same instants.

    Required Keys:

        - frame_inds ([num_clips * clip_len], int)
        - clip_len (int)

    Modified Keys:

        - modality (the list of ``modalities``)
        - clip_len (``{modality: clip_len}``)

    Added Keys:

        - ``{modality}_inds`` for each modality (a copy of frame_inds)

    Args:
        modalities (Sequence[str]): Defaults to ``('RGB', 'Pose')``.
    """

    def __init__(self, modalities=('RGB', 'Pose')) -> None:
        if not modalities:
            raise ValueError('ShareFrameInds needs at least one modality')
        self.modalities = tuple(modalities)

    def transform(self, results: Dict) -> Dict:
        inds = np.asarray(results['frame_inds'])
        clip_len = results['clip_len']
        if isinstance(clip_len, dict):
            raise ValueError(f'{results.get("frame_dir", "a sample")}: '
                             'clip_len is already per modality '
                             f'({clip_len}); ShareFrameInds follows a '
                             'single-modality sampler')
        for modality in self.modalities:
            results[f'{modality}_inds'] = inds.copy()
        results['modality'] = list(self.modalities)
        results['clip_len'] = {m: clip_len for m in self.modalities}
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(modalities={self.modalities})'

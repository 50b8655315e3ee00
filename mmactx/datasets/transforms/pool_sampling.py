"""CTR-GCN's NW-UCLA frame sampling: a sorted draw from a pool of copies."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from mmactx.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PoolSampleFrames(BaseTransform):
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
        results['num_clips'] = 1
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'copies={self.copies}, test_mode={self.test_mode})')

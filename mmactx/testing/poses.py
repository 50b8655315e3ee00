"""Random skeleton samples with the edge cases of the heatmap contract, and
the inputs of the benchmarks."""
from typing import Dict, List, Tuple

import numpy as np

from mmactx.skeletons import COCO, COCO_POSEC3D_LIMBS

_LEFT_LIMB, _RIGHT_LIMB = COCO.limb_flip_pairs(COCO_POSEC3D_LIMBS)
# GeneratePoseTarget arguments every heatmap renderer is checked with
HEATMAP_CASES = (
    dict(),
    dict(use_score=False),
    dict(sigma=0.7, scaling=0.25),
    dict(double=True),
    dict(with_kp=False, with_limb=True),
    dict(with_kp=False, with_limb=True, skeletons=COCO_POSEC3D_LIMBS,
         double=True, left_limb=_LEFT_LIMB, right_limb=_RIGHT_LIMB),
    dict(with_kp=False, with_limb=True, sigma=1.3),
)


def make_pose_sample(rng: np.random.RandomState,
                     persons: int = 2,
                     frames: int = 12,
                     size: Tuple[int, int] = (56, 48),
                     spread: float = 8.0) -> Dict:
    """Skeleton-like COCO-17 joints of ``persons`` over ``frames`` plus the
    edge cases the heatmap renderers must agree on: keypoints outside the
    image, zero scores, scores below eps, coincident limb ends and ends
    less than a pixel apart."""
    h, w = size
    centre = rng.uniform([-5, -5], [w + 5, h + 5], (persons, 1, 1, 2))
    kp = centre + rng.normal(0, spread, (persons, frames, 17, 2))
    kp[:, :, 1] = kp[:, :, 0]  # coincident: limb (0, 1) has length 0
    kp[:, :, 2] = kp[:, :, 0] + rng.uniform(-0.6, 0.6, (persons, frames, 2))
    kp[:, 0, 3] = (-2.5, -2.3)  # just outside: one clipped pixel column
    kp[:, 1, 4] = (w + 30, h + 30)  # far outside
    score = rng.uniform(0, 1, (persons, frames, 17))
    score[score < 0.15] = 0  # zero scores are skipped
    score[:, 2, 5] = 5e-5  # below eps
    return dict(
        keypoint=kp.astype(np.float32),
        keypoint_score=score.astype(np.float32),
        img_shape=size)


def ntu_like_samples(num: int, frames: int = 100,
                     seed: int = 0) -> List[Dict]:
    """NTU-like 2-person COCO-17 samples (1080x1920 pixels) from the
    synthetic generator, as a ``PoseDataset`` yields them.

    Keypoints and scores are stored as float16, like the published NTU
    annotation files, so ``PoseDecode`` and the resizes see the same dtypes
    as in training.
    """
    from mmactx.datasets.synthetic import CLASSES, generate_sample
    samples = []
    for i in range(num):
        record = generate_sample(
            np.random.default_rng(seed + i), i % len(CLASSES),
            layout='coco2d', frame_dir=f'bench_{i:03d}',
            img_shape=(1080, 1920), num_frames=frames, num_persons=2)
        record['keypoint'] = record['keypoint'].astype(np.float16)
        record['keypoint_score'] = record['keypoint_score'].astype(
            np.float16)
        record.update(modality='Pose', start_index=0)
        samples.append(record)
    return samples


def spread_samples(num: int, frames: int = 100, seed: int = 0) -> List[Dict]:
    """:func:`ntu_like_samples` whose joints are scattered uniformly over a
    1080x1080 square of the frame, independently in every frame.

    ``PoseCompact`` crops the keypoints' box, so after a PoseC3D pipeline's
    resizes the joints spread over the whole heatmap and the limbs are
    long: the worst case of a limb renderer (whose cost grows with the
    window pixels), about 5x the window pixels of NTU-like skeletons.
    """
    samples = ntu_like_samples(num, frames, seed)
    for i, record in enumerate(samples):
        rng = np.random.default_rng(seed + i)
        h, w = record['img_shape']
        side = min(h, w)
        corner = ((w - side) / 2, (h - side) / 2)
        record['keypoint'] = rng.uniform(
            corner, (corner[0] + side, corner[1] + side),
            record['keypoint'].shape).astype(np.float16)
    return samples


def pose_clips(samples: List[Dict], persons: int) -> np.ndarray:
    """Samples as one float32 [N, persons, T, V, 3] batch of keypoint clips
    (x, y, score), what ``PackPoseClips`` packs: missing persons are padded
    with NaN coordinates and score 0 (not drawn)."""
    T, V = samples[0]['keypoint'].shape[1:3]
    clips = np.full((len(samples), persons, T, V, 3), np.nan, np.float32)
    clips[..., 2] = 0
    for i, record in enumerate(samples):
        m = record['keypoint'].shape[0]
        clips[i, :m, ..., :2] = record['keypoint'][..., :2]
        clips[i, :m, ..., 2] = record['keypoint_score']
    return clips

"""Linking per-frame pose detections into person tracks.

The anchors' skeleton builders put the j-th detection of every frame in
person slot j, so slots swap whenever the detector's order changes. Here
detections are matched to tracks frame by frame (Hungarian assignment on a
keypoint distance, with constant-velocity prediction so that persons who
cross keep their identities), and slot j is one track for the whole video.
"""
from typing import List, Sequence, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .pose_extraction import FramePoses


class _Track:
    """One person: its detections by frame and a motion model."""

    def __init__(self, t: int, kp: np.ndarray, score: np.ndarray) -> None:
        self.frames = {t: (kp, score)}
        self.kp, self.score, self.last = kp, score, t
        self.velocity = np.zeros(2, np.float32)  # of the centre, px/frame

    def predict(self, t: int) -> np.ndarray:
        return self.kp + self.velocity * (t - self.last)

    def update(self, t: int, kp: np.ndarray, score: np.ndarray,
               thr: float) -> None:
        common = (score >= thr) & (self.score >= thr)
        if common.any():
            step = (kp[common] - self.kp[common]).mean(0) / (t - self.last)
            self.velocity = 0.5 * self.velocity + 0.5 * step
        self.frames[t] = (kp, score)
        self.kp, self.score, self.last = kp, score, t

    def weight(self) -> float:
        return float(sum(s.mean() for _, s in self.frames.values()))


def _scale(kp: np.ndarray, score: np.ndarray, thr: float) -> float:
    """Diagonal of the box of the confident keypoints (all if none)."""
    pts = kp[score >= thr] if (score >= thr).any() else kp
    return max(float(np.linalg.norm(pts.max(0) - pts.min(0))), 1.0)


def _cost(track: _Track, t: int, kp: np.ndarray, score: np.ndarray,
          thr: float) -> float:
    """Mean distance of the commonly confident keypoints between the
    track's prediction and a detection, relative to the track's size."""
    common = (score >= thr) & (track.score >= thr)
    if not common.any():
        common = np.ones_like(common)
    dist = np.linalg.norm(track.predict(t)[common] - kp[common], axis=-1)
    return float(dist.mean()) / _scale(track.kp, track.score, thr)


def track_persons(frames: Sequence[FramePoses],
                  max_persons: int = 2,
                  score_thr: float = 0.3,
                  max_cost: float = 0.5,
                  max_gap: int = 15) -> Tuple[np.ndarray, np.ndarray]:
    """Assign detections to persons so that a slot is one person throughout.

    Args:
        frames (Sequence[FramePoses]): Per-frame detections, in order.
        max_persons (int): Slots kept: the tracks with the largest summed
            mean score, most prominent first. Defaults to 2.
        score_thr (float): Keypoints at least this confident are used for
            matching. Defaults to 0.3.
        max_cost (float): Largest mean keypoint distance, relative to the
            person's box diagonal, of a match. Defaults to 0.5.
        max_gap (int): Frames a track may go undetected and still be
            continued. Defaults to 15.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``keypoint`` float32 [M, T, 17, 2]
        and ``keypoint_score`` float32 [M, T, 17], M <= ``max_persons``
        (0 if nobody was found); frames where a person is missing are zero.
    """
    tracks: List[_Track] = []
    for t, found in enumerate(frames):
        live = [tr for tr in tracks if t - tr.last <= max_gap]
        matched = set()
        if live and len(found):
            cost = np.array([[_cost(tr, t, kp, sc, score_thr)
                              for kp, sc in zip(*found)] for tr in live])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                if cost[r, c] <= max_cost:
                    live[r].update(t, found.keypoints[c], found.scores[c],
                                   score_thr)
                    matched.add(c)
        for c in range(len(found)):
            if c not in matched:
                tracks.append(_Track(t, found.keypoints[c], found.scores[c]))
    kept = sorted(tracks, key=lambda tr: -tr.weight())[:max_persons]
    num_joints = frames[0].keypoints.shape[1] if len(frames) else 17
    kps = np.zeros((len(kept), len(frames), num_joints, 2), np.float32)
    scores = np.zeros((len(kept), len(frames), num_joints), np.float32)
    for m, tr in enumerate(kept):
        for t, (kp, sc) in tr.frames.items():
            kps[m, t], scores[m, t] = kp, sc
    return kps, scores

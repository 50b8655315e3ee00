"""Weighted late fusion of several streams' test scores."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmaction.evaluation.functional import (mean_class_accuracy,
                                            top_k_accuracy)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of [N, K] scores."""
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fuse_scores(streams: Sequence[np.ndarray],
                weights: Optional[Sequence[float]] = None,
                apply_softmax: bool = False) -> np.ndarray:
    """Weighted sum of per-stream [N, K] scores.

    Args:
        streams (Sequence[np.ndarray]): One [N, K] array per stream.
        weights (Sequence[float], optional): One weight per stream;
            None gives equal weights of 1 (PoseC3D's 1:1 joint+limb).
        apply_softmax (bool): Turn each stream's logits into probabilities
            first. Defaults to False (test.py already dumps probabilities).

    Returns:
        np.ndarray: [N, K] fused scores.
    """
    if not streams:
        raise ValueError('no streams to fuse')
    weights = [1.0] * len(streams) if weights is None else list(weights)
    if len(weights) != len(streams):
        raise ValueError(f'{len(weights)} weights for {len(streams)} streams')
    shape = streams[0].shape
    if any(s.shape != shape for s in streams):
        raise ValueError('streams have different shapes: '
                         f'{[s.shape for s in streams]}')
    fused = np.zeros(shape, dtype=np.float64)
    for s, w in zip(streams, weights):
        fused += w * (softmax(s) if apply_softmax else s)
    return fused


def accuracy_report(scores: np.ndarray, labels: np.ndarray) -> Dict:
    """Top-1, top-5 and mean class accuracy of [N, K] scores."""
    top1, top5 = top_k_accuracy(list(scores), labels,
                                (1, min(5, scores.shape[1])))
    return dict(
        top1=float(top1),
        top5=float(top5),
        mean_class_accuracy=float(mean_class_accuracy(list(scores), labels)))

"""Weighted late fusion of several streams' test scores."""
from typing import Dict, Optional, Sequence

import numpy as np
from mmaction.evaluation.functional import (mean_class_accuracy,
                                            top_k_accuracy)

from mmactx.utils.cli import InputError


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

    Raises:
        InputError: (a ``ValueError``) for no streams, a number of weights
            other than the number of streams, a weight that is NaN,
            infinite or negative, weights that are all 0, or streams of
            different shapes.
    """
    if not streams:
        raise InputError('no streams to fuse')
    weights = [1.0] * len(streams) if weights is None else list(weights)
    check_weights(weights, len(streams))
    shape = streams[0].shape
    if any(s.shape != shape for s in streams):
        raise InputError('streams have different shapes: '
                         f'{[s.shape for s in streams]}')
    fused = np.zeros(shape, dtype=np.float64)
    for s, w in zip(streams, weights):
        fused += w * (softmax(s) if apply_softmax else s)
    return fused


def check_weights(weights: Sequence[float], num_streams: int) -> None:
    """Refuse fusion weights that cannot give a meaningful sum: a count other
    than ``num_streams``, NaN, infinite or negative weights, or all 0.

    Raises:
        InputError: saying which weight is wrong (a ``ValueError``).
    """
    if len(weights) != num_streams:
        raise InputError(f'{len(weights)} weights for {num_streams} streams')
    for i, w in enumerate(weights):
        if not np.isfinite(w) or w < 0:
            raise InputError(f'weight {i + 1} is {w}; weights must be finite '
                             f'and >= 0')
    if not any(w > 0 for w in weights):
        raise InputError('all weights are 0; at least one stream must count')


def accuracy_report(scores: np.ndarray, labels: np.ndarray) -> Dict:
    """Top-1, top-5 and mean class accuracy of [N, K] scores."""
    top1, top5 = top_k_accuracy(list(scores), labels,
                                (1, min(5, scores.shape[1])))
    return dict(
        top1=float(top1),
        top5=float(top5),
        mean_class_accuracy=float(mean_class_accuracy(list(scores), labels)))

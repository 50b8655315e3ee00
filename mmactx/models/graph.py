"""Adjacency matrices of skeleton graphs, built from :mod:`mmactx.skeletons`.
"""
from typing import Sequence, Tuple, Union

import numpy as np

from mmactx.skeletons import SkeletonLayout, get_layout


def edge_matrix(edges: Sequence[Tuple[int, int]],
                num_joints: int) -> np.ndarray:
    """[V, V] matrix with ``A[j, i] = 1`` for every edge ``(i, j)``: the
    message of joint i reaches joint j."""
    a = np.zeros((num_joints, num_joints))
    for i, j in edges:
        a[j, i] = 1
    return a


def normalize_columns(a: np.ndarray) -> np.ndarray:
    """Divide each column by its sum (columns of zeros stay zero)."""
    total = a.sum(axis=0)
    scale = np.divide(1, total, out=np.zeros_like(total), where=total > 0)
    return a * scale[None, :]


def spatial_graph(layout: Union[str, SkeletonLayout]) -> np.ndarray:
    """The 'spatial' labelling of ST-GCN / CTR-GCN: identity, inward and
    outward edges.

    Args:
        layout (str | SkeletonLayout): The layout or its name
            (``'coco'``, ``'nturgb+d'``, ``'openpose'``, ``'nw-ucla'``);
            its ``bones`` (child, parent) are the inward edges.

    Returns:
        np.ndarray: float32 [3, V, V]: ``I``, the column-normalised inward
        and the column-normalised outward adjacency.
    """
    if isinstance(layout, str):
        layout = get_layout(layout)
    v = layout.num_joints
    inward = list(layout.bones)
    outward = [(j, i) for i, j in inward]
    return np.stack([
        np.eye(v),
        normalize_columns(edge_matrix(inward, v)),
        normalize_columns(edge_matrix(outward, v))
    ]).astype(np.float32)

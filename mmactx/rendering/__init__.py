"""Pseudo-heatmap rendering shared by every renderer of mmactx.

:mod:`~mmactx.rendering.rules` defines once what a PoseC3D volume holds
(windows, values, limb ends, non-finite joints, the exp floor, flips) and
how it is covered (patch sizes, limb groups, chunks);
:mod:`~mmactx.rendering.render` is the vectorised renderer, written once
for numpy arrays and torch tensors. The numpy transform
(``mmactx.datasets.transforms.GeneratePoseTarget``) and the torch renderer
of the model's device (``mmactx.models.HeatmapRenderer``) only lay out the
volume and call it. This package imports neither ``mmactx.datasets`` nor
``mmactx.models``.
"""
from .pose_maps import (PAF_CHUNK_ELEMENTS, PoseMapSpec, flip_pose_maps,
                        render_pose_maps)
from .render import (keypoint_inputs, render_heatmaps, render_points,
                     render_segments)
from .rules import (EPS, EXP_FLOOR, NUMPY_BUDGET, TORCH_CPU_BUDGET,
                    TORCH_GPU_BUDGET, HeatmapSpec, LimbGroups, RenderBudget,
                    plan_limb_groups, size_splits)

__all__ = [
    'EPS', 'EXP_FLOOR', 'HeatmapSpec', 'LimbGroups', 'NUMPY_BUDGET',
    'RenderBudget', 'TORCH_CPU_BUDGET', 'TORCH_GPU_BUDGET', 'keypoint_inputs',
    'plan_limb_groups', 'render_heatmaps', 'render_points', 'render_segments',
    'size_splits', 'PAF_CHUNK_ELEMENTS', 'PoseMapSpec', 'flip_pose_maps',
    'render_pose_maps'
]

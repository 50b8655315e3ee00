"""Pose metrics of Luvizon et al.'s multitask evaluation: MPII PCKh@0.5 and
Human3.6M MPJPE, as functions and as multi-block mmengine metrics.

The functions state the paper's rules (deephar's ``deephar/measures.py`` and
``exp/common/{mpii,h36m}_tools.py``):

* **MPII PCKh@thr** (:func:`mpii_pckh`): single-person crops; a joint is
  correct when its distance to the annotation is ``<= thr * head_size`` with
  ``head_size = 0.6 * ||head-box diagonal||``; the 14 joints of
  :data:`MPII_PCKH_JOINTS` count (pelvis and thorax are excluded); joints
  without annotation are ignored. The total is the ratio of correct joints
  over all counted visible joints (pooled over joints and samples).
* **H36M MPJPE** (:func:`mpjpe`): both poses are root-centred, then the
  Euclidean error is averaged over the valid joints (the root included, with
  its zero error) of all samples; no Procrustes alignment; millimetres.

:class:`MultiBlockPCKh` and :class:`MultiBlockMPJPE` evaluate the K
prediction blocks of a deeply supervised model (one pose per block) and report
each block's score and the best block's, as the paper prints them. With one
block they give mmpose's ``MpiiPCKAccuracy`` / ``MPJPE(mode='mpjpe')``
numbers, apart from the two deliberate differences named in their docstrings
(``<=`` instead of mmpose's ``<`` at the PCKh threshold; root-centring before
MPJPE).
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.structures import BaseDataElement

from mmactx.registry import METRICS
from mmactx.skeletons import MPII16_JOINTS

#: MPII's 16 joints in the order of its annotations
MPII_JOINT_NAMES = MPII16_JOINTS

#: Joints that MPII's PCKh leaves out (``annolist2matrix.m``; deephar).
MPII_PCKH_EXCLUDED: Tuple[str, ...] = ('pelvis', 'thorax')

#: The 14 joints that PCKh counts, in MPII order.
MPII_PCKH_JOINTS: Tuple[str, ...] = tuple(
    name for name in MPII_JOINT_NAMES if name not in MPII_PCKH_EXCLUDED)

#: The columns of MPII's PCKh table. A group's value is the mean of its
#: joints' PCKh (left and right averaged, not pooled), as in the official
#: evaluation script and mmpose. ``Head`` is the head top only: the upper
#: neck counts in the total but in no group.
MPII_PCKH_GROUPS: Dict[str, Tuple[str, ...]] = {
    'Head': ('head_top', ),
    'Shoulder': ('right_shoulder', 'left_shoulder'),
    'Elbow': ('right_elbow', 'left_elbow'),
    'Wrist': ('right_wrist', 'left_wrist'),
    'Hip': ('right_hip', 'left_hip'),
    'Knee': ('right_knee', 'left_knee'),
    'Ankle': ('right_ankle', 'left_ankle'),
}

#: ``head_size = MPII_HEAD_SIZE_FACTOR * ||head-box diagonal||`` (the
#: ``SC_BIAS`` of MPII's evaluation).
MPII_HEAD_SIZE_FACTOR = 0.6


def mpii_joint_index(name: str) -> int:
    """The index of an MPII joint by name, e.g. ``'head_top'`` -> 9."""
    try:
        return MPII_JOINT_NAMES.index(name)
    except ValueError:
        raise KeyError(f'{name!r} is not an MPII joint; the joints are '
                       f'{MPII_JOINT_NAMES}') from None


def _array(value: Any, name: str) -> np.ndarray:
    """``value`` (array-like or torch tensor) as a float64 numpy array."""
    if hasattr(value, 'detach'):  # a torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _check_shape(array: np.ndarray, name: str, shape: Sequence[Optional[int]],
                 what: str) -> None:
    """Raise ``ValueError`` unless ``array`` has ``shape`` (None: any)."""
    if array.ndim != len(shape) or any(
            want is not None and got != want
            for got, want in zip(array.shape, shape)):
        raise ValueError(f'{name} must have shape {what}, got shape '
                         f'{tuple(array.shape)}')


def mpii_head_sizes(head_boxes: Any) -> np.ndarray:
    """MPII's PCKh normaliser of each sample: 0.6 x the head-box diagonal.

    Args:
        head_boxes: ``[N, 2, 2]`` head boxes in pixels, each
            ``((x1, y1), (x2, y2))``.

    Returns:
        np.ndarray: ``[N]`` head sizes in pixels.
    """
    boxes = _array(head_boxes, 'head_boxes')
    _check_shape(boxes, 'head_boxes', (None, 2, 2), '[N, 2, 2]')
    return MPII_HEAD_SIZE_FACTOR * np.linalg.norm(
        boxes[:, 1] - boxes[:, 0], axis=-1)


def mpii_pckh(pred: Any,
              gt: Any,
              visible: Any,
              head_boxes: Any,
              thr: float = 0.5) -> Dict[str, float]:
    """MPII PCKh@``thr`` of single-person predictions (the paper's rule).

    Args:
        pred: ``[N, 16, 2]`` predicted joints in image pixels, MPII order
            (:data:`MPII_JOINT_NAMES`), in the same pixel convention as
            ``gt`` (MPII's annotations are 1-based).
        gt: ``[N, 16, 2]`` annotated joints in pixels.
        visible: ``[N, 16]`` bool, whether each joint is annotated (MPII's
            ``joints_vis``); others are ignored.
        head_boxes: ``[N, 2, 2]`` head boxes ``((x1, y1), (x2, y2))`` in
            pixels, see :func:`mpii_head_sizes`.
        thr: The threshold as a fraction of the head size.

    Returns:
        dict[str, float]: Percentages (0-100): ``'Total'`` over the 14
        joints of :data:`MPII_PCKH_JOINTS`, one entry per group of
        :data:`MPII_PCKH_GROUPS` (``'Head'``, ``'Shoulder'``, ...) and one per
        counted joint by name (``'right_ankle'``, ...). A joint never visible
        gives NaN (and is left out of its group's mean).

    Raises:
        ValueError: On shape mismatches, a non-positive or non-finite head
            size, a non-finite visible annotation, or when none of the 14
            joints is visible.
    """
    return mpii_pckh_from_head_sizes(pred, gt, visible,
                                     mpii_head_sizes(head_boxes), thr)


def mpii_pckh_from_head_sizes(pred: Any,
                              gt: Any,
                              visible: Any,
                              head_sizes: Any,
                              thr: float = 0.5) -> Dict[str, float]:
    """:func:`mpii_pckh` with the head sizes already computed.

    mmpose's ``MpiiDataset`` (given a ``headbox_file``) stores
    ``head_size = 0.6 * ||diagonal||`` per instance; the metric classes use
    it through this function.

    Args:
        pred, gt, visible, thr: As in :func:`mpii_pckh`.
        head_sizes: ``[N]`` (or ``[N, 1]``) head sizes in pixels.

    Returns:
        dict[str, float]: As :func:`mpii_pckh`.
    """
    pred = _array(pred, 'pred')
    gt = _array(gt, 'gt')
    num_joints = len(MPII_JOINT_NAMES)
    _check_shape(gt, 'gt', (None, num_joints, 2), f'[N, {num_joints}, 2]')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt shapes differ: {tuple(pred.shape)} '
                         f'vs {tuple(gt.shape)} (both [N, {num_joints}, 2])')
    num = gt.shape[0]
    vis = np.asarray(visible)
    if vis.ndim == 3 and vis.shape[-1] == 1:
        vis = vis[..., 0]
    vis = vis.astype(bool)
    _check_shape(vis, 'visible', (num, num_joints), f'[{num}, {num_joints}]')
    sizes = _array(head_sizes, 'head_sizes').reshape(-1)
    if sizes.shape != (num, ):
        raise ValueError(f'head_sizes must hold one size per sample ({num}), '
                         f'got shape {tuple(np.shape(head_sizes))}')
    bad = ~np.isfinite(sizes) | (sizes <= 0)
    if bad.any():
        raise ValueError('the head box of sample(s) '
                         f'{np.flatnonzero(bad).tolist()} has no positive '
                         'finite size')
    if not thr > 0:
        raise ValueError(f'thr must be positive, got {thr}')

    counted = np.array([mpii_joint_index(n) for n in MPII_PCKH_JOINTS])
    vis = vis[:, counted]
    if not vis.any():
        raise ValueError('no visible joint to evaluate: none of the 14 PCKh '
                         'joints is annotated in any sample')
    gt, pred = gt[:, counted], pred[:, counted]
    if not np.isfinite(gt[vis]).all():
        raise ValueError('gt has non-finite coordinates at visible joints')

    dist = np.linalg.norm(pred - gt, axis=-1)
    # the paper's (and MPII's) rule is <=; a NaN prediction is never correct
    correct = (dist <= thr * sizes[:, None]) & vis
    num_vis = vis.sum(0)
    with np.errstate(invalid='ignore', divide='ignore'):
        per_joint = np.where(num_vis > 0, 100. * correct.sum(0) / num_vis,
                             np.nan)
    result = {name: float(v) for name, v in zip(MPII_PCKH_JOINTS, per_joint)}
    groups = {}
    for group, names in MPII_PCKH_GROUPS.items():
        values = [result[n] for n in names if not np.isnan(result[n])]
        groups[group] = float(np.mean(values)) if values else float('nan')
    total = 100. * correct.sum() / vis.sum()
    return {'Total': float(total), **groups, **result}


def mpjpe(pred: Any,
          gt: Any,
          root: int = 0,
          valid: Optional[Any] = None) -> float:
    """Root-centred mean per-joint position error (the paper's H36M rule).

    Both poses are translated so that their ``root`` joint is at the origin,
    then the Euclidean distance of each valid joint is averaged over joints
    and samples. The root joint, valid, counts with its zero error (as in
    deephar and mmpose). No Procrustes or scale alignment.

    Args:
        pred: ``[N, J, 3]`` predicted joints in millimetres.
        gt: ``[N, J, 3]`` ground-truth joints in millimetres.
        root: Index of the root joint (0, the pelvis, for H36M's 17 joints).
        valid: Optional ``[N, J]`` bool; ``None``: every joint is valid. The
            root must be valid in every sample.

    Returns:
        float: The MPJPE in the unit of the inputs (mm).

    Raises:
        ValueError: On shape mismatches, a root out of range or not valid
            in some sample, or no valid joint.
    """
    pred = _array(pred, 'pred')
    gt = _array(gt, 'gt')
    _check_shape(gt, 'gt', (None, None, 3), '[N, J, 3]')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt shapes differ: {tuple(pred.shape)} '
                         f'vs {tuple(gt.shape)} (both [N, J, 3])')
    num, num_joints = gt.shape[:2]
    if not (isinstance(root, (int, np.integer)) and 0 <= root < num_joints):
        raise ValueError(f'root must be a joint index in [0, {num_joints}), '
                         f'got {root!r}')
    if valid is None:
        mask = np.ones((num, num_joints), dtype=bool)
    else:
        mask = np.asarray(valid)
        if mask.ndim == 3 and mask.shape[-1] == 1:
            mask = mask[..., 0]
        mask = mask.astype(bool)
        _check_shape(mask, 'valid', (num, num_joints),
                     f'[{num}, {num_joints}]')
    if not mask.any():
        raise ValueError('no valid joint to evaluate')
    if not mask[:, root].all():
        raise ValueError(
            f'the root joint {root} is not valid in sample(s) '
            f'{np.flatnonzero(~mask[:, root]).tolist()}: cannot root-centre')
    pred = pred - pred[:, root:root + 1]
    gt = gt - gt[:, root:root + 1]
    return float(np.linalg.norm(pred - gt, axis=-1)[mask].mean())


def _as_dict(element: Any) -> dict:
    """A data sample (or one of its parts) as a plain dict."""
    if isinstance(element, BaseDataElement):
        return element.to_dict()
    return dict(element)


def _block_poses(pred_instances: Any, dim: int) -> np.ndarray:
    """The ``[K, J, dim]`` block predictions of one single-person sample.

    ``pred_instances.block_keypoints``, when present, holds the K blocks:
    ``[1, K, J, D]`` (one instance; the shape an ``InstanceData`` accepts),
    ``[K, J, D]``, or a list of K ``[J, D]`` / ``[1, J, D]`` arrays.
    Otherwise ``pred_instances.keypoints`` (``[1, J, D]``, or mmpose's
    lifting ``[1, 1, J, D]``) is the only block.
    """
    pred = _as_dict(pred_instances)
    if 'block_keypoints' in pred:
        blocks = pred['block_keypoints']
        if isinstance(blocks, (list, tuple)):
            blocks = np.stack([
                _array(b, 'block_keypoints').reshape(
                    np.shape(b)[-2:]) for b in blocks
            ])
        else:
            blocks = _array(blocks, 'block_keypoints')
            if blocks.ndim == 4 and blocks.shape[0] == 1:
                blocks = blocks[0]
        name, what = 'pred_instances.block_keypoints', f'[1, K, J, {dim}]'
    elif 'keypoints' in pred:
        blocks = _array(pred['keypoints'], 'keypoints')
        if blocks.ndim == 4 and blocks.shape[:2] == (1, 1):
            blocks = blocks[0]
        if blocks.ndim == 3 and blocks.shape[0] != 1:
            raise ValueError('pred_instances.keypoints must hold one '
                             'instance (single-person evaluation), got '
                             f'{blocks.shape[0]}')
        name, what = 'pred_instances.keypoints', f'[1, J, {dim}]'
    else:
        raise KeyError('pred_instances has neither block_keypoints nor '
                       'keypoints')
    _check_shape(blocks, name, (None, None, dim), what)
    return blocks


def _one_instance(value: Any, name: str, tail: int) -> np.ndarray:
    """``value`` of one instance (``[1, ...]``) without its instance axis,
    reshaped to ``tail`` trailing dimensions."""
    array = _array(value, name)
    if array.ndim > tail:
        if array.shape[0] != 1:
            raise ValueError(f'{name} must hold one instance, got shape '
                             f'{tuple(array.shape)}')
        array = array[0]
    return array


def _stack_blocks(results: List[dict], metric: str) -> np.ndarray:
    """``[N, K, J, D]`` predictions; every sample must have K blocks."""
    counts = sorted({r['pred'].shape[0] for r in results})
    if len(counts) != 1:
        raise ValueError(f'{metric}: samples have different numbers of '
                         f'prediction blocks {counts}')
    return np.stack([r['pred'] for r in results])


@METRICS.register_module()
class MultiBlockPCKh(BaseMetric):
    """MPII PCKh of every prediction block, and of the best one.

    Each data sample (a dict or a ``PoseDataSample``) holds one person:

    * ``pred_instances.keypoints`` ``[1, 16, 2]`` (one block), or
      ``pred_instances.block_keypoints`` ``[1, K, 16, 2]`` (K blocks, first
      to last; ``[K, 16, 2]`` or a list of K poses are accepted too), in
      image pixels of the loaded image (0-based, as mmpose predicts);
    * ``gt_instances.keypoints`` ``[1, 16, 2]`` (MPII's 1-based annotation),
      ``gt_instances.keypoints_visible`` ``[1, 16]`` (or ``[1, 16, 1]``) and
      ``gt_instances.head_size`` ``[1, 1]`` (mmpose's ``MpiiDataset`` with a
      ``headbox_file``: ``0.6 * ||head-box diagonal||``).

    ``pred_offset`` is added to the predictions first: 1.0 maps mmpose's
    0-based predictions to MPII's 1-based annotations, as mmpose's
    ``MpiiPCKAccuracy`` does. Each block is scored by
    :func:`mpii_pckh_from_head_sizes`; the best block has the highest total.

    With one block the numbers equal ``MpiiPCKAccuracy(thr)``'s ``PCK`` and
    ``<Group> PCK`` except for a distance exactly at the threshold, which
    the paper (and MPII) counts correct (``<=``) and mmpose 1.3 wrong
    (``<``).

    Args:
        thr: PCKh threshold as a fraction of the head size.
        pred_offset: Added to predicted coordinates (pixels).
        collect_device: ``'cpu'`` or ``'gpu'``, see ``BaseMetric``.
        prefix: Metric-name prefix; default ``'mpii'``.

    Returns (from ``evaluate``), with the prefix:
        ``PCKh`` (best block's total), ``PCKh_<group>`` for the groups of
        :data:`MPII_PCKH_GROUPS` (best block), ``PCKh_block<k>`` (each
        block's total, k from 0) and ``best_block`` (its index, the first on
        ties). Percentages.
    """
    default_prefix: Optional[str] = 'mpii'

    def __init__(self,
                 thr: float = 0.5,
                 pred_offset: float = 1.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not thr > 0:
            raise ValueError(f'thr must be positive, got {thr}')
        self.thr = thr
        self.pred_offset = pred_offset

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each sample's block poses, annotation and head size."""
        for sample in data_samples:
            sample = _as_dict(sample)
            gt = _as_dict(sample['gt_instances'])
            if 'head_size' not in gt:
                raise KeyError('gt_instances has no head_size: build '
                               'MpiiDataset with a headbox_file')
            visible = np.asarray(gt['keypoints_visible'])
            if visible.ndim == 3:
                visible = visible[..., 0]
            self.results.append(
                dict(
                    pred=_block_poses(sample['pred_instances'], 2),
                    gt=_one_instance(gt['keypoints'], 'keypoints', 2),
                    visible=visible.reshape(-1).astype(bool),
                    head_size=float(_array(gt['head_size'],
                                           'head_size').reshape(-1)[0])))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Score every block over all samples and pick the best."""
        pred = _stack_blocks(results, type(self).__name__)
        gt = np.stack([r['gt'] for r in results])
        visible = np.stack([r['visible'] for r in results])
        sizes = np.array([r['head_size'] for r in results])
        scores = [
            mpii_pckh_from_head_sizes(pred[:, k] + self.pred_offset, gt,
                                      visible, sizes, self.thr)
            for k in range(pred.shape[1])
        ]
        totals = [s['Total'] for s in scores]
        best = int(np.argmax(totals))
        MMLogger.get_current_instance().info(
            f'PCKh@{self.thr} per block: ' +
            ' '.join(f'{t:.1f}' for t in totals) + f' (best: block {best})')
        metrics = {'PCKh': totals[best]}
        metrics.update({
            f'PCKh_{group}': scores[best][group]
            for group in MPII_PCKH_GROUPS
        })
        metrics.update({f'PCKh_block{k}': t for k, t in enumerate(totals)})
        metrics['best_block'] = best
        return metrics


@METRICS.register_module()
class MultiBlockMPJPE(BaseMetric):
    """Root-centred MPJPE of every prediction block, and of the best one.

    Each data sample (a dict or a ``PoseDataSample``) holds one single-frame
    pose:

    * ``pred_instances.keypoints`` ``[1, J, 3]`` or ``[1, 1, J, 3]`` (one
      block), or ``pred_instances.block_keypoints`` ``[1, K, J, 3]`` (K
      blocks; ``[K, J, 3]`` or a list of K poses are accepted too);
    * ``gt_instances.lifting_target`` ``[1, J, 3]`` and, optionally,
      ``gt_instances.lifting_target_visible`` ``[1, J]`` (mmpose's
      ``Human36mDataset`` names).

    Coordinates are multiplied by ``scale`` to give millimetres (1000 for
    mmpose's metre-valued H36M annotations), then each block is scored by
    :func:`mpjpe`; the best block has the lowest error.

    mmpose's ``MPJPE(mode='mpjpe')`` does not root-centre: it gives the same
    number as one block here when predictions and targets are already
    root-relative (as its lifting pipelines make them), the absolute error
    otherwise.

    Args:
        root: Root joint index (0, the pelvis, for H36M).
        scale: Factor from the data's unit to millimetres.
        collect_device: ``'cpu'`` or ``'gpu'``, see ``BaseMetric``.
        prefix: Metric-name prefix; default ``'h36m'``.

    Returns (from ``evaluate``), with the prefix:
        ``MPJPE`` (best block, mm), ``MPJPE_block<k>`` (each block, k from
        0) and ``best_block`` (its index, the first on ties).
    """
    default_prefix: Optional[str] = 'h36m'

    def __init__(self,
                 root: int = 0,
                 scale: float = 1.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not scale > 0:
            raise ValueError(f'scale must be positive, got {scale}')
        self.root = root
        self.scale = scale

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each sample's block poses, target and validity."""
        for sample in data_samples:
            sample = _as_dict(sample)
            gt = _as_dict(sample['gt_instances'])
            target = _one_instance(gt['lifting_target'], 'lifting_target', 2)
            if 'lifting_target_visible' in gt:
                valid = np.asarray(gt['lifting_target_visible']).astype(
                    bool).reshape(-1)
            else:
                valid = np.ones(target.shape[0], dtype=bool)
            self.results.append(
                dict(
                    pred=_block_poses(sample['pred_instances'], 3),
                    gt=target,
                    valid=valid))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Score every block over all samples and pick the best."""
        pred = _stack_blocks(results, type(self).__name__) * self.scale
        gt = np.stack([r['gt'] for r in results]) * self.scale
        valid = np.stack([r['valid'] for r in results])
        errors = [
            mpjpe(pred[:, k], gt, self.root, valid)
            for k in range(pred.shape[1])
        ]
        best = int(np.argmin(errors))
        MMLogger.get_current_instance().info(
            'MPJPE (mm) per block: ' + ' '.join(f'{e:.1f}' for e in errors) +
            f' (best: block {best})')
        metrics = {'MPJPE': errors[best]}
        metrics.update({f'MPJPE_block{k}': e for k, e in enumerate(errors)})
        metrics['best_block'] = best
        return metrics

"""The error of a soft-argmax pose model in its own coordinates: the
distance between predicted and labelled crop targets, per prediction
block."""
from typing import Any, Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmengine.structures import BaseDataElement

from mmactx.registry import METRICS

from .task_metric import sample_task


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class MultiBlockCoordError(BaseMetric):
    """Mean 2D error of every prediction block in percent of the crop side,
    and the mean depth error in percent of the depth span where both have
    depth; for datasets without a published metric (the synthetic data,
    NTU's frames) and for following training.

    Reads each pose sample's ``pred_coords`` [K, J, D_p] (from
    :class:`~mmactx.models.MultitaskRecognizer`) and its labels
    ``gt_coords`` [J, D], ``gt_coords_valid`` [J, D] (bool; all True if
    absent), all crop targets in [0, 1]: x, y (a fraction of the crop's
    width and height) and z (of the depth span). A joint counts in the 2D
    error where x and y are labelled, in the depth error where z is.
    Samples of another ``task`` than ``'pose'`` are refused.

    Args:
        collect_device (str): See ``BaseMetric``.
        prefix (str, optional): Metric-name prefix; default ``'pose'``.

    Returns (from ``evaluate``), with the prefix:
        ``error2d`` (best block, %), ``error2d_block<k>`` (each block),
        ``best_block``; with depth also ``error_depth`` (the best 2D
        block's, % of the span).
    """
    default_prefix: Optional[str] = 'pose'

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        for i, sample in enumerate(data_samples):
            task = sample_task(sample)
            if task != 'pose':
                raise ValueError(
                    f'MultiBlockCoordError: data sample {i} has task '
                    f"{task!r}; it scores pose samples (wrap it in "
                    "TaskMetric(task='pose') for a dataset of both)")
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            gt = _numpy(sample['gt_coords']).astype(np.float64)
            valid = (_numpy(sample['gt_coords_valid']).astype(bool)
                     if 'gt_coords_valid' in sample else
                     np.ones(gt.shape, bool))
            self.results.append(
                dict(pred=_numpy(sample['pred_coords']).astype(np.float64),
                     gt=gt, valid=valid))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        pred = np.stack([r['pred'] for r in results])  # [N, K, J, Dp]
        gt = np.stack([r['gt'] for r in results])  # [N, J, D]
        valid = np.stack([r['valid'] for r in results])
        xy_valid = valid[..., :2].all(-1)  # [N, J]
        if not xy_valid.any():
            raise ValueError('MultiBlockCoordError: no labelled joint')
        dist = np.linalg.norm(pred[..., :2] - gt[:, None, :, :2], axis=-1)
        errors = [100 * dist[:, k][xy_valid].mean()
                  for k in range(pred.shape[1])]
        best = int(np.argmin(errors))
        metrics = {'error2d': errors[best], 'best_block': best}
        metrics.update({f'error2d_block{k}': e for k, e in enumerate(errors)})
        if pred.shape[-1] > 2 and gt.shape[-1] > 2 and valid[..., 2].any():
            z_err = np.abs(pred[:, best, :, 2] - gt[..., 2])[valid[..., 2]]
            metrics['error_depth'] = 100 * z_err.mean()
        MMLogger.get_current_instance().info(
            '2D error (% of the crop) per block: ' +
            ' '.join(f'{e:.2f}' for e in errors) + f' (best: block {best})')
        return metrics

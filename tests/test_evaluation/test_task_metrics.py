"""TaskMetric (a metric on the samples of one task) and
MultiBlockCoordError (per-block error in crop coordinates)."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator

import mmactx  # noqa: F401
from mmactx.evaluation import MultiBlockCoordError, TaskMetric


def pose_sample(pred, gt, valid=None):
    s = ActionDataSample(metainfo=dict(task='pose'))
    s.pred_coords = torch.as_tensor(pred, dtype=torch.float32)
    s.gt_coords = torch.as_tensor(gt, dtype=torch.float32)
    if valid is not None:
        s.gt_coords_valid = torch.as_tensor(valid)
    return s


def action_sample(score, label):
    s = ActionDataSample(metainfo=dict(task='action'))
    s.set_pred_score(torch.as_tensor(score, dtype=torch.float32))
    s.set_gt_label(label)
    return s


def test_coord_error_per_block_and_depth():
    gt = np.array([[0.5, 0.5, 0.5], [0.2, 0.2, 0.5]])
    # block 0 off by (0.03, 0.04) = 5 % on every joint, block 1 exact in
    # 2D with a z error of 0.1 = 10 % of the span
    pred = np.stack([gt + [0.03, 0.04, 0.], gt + [0., 0., 0.1]])
    valid = np.ones((2, 3), bool)
    valid[1] = False  # joint 1 unlabelled: ignored
    metric = MultiBlockCoordError()
    metric.process({}, [pose_sample(pred, gt, valid).to_dict()])
    out = metric.compute_metrics(metric.results)
    assert out['error2d_block0'] == pytest.approx(5.0)
    assert out['error2d_block1'] == pytest.approx(0.0)
    assert out['best_block'] == 1 and out['error2d'] == pytest.approx(0.0)
    assert out['error_depth'] == pytest.approx(10.0)


def test_coord_error_2d_and_refusals():
    metric = MultiBlockCoordError()
    metric.process({}, [pose_sample([[[0.1, 0.1]]], [[0.1, 0.2]])])
    out = metric.compute_metrics(metric.results)
    assert out['error2d'] == pytest.approx(10.0)
    assert 'error_depth' not in out
    with pytest.raises(ValueError, match="task 'action'.*TaskMetric"):
        metric.process({}, [action_sample([1., 0.], 0)])
    metric.results = []
    metric.process({}, [pose_sample([[[0.1, 0.1]]], [[0.1, 0.2]],
                                    [[False, False]])])
    with pytest.raises(ValueError, match='no labelled joint'):
        metric.compute_metrics(metric.results)


def test_task_metric_splits_a_mixed_evaluation():
    evaluator = Evaluator([
        dict(type='TaskMetric', task='action', metric=dict(type='AccMetric')),
        dict(type='TaskMetric', task='pose',
             metric=dict(type='MultiBlockCoordError'))
    ])
    gt = np.full((2, 2), 0.5)
    # one batch of each task, as AlternatingBatchSampler gives them
    evaluator.process([pose_sample((gt + 0.1)[None], gt)], {})
    evaluator.process([action_sample([0.9, 0.1], 0),
                       action_sample([0.8, 0.2], 1)], {})
    out = evaluator.evaluate(3)
    assert out['acc/top1'] == pytest.approx(0.5)
    assert out['pose/error2d'] == pytest.approx(100 * np.sqrt(0.02))
    only_pose = TaskMetric('action', dict(type='AccMetric'))
    only_pose.process({}, [pose_sample(gt[None], gt)])
    with pytest.raises(ValueError, match="no 'action' samples"):
        only_pose.evaluate(1)

"""Luvizon et al.'s pose losses: the elastic net on labelled coordinates
(optionally with deephar's bincross term) and the visibility BCE."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope

from mmactx.models.losses.pose_regression_loss import (ElasticNetCoordLoss,
                                                       VisibilityBCELoss)
from mmactx.registry import MODELS

F64 = torch.float64
NAN = float('nan')


def two_joints():
    """One sample, a 3D joint and a joint labelled in x, y only."""
    pred = torch.tensor([[[.5, .5, .5], [.2, .4, .9]]], dtype=F64)
    target = torch.tensor([[[.7, .1, .5], [.2, .6, NAN]]], dtype=F64)
    valid = torch.tensor([[[True, True, True], [True, True, False]]])
    return pred, target, valid


def test_elastic_net_by_hand():
    pred, target, valid = two_joints()
    # differences -.2, .4, 0 | 0, -.2: L1 .8, L2 .04 + .16 + .04 = .24,
    # over the 5 labelled values
    loss = ElasticNetCoordLoss()(pred, target, valid)
    assert loss.item() == pytest.approx(1.04 / 5)
    loss = ElasticNetCoordLoss(loss_weight=2.)(pred, target, valid)
    assert loss.item() == pytest.approx(2 * 1.04 / 5)


def test_an_unlabelled_z_does_not_count():
    pred, target, valid = two_joints()
    loss_fn = ElasticNetCoordLoss()
    grads, losses = [], []
    for z in (.9, .1, 5.):
        moved = pred.clone()
        moved[0, 1, 2] = z
        moved.requires_grad_()
        loss = loss_fn(moved, target, valid)
        loss.backward()
        losses.append(loss.item())
        grads.append(moved.grad)
    assert losses[0] == losses[1] == losses[2]
    for grad in grads:
        torch.testing.assert_close(grad, grads[0])
        assert grad[0, 1, 2] == 0
    # d/dp (|d| + d^2) / 5 = (sign(d) + 2 d) / 5 on the labelled values
    expected = torch.tensor([[[-1.4, 1.8, 0.], [0., -1.4, 0.]]],
                            dtype=F64) / 5
    expected[0, 1, 0] = grads[0][0, 1, 0]  # |d| at d = 0: torch's choice
    expected[0, 0, 2] = grads[0][0, 0, 2]
    torch.testing.assert_close(grads[0], expected)


def test_masked_joint_changes_nothing_elsewhere():
    torch.manual_seed(0)
    pred = torch.rand(3, 4, 2, dtype=F64)
    target = torch.rand(3, 4, 2, dtype=F64)
    valid = torch.ones(3, 4, 2, dtype=torch.bool)
    valid[1, 2] = False
    target[1, 2] = -1e9  # whatever is there is not read
    loss_fn = ElasticNetCoordLoss(bincross_weight=.01)
    results = []
    for value in (.3, .8):
        moved = pred.clone()
        moved[1, 2] = value
        moved.requires_grad_()
        loss = loss_fn(moved, target, valid)
        loss.backward()
        results.append((loss.item(), moved.grad))
    assert results[0][0] == results[1][0]
    torch.testing.assert_close(results[0][1], results[1][1])
    assert (results[0][1][1, 2] == 0).all()


def test_samples_without_labels_are_left_out_of_the_mean():
    pred, target, valid = two_joints()
    pred2 = torch.cat([pred, torch.zeros_like(pred)])
    target2 = torch.cat([target, torch.ones_like(target)])
    valid2 = torch.cat([valid, torch.zeros_like(valid)])
    loss = ElasticNetCoordLoss()(pred2, target2, valid2)
    assert loss.item() == pytest.approx(1.04 / 5)


def test_no_label_at_all_gives_zero_with_a_graph():
    pred = torch.rand(2, 3, 2, requires_grad=True)
    loss = ElasticNetCoordLoss()(pred, torch.rand(2, 3, 2),
                                 torch.zeros(2, 3, 2, dtype=torch.bool))
    assert loss.item() == 0
    loss.backward()
    assert (pred.grad == 0).all()


def test_bincross_by_hand():
    pred = torch.tensor([[[.5]]], dtype=F64)
    target = torch.tensor([[[.75]]], dtype=F64)
    valid = torch.ones(1, 1, 1, dtype=torch.bool)
    # .25 + .0625 + .01 * -(.75 ln .5 + .25 ln .5)
    loss = ElasticNetCoordLoss(bincross_weight=.01)(pred, target, valid)
    assert loss.item() == pytest.approx(.3125 + .01 * math.log(2))
    pred, target, valid = two_joints()
    plain = ElasticNetCoordLoss()(pred, target, valid)
    with_bce = ElasticNetCoordLoss(bincross_weight=.01)(pred, target, valid)
    bce = -sum(t * math.log(p) + (1 - t) * math.log(1 - p)
               for p, t in [(.5, .7), (.5, .1), (.5, .5), (.2, .2),
                            (.4, .6)])
    assert with_bce.item() == pytest.approx(plain.item() + .01 * bce / 5)


def test_elastic_net_refusals():
    pred, target, valid = two_joints()
    loss_fn = ElasticNetCoordLoss()
    with pytest.raises(ValueError, match='must have the same shape'):
        loss_fn(pred, target[:, :1], valid)
    with pytest.raises(ValueError, match='must have the same shape'):
        loss_fn(pred, target, valid[..., :2])
    with pytest.raises(ValueError, match=r'pred must be \[N, J, D\]'):
        loss_fn(pred[0], target[0], valid[0])
    with pytest.raises(TypeError, match='valid must be a bool mask'):
        loss_fn(pred, target, valid.float())
    with pytest.raises(ValueError, match='labelled target values must be '
                       'finite'):
        loss_fn(pred, target, torch.ones_like(valid))
    with pytest.raises(ValueError, match=r'labelled pred coordinates in '
                       r'\[0, 1\]'):
        ElasticNetCoordLoss(bincross_weight=.01)(pred + 1, target, valid)
    with pytest.raises(ValueError, match='bincross_weight must be >= 0'):
        ElasticNetCoordLoss(bincross_weight=-1.)


def test_visibility_bce_by_hand():
    pred = torch.tensor([[.5, .9]], dtype=F64)
    target = torch.tensor([[1, 0]])
    loss = VisibilityBCELoss()(pred, target)
    assert loss.item() == pytest.approx(.01 * (math.log(2) + math.log(10))
                                        / 2)
    loss = VisibilityBCELoss(loss_weight=1.)(pred, target.bool())
    assert loss.item() == pytest.approx((math.log(2) + math.log(10)) / 2)


def test_visibility_bce_refusals():
    loss_fn = VisibilityBCELoss()
    pred = torch.full((2, 3), .5)
    with pytest.raises(ValueError, match=r'must both be \[N, J\]'):
        loss_fn(pred, torch.ones(2, 2))
    with pytest.raises(ValueError, match='must be 0 or 1'):
        loss_fn(pred, torch.full((2, 3), .5))
    with pytest.raises(ValueError, match=r'must be in \[0, 1\]'):
        loss_fn(pred + 1, torch.ones(2, 3))


def test_losses_from_the_registry():
    init_default_scope('mmactx')
    loss = MODELS.build(dict(type='ElasticNetCoordLoss',
                             bincross_weight=.01))
    assert type(loss) is ElasticNetCoordLoss and loss.bincross_weight == .01
    loss = MODELS.build(dict(type='VisibilityBCELoss'))
    assert type(loss) is VisibilityBCELoss and loss.loss_weight == .01


def test_visibility_bce_clips_a_confidence_of_one():
    """A confidence of exactly 1 (or 1 + rounding) with target 0 gives the
    BCE of 1 - 1e-7 (in float32), and no infinite gradient."""
    pred = torch.tensor([[1., 1. + 1e-6]], requires_grad=True)
    loss = VisibilityBCELoss(loss_weight=1.)(pred, torch.zeros(1, 2))
    clipped = torch.tensor(1 - 1e-7).item()  # float32 rounding
    assert loss.item() == pytest.approx(-math.log(1 - clipped), rel=1e-4)
    loss.backward()
    assert torch.isfinite(pred.grad).all()

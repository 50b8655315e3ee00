"""mmactx's RGBPoseHead: mmaction2's head, whose loss also works when a
batch holds as many clips as there are classes."""
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from mmactx.models.heads import RGBPoseHead
from mmactx.registry import MODELS

NUM_CLASSES = 4
UpstreamHead = RGBPoseHead.__bases__[0]  # mmaction2's
assert UpstreamHead.__module__ == 'mmaction.models.heads.rgbpose_head'


def heads():
    """mmactx's head and mmaction2's, with the same weights."""
    torch.manual_seed(0)
    ours = RGBPoseHead(NUM_CLASSES, [6, 3], loss_weights=[1., 0.5])
    theirs = UpstreamHead(NUM_CLASSES, [6, 3], loss_weights=[1., 0.5])
    theirs.load_state_dict(ours.state_dict())
    return ours.eval(), theirs.eval()


def batch(labels):
    feats = (torch.randn(len(labels), 6, 2, 3, 3),
             torch.randn(len(labels), 3, 8, 3, 3))
    samples = [ActionDataSample().set_gt_label(label) for label in labels]
    return feats, samples


def test_config_name_builds_mmactx_head():
    init_default_scope('mmactx')
    head = MODELS.build(dict(type='RGBPoseHead', num_classes=NUM_CLASSES,
                             in_channels=[6, 3]))
    assert type(head) is RGBPoseHead


def test_same_loss_as_mmaction2_when_upstream_works():
    ours, theirs = heads()
    feats, samples = batch([0, 3, 1])
    a, b = ours.loss(feats, samples), theirs.loss(feats, samples)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key])


def test_batch_as_large_as_the_classes():
    ours, theirs = heads()
    labels = [2, 0, 3, 1]  # batch 4 on 4 classes
    feats, samples = batch(labels)
    with pytest.raises(AttributeError, match="no attribute 'size'"):
        theirs.loss(feats, samples)  # the upstream bug this head fixes
    losses = ours.loss(feats, samples)
    scores = ours(feats)
    target = torch.tensor(labels)
    torch.testing.assert_close(losses['rgb_loss_cls'],
                               F.cross_entropy(scores['rgb'], target))
    torch.testing.assert_close(losses['pose_loss_cls'],
                               0.5 * F.cross_entropy(scores['pose'], target))
    assert 'rgb_top1_acc' in losses and 'pose_top1_acc' in losses


def test_soft_labels_batch_of_one():
    ours, _ = heads()
    soft = torch.tensor([0.7, 0.1, 0.1, 0.1])
    feats, samples = batch([soft])
    losses = ours.loss(feats, samples)
    scores = ours(feats)
    expected = -(soft * F.log_softmax(scores['rgb'][0], -1)).sum()
    torch.testing.assert_close(losses['rgb_loss_cls'], expected)
    assert 'rgb_top1_acc' not in losses  # no accuracy of soft labels

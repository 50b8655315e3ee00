"""STID's networks: the single-descriptor CNN, the five-input fusion heads
and the soft-target loss."""
import math

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from mmactx.models import SoftTargetLoss, STIDFusionHead, STIDResNet
from mmactx.registry import MODELS

HEADS = ('fused', 'gd', 'fdd', 'jdd', 'add', 'lad', 'gd+fdd', 'jdd+add+lad')


def test_trunk_shapes_and_widths():
    trunk = STIDResNet(base_channels=8).eval()
    assert trunk(torch.rand(2, 3, 112, 112)).shape == (2, 32, 1, 1)
    # the published width: 256 -> 512 -> 1024, every layer used
    full = STIDResNet()
    assert full.out_channels == 1024
    convs = [m for m in full.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].out_channels == 256
    assert max(c.out_channels for c in convs) == 1024
    x = torch.rand(1, 3, 112, 112, requires_grad=True)
    full(x).sum().backward()
    assert all(p.grad is not None for p in full.parameters())


def test_soft_target_loss_by_hand():
    scores = torch.tensor([[2., 0., -1.], [0., 0., 0.]])
    labels = torch.tensor([0, 2])
    loss = SoftTargetLoss()(scores, labels)
    log_p = torch.log_softmax(scores, 1)
    first = -(0.8 * log_p[0, 0] + 0.1 * (log_p[0, 1] + log_p[0, 2]))
    second = -(0.8 + 0.2) * math.log(1 / 3)
    torch.testing.assert_close(loss, (first + second) / 2)
    with pytest.raises(ValueError, match='one class index per sample'):
        SoftTargetLoss()(scores, torch.rand(2, 3))
    with pytest.raises(ValueError, match='targets must be >= 0'):
        SoftTargetLoss(other=-0.1)


def fusion_model(num_classes=5):
    init_default_scope('mmactx')
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Recognizer2D',
        backbone=dict(type='STIDResNet', base_channels=8),
        cls_head=dict(type='STIDFusionHead', num_classes=num_classes,
                      in_channels=32, average_clips='prob'),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW')))


def fusion_batch(labels):
    g = torch.Generator().manual_seed(1)
    return dict(inputs=[torch.rand(5, 3, 112, 112, generator=g) * 255
                        for _ in labels],
                data_samples=[ActionDataSample().set_gt_label(c)
                              for c in labels])


def test_fusion_heads_and_the_sum_of_eight_losses():
    model = fusion_model()
    head = model.cls_head
    assert head.head_names == HEADS
    data = model.data_preprocessor(fusion_batch([1, 3]), training=True)
    losses = model(**data, mode='loss')
    assert {f'loss_{h}' for h in HEADS} <= losses.keys()
    # each term is the soft-target loss of that head's logits
    feats, kwargs = model.extract_feat(data['inputs'])
    scores = head(feats, **kwargs)
    labels = torch.tensor([1, 3])
    for name in HEADS:
        torch.testing.assert_close(losses[f'loss_{name}'],
                                   SoftTargetLoss()(scores[name], labels))
    total, _ = model.parse_losses(losses)
    torch.testing.assert_close(
        total, sum(losses[f'loss_{h}'] for h in HEADS))
    # one linear layer shared by the five descriptors
    torch.testing.assert_close(scores['jdd'], head.fc_each(
        head.pool(feats).flatten(1).view(2, 5, 32)[:, 2]))


def test_fusion_prediction_is_the_fused_head_and_ignores_labels():
    model = fusion_model().eval()
    with torch.no_grad():
        a = model(**model.data_preprocessor(fusion_batch([0, 0])),
                  mode='predict')
        b = model(**model.data_preprocessor(fusion_batch([4, 2])),
                  mode='predict')
        data = model.data_preprocessor(fusion_batch([0, 0]))
        feats, kwargs = model.extract_feat(data['inputs'], test_mode=True)
        fused = model.cls_head(feats, **kwargs)['fused'].softmax(1)
    for x, y, f in zip(a, b, fused):
        assert tuple(x.pred_score) == HEADS  # every head, by name
        for name in HEADS:
            torch.testing.assert_close(x.pred_score[name],
                                       y.pred_score[name])
        torch.testing.assert_close(x.pred_score['fused'], f)
        assert x.pred_label.item() == f.argmax().item()


def test_fusion_head_refusals():
    with pytest.raises(ValueError, match=r"groups name \['rgb'\]"):
        STIDFusionHead(3, 8, groups=(('gd', 'rgb'), ))
    with pytest.raises(ValueError, match='descriptors repeat'):
        STIDFusionHead(3, 8, descriptors=('gd', 'gd'))
    head = STIDFusionHead(3, 8)
    with pytest.raises(ValueError, match='4 images per sample for 5'):
        head(torch.rand(8, 8, 1, 1), num_segs=4)

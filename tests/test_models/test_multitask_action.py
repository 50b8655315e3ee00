"""Luvizon et al.'s multitask action head: Kronecker pooling, max-min
read-out, the pose and appearance branches and their fusion."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmactx.models.heads.multitask_action import (AppearanceActionBranch,
                                                  MultitaskActionHead,
                                                  PoseActionBranch,
                                                  kronecker_pooling,
                                                  max_min_pool, max_min_pool2d,
                                                  pose_image)
from mmactx.registry import MODELS

A = 5  # actions
C = 6  # visual feature channels
H = W = 4  # heatmap / feature grid
TINY = dict(num_classes=A, pose_dim=3, feat_channels=C, num_blocks=2,
            pose_cfg=dict(stem_widths=(2, 2, 4), branch_widths=(4, 4),
                          branch_mid=2),
            appearance_channels=8)


def _inputs(n=2, t=8, j=17, d=3, requires_grad=False):
    coords = torch.randn(n, t, j, d)
    vis = torch.rand(n, t, j)
    hm = torch.randn(n, t, j, H, W).flatten(3).softmax(-1)
    hm = hm.reshape(n, t, j, H, W)
    feats = torch.randn(n, t, C, H, W)
    if requires_grad:
        for x in (coords, vis, hm, feats):
            x.requires_grad_(True)
    return coords, vis, hm, feats


def test_kronecker_pooling_matches_a_loop():
    torch.manual_seed(0)
    _, _, hm, feats = _inputs(n=2, t=3, j=4)
    out = kronecker_pooling(hm, feats)
    assert out.shape == (2, 3, 4, C)
    ref = torch.zeros(2, 3, 4, C)
    for n in range(2):
        for t in range(3):
            for j in range(4):
                for u in range(H):
                    for v in range(W):
                        ref[n, t, j] += hm[n, t, j, u, v] * feats[n, t, :, u,
                                                                  v]
    torch.testing.assert_close(out, ref)


def test_kronecker_pooling_hand_cases():
    torch.manual_seed(0)
    feats = torch.randn(1, 1, C, H, W)
    hm = torch.zeros(1, 1, 2, H, W)
    hm[0, 0, 0, 2, 1] = 1.  # delta at row 2, column 1
    hm[0, 0, 1] = 1. / (H * W)  # uniform
    out = kronecker_pooling(hm, feats)
    torch.testing.assert_close(out[0, 0, 0], feats[0, 0, :, 2, 1])
    torch.testing.assert_close(out[0, 0, 1], feats[0, 0].mean(dim=(1, 2)))
    with pytest.raises(ValueError):
        kronecker_pooling(hm, torch.randn(1, 1, C, H, W + 1))


def test_max_min_pool_by_hand():
    x = torch.tensor([[[[1., -2.], [3., 0.5]],
                       [[0., 0.], [0., 7.]]]])
    torch.testing.assert_close(max_min_pool(x), torch.tensor([[1., 7.]]))
    # local version: max + min per 2x2 window, ceil mode on a 3x3 map
    y = torch.tensor([[[[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]]]])
    torch.testing.assert_close(
        max_min_pool2d(y), torch.tensor([[[[5. + 1., 6. + 3.],
                                           [8. + 7., 9. + 9.]]]]))


def test_pose_image():
    coords = torch.arange(24.).reshape(1, 2, 4, 3)
    vis = torch.tensor([[[1., 0., 1., 0.5], [0., 1., 1., 1.]]])
    img = pose_image(coords, vis)
    assert img.shape == (1, 3, 2, 4)
    assert img[0, 2, 0, 3] == coords[0, 0, 3, 2] * 0.5
    assert img[0, 1, 1, 0] == 0.


@pytest.mark.parametrize('t', [8, 16, 20])
@pytest.mark.parametrize('j', [16, 17, 25])
def test_output_shapes(t, j):
    torch.manual_seed(0)
    head = MultitaskActionHead(**TINY)
    out = head(*_inputs(t=t, j=j))
    assert len(out['pose']) == len(out['appearance']) == 2
    for y in out['pose'] + out['appearance'] + [out['fused']]:
        assert y.shape == (2, A)
        assert torch.isfinite(y).all()
    _, maps = head.pose_branch(pose_image(*_inputs(t=t, j=j)[:2]))
    assert maps.shape == (2, A, math.ceil(t / 4), math.ceil(j / 4))


def test_published_widths_build():
    pose = PoseActionBranch(2, A)
    assert pose.channels == 112
    assert [c[0].out_channels for c in pose.stem_convs] == [8, 16, 24]
    app = AppearanceActionBranch(576, A)
    assert app.proj[0].out_channels == 256
    assert len(pose.blocks.blocks) == len(app.blocks.blocks) == 4
    # the last block re-injects nothing
    assert pose.blocks.blocks[-1].remap is None
    assert pose.blocks.blocks[0].remap is not None


def test_registered():
    head = MODELS.build(dict(type='MultitaskActionHead', **TINY))
    assert isinstance(head, MultitaskActionHead)


def test_fusion_weights_start_at_one_and_learn():
    torch.manual_seed(0)
    head = MultitaskActionHead(**TINY)
    for w in (head.pose_weight, head.appearance_weight):
        assert w.shape == (A, )
        torch.testing.assert_close(w.detach(), torch.ones(A))
    out = head(*_inputs())
    F.cross_entropy(out['fused'], torch.tensor([1, 3])).backward()
    for w in (head.pose_weight, head.appearance_weight):
        assert w.grad is not None and w.grad.abs().sum() > 0


def _grad(out, x):
    g, = torch.autograd.grad(out, x, retain_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def test_branches_are_independent():
    torch.manual_seed(0)
    head = MultitaskActionHead(**TINY)
    coords, vis, hm, feats = _inputs(requires_grad=True)
    out = head(coords, vis, hm, feats)
    pose = sum(y.sum() for y in out['pose'])
    app = sum(y.sum() for y in out['appearance'])
    assert _grad(pose, coords).abs().sum() > 0
    assert _grad(pose, feats).abs().sum() == 0
    assert _grad(pose, hm).abs().sum() == 0
    assert _grad(app, feats).abs().sum() > 0
    assert _grad(app, hm).abs().sum() > 0
    assert _grad(app, coords).abs().sum() == 0
    assert _grad(app, vis).abs().sum() == 0
    # the fused output sees both
    assert _grad(out['fused'].sum(), coords).abs().sum() > 0
    assert _grad(out['fused'].sum(), feats).abs().sum() > 0


def test_loss_is_the_weighted_sum_of_ces():
    torch.manual_seed(0)
    head = MultitaskActionHead(**dict(
        TINY, loss_weights=dict(pose=0.1, appearance=[0.2, 0.3], fused=2.)))
    labels = torch.tensor([0, 4])
    out = head(*_inputs())
    losses = head.loss(out, labels)
    assert sorted(losses) == sorted([
        'loss_pose_1', 'loss_pose_2', 'loss_appearance_1',
        'loss_appearance_2', 'loss_fused'])

    def ce(logits):  # by hand: -log softmax at the label, batch mean
        logp = logits - logits.exp().sum(-1, keepdim=True).log()
        return -logp[torch.arange(2), labels].mean()

    expected = (0.1 * (ce(out['pose'][0]) + ce(out['pose'][1]))
                + 0.2 * ce(out['appearance'][0])
                + 0.3 * ce(out['appearance'][1]) + 2. * ce(out['fused']))
    torch.testing.assert_close(sum(losses.values()), expected)
    # default: equal weights (CVPR'18)
    plain = MultitaskActionHead(**TINY)
    assert plain.loss_weights == dict(pose=[1., 1.], appearance=[1., 1.],
                                      fused=[1.])
    with pytest.raises(ValueError):
        MultitaskActionHead(**dict(TINY, loss_weights=dict(pose=[1.])))
    with pytest.raises(ValueError):
        MultitaskActionHead(**dict(TINY, loss_weights=dict(rgb=1.)))


def test_predict_sums_to_one():
    torch.manual_seed(0)
    head = MultitaskActionHead(**TINY).eval()
    with torch.no_grad():
        probs = head.predict(head(*_inputs()))
    assert probs.shape == (2, A)
    assert (probs >= 0).all()
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))

"""Luvizon et al.'s differentiable pose read-out: soft-argmax on the paper's
grids, depth, visibility, context aggregation and the head."""
import importlib.util
import math
import os

import pytest
import torch
from mmengine.registry import DefaultScope, init_default_scope

from mmactx.models.heads.soft_argmax import (SoftArgmaxPoseHead,
                                             aggregate_context_maps,
                                             depth_from_maps,
                                             heatmap_visibility, read_pose,
                                             soft_argmax_1d, soft_argmax_2d,
                                             spatial_softmax,
                                             volumetric_read_out)
from mmactx.registry import MODELS

F64 = torch.float64


def delta(height, width, row, col, lead=()):
    """A probability map [*lead, H, W] with all its mass at (row, col)."""
    probs = torch.zeros(*lead, height, width, dtype=F64)
    probs[..., row, col] = 1
    return probs


def gaussian_logits(height, width, x0, y0, sigma):
    """Logits [H, W] of a Gaussian centred at pixel (x0, y0)."""
    ys = torch.arange(height, dtype=F64)[:, None]
    xs = torch.arange(width, dtype=F64)[None, :]
    return -((xs - x0)**2 + (ys - y0)**2) / (2 * sigma**2)


def test_spatial_softmax_normalises_each_map():
    logits = torch.randn(2, 3, 4, 5, dtype=F64)
    probs = spatial_softmax(logits)
    assert probs.shape == logits.shape
    torch.testing.assert_close(probs.sum(dim=(-2, -1)),
                               torch.ones(2, 3, dtype=F64))
    expected = logits[1, 2].flatten().softmax(0).reshape(4, 5)
    torch.testing.assert_close(probs[1, 2], expected)


def test_delta_reads_its_pixel_on_the_linspace_grid():
    # column 2 of W = 7 -> 2 / 6, row 3 of H = 5 -> 3 / 4; corners -> 0, 1
    coords = soft_argmax_2d(delta(5, 7, 3, 2))
    assert coords.tolist() == [2 / 6, 3 / 4]
    assert soft_argmax_2d(delta(5, 7, 0, 0)).tolist() == [0., 0.]
    assert soft_argmax_2d(delta(5, 7, 4, 6)).tolist() == [1., 1.]


def test_batched_over_leading_dims():
    probs = delta(4, 6, 1, 5, lead=(2, 3))
    coords = soft_argmax_2d(probs)
    assert coords.shape == (2, 3, 2)
    torch.testing.assert_close(coords,
                               torch.tensor([1., 1 / 3], dtype=F64)
                               .expand(2, 3, 2))


def test_sharp_gaussian_reads_its_sub_pixel_centre():
    height, width, x0, y0 = 32, 24, 10.3, 20.7
    probs = spatial_softmax(gaussian_logits(height, width, x0, y0, 1.))
    torch.testing.assert_close(
        soft_argmax_2d(probs),
        torch.tensor([x0 / (width - 1), y0 / (height - 1)], dtype=F64),
        rtol=0, atol=1e-7)


@pytest.mark.parametrize('height,width', [(7, 9), (8, 6)])
def test_centred_symmetric_gaussian_reads_one_half(height, width):
    logits = gaussian_logits(height, width, (width - 1) / 2,
                             (height - 1) / 2, 2.)
    coords = soft_argmax_2d(spatial_softmax(logits))
    torch.testing.assert_close(coords, torch.tensor([.5, .5], dtype=F64))


def test_maps_smaller_than_two_pixels_are_refused():
    with pytest.raises(ValueError, match='H >= 2 and W >= 2'):
        soft_argmax_2d(torch.ones(3, 1, 4))
    with pytest.raises(ValueError, match='at least 2 dims'):
        soft_argmax_2d(torch.ones(4))


@pytest.mark.parametrize('k', [0, 3, 7])
def test_one_hot_depth_bin_reads_its_centre(k):
    probs = torch.zeros(2, 8, dtype=F64)
    probs[:, k] = 1
    assert soft_argmax_1d(probs).tolist() == [(k + .5) / 8] * 2


def test_empty_or_scalar_inputs_are_refused():
    with pytest.raises(ValueError, match=r'probs must be \[\.\.\., D\]'):
        soft_argmax_1d(torch.zeros(3, 0))
    with pytest.raises(ValueError, match=r'probs must be \[\.\.\., D\]'):
        soft_argmax_1d(torch.tensor(1.))
    with pytest.raises(ValueError, match='at least 2 dims'):
        spatial_softmax(torch.zeros(5))


def test_volumetric_read_out_of_a_delta_volume():
    logits = torch.full((2, 3, 4, 5, 6), -1e3, dtype=F64)
    logits[..., 1, 2, 3] = 0  # depth bin 1 of 4, row 2 of 5, column 3 of 6
    coords = volumetric_read_out(logits)
    assert coords.shape == (2, 3, 3)
    torch.testing.assert_close(
        coords, torch.tensor([3 / 5, 2 / 4, 1.5 / 4], dtype=F64)
        .expand(2, 3, 3))


def test_volumetric_read_out_uses_the_marginals():
    probs = torch.tensor([[[.05, .15], [.1, .1]],
                          [[.1, .3], [.1, .1]]], dtype=F64)
    # xy marginal [[.15, .45], [.2, .2]]: x = .45 + .2, y = .2 + .2;
    # z marginal [.4, .6] on centres [.25, .75]: z = .1 + .45
    torch.testing.assert_close(volumetric_read_out(probs.log()),
                               torch.tensor([.65, .4, .55], dtype=F64))
    with pytest.raises(ValueError, match='at least 3 dims'):
        volumetric_read_out(torch.zeros(4, 4))


def test_visibility_by_hand():
    assert heatmap_visibility(delta(4, 5, 2, 3)).item() == 1.
    flat = torch.full((4, 5), 1 / 20, dtype=F64)
    assert heatmap_visibility(flat).item() == pytest.approx(4 / 20)
    peaked = torch.zeros(4, 4, dtype=F64)
    peaked[1, 1], peaked[1, 2], peaked[3, 3] = .4, .3, .3
    assert heatmap_visibility(peaked).item() == pytest.approx(.7)
    # a raw map is taken as given (CVPR'18): 4 * 3 = 12
    assert heatmap_visibility(torch.full((3, 3), 3.)).item() == 12.


def test_visibility_is_batched():
    probs = torch.stack([delta(4, 5, 0, 0),
                         torch.full((4, 5), 1 / 20, dtype=F64)])
    vis = heatmap_visibility(probs[None].expand(3, 2, 4, 5))
    assert vis.shape == (3, 2)
    torch.testing.assert_close(vis[:, 0], torch.ones(3, dtype=F64))
    torch.testing.assert_close(vis[:, 1], torch.full((3, ), .2, dtype=F64))


def test_depth_from_maps_by_hand():
    ln3 = math.log(3)
    depth = torch.tensor([[0., ln3], [-ln3, 5.]], dtype=F64)
    probs = torch.tensor([[.5, .25], [.25, 0.]], dtype=F64)
    # sigmoid: .5, .75, .25 -> .25 + .1875 + .0625
    assert depth_from_maps(depth, probs).item() == pytest.approx(.5)
    batched = depth_from_maps(depth.expand(2, 3, 2, 2),
                              probs.expand(2, 3, 2, 2))
    torch.testing.assert_close(batched, torch.full((2, 3), .5, dtype=F64))
    with pytest.raises(ValueError, match='same shape'):
        depth_from_maps(depth, probs[None].expand(2, 2, 2))


def test_context_aggregation_by_hand():
    spec = torch.tensor([.5, .5], dtype=F64)
    context = torch.tensor([[.1, .2], [.4, .8]], dtype=F64)
    # weights 1/4, 3/4: context mean (.325, .65); .8 * .5 + .2 * it
    out = aggregate_context_maps(spec, context,
                                 torch.tensor([1., 3.], dtype=F64))
    torch.testing.assert_close(out, torch.tensor([.465, .53], dtype=F64))
    # all context maps invisible: their plain mean (.25, .5)
    out = aggregate_context_maps(spec, context, torch.zeros(2, dtype=F64))
    torch.testing.assert_close(out, torch.tensor([.45, .5], dtype=F64))
    out = aggregate_context_maps(spec, context, torch.ones(2, dtype=F64),
                                 alpha=1.)
    torch.testing.assert_close(out, spec)


def test_context_aggregation_is_batched_and_checked():
    spec = torch.rand(2, 5, 2)
    context = torch.rand(2, 5, 3, 2)
    vis = torch.rand(2, 5, 3)
    out = aggregate_context_maps(spec, context, vis)
    assert out.shape == (2, 5, 2)
    torch.testing.assert_close(
        out[1, 4], aggregate_context_maps(spec[1, 4], context[1, 4],
                                          vis[1, 4]))
    with pytest.raises(ValueError, match=r'context \[\.\.\., C, D\]'):
        aggregate_context_maps(spec, context[..., :1], vis)
    with pytest.raises(ValueError, match=r'context \[\.\.\., C, D\]'):
        aggregate_context_maps(spec, context, vis[..., :2])
    with pytest.raises(ValueError, match=r'alpha must be in \[0, 1\]'):
        aggregate_context_maps(spec, context, vis, alpha=1.5)


def test_gradients():
    probs = torch.rand(2, 3, 4, dtype=F64).requires_grad_()
    assert torch.autograd.gradcheck(soft_argmax_2d, (probs, ))
    logits = torch.randn(2, 3, 4, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x: soft_argmax_2d(spatial_softmax(x)), (logits, ))
    volume = torch.randn(2, 3, 3, 4, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(volumetric_read_out, (volume, ))
    depth = torch.randn(3, 4, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda d, x: depth_from_maps(d, spatial_softmax(x)),
        (depth, logits[0].detach().clone().requires_grad_()))


def test_float32_in_float32_out():
    probs = spatial_softmax(torch.randn(2, 4, 5))
    assert soft_argmax_2d(probs).dtype == torch.float32
    assert heatmap_visibility(probs).dtype == torch.float32


def _mmpose_integral_head_source():
    spec = importlib.util.find_spec('mmpose')  # installed by install.sh
    path = os.path.join(os.path.dirname(spec.origin), 'models', 'heads',
                        'regression_heads', 'integral_regression_head.py')
    with open(path) as f:
        return f.read()


def test_mmpose_grids_differ_by_a_known_affine_map():
    """mmpose's IntegralRegressionHead (and DSNTHead) reads pixel k at
    k / W; ours at k / (W - 1)."""
    source = _mmpose_integral_head_source()
    assert ('torch.arange(0.0, 1.0 * W, 1).reshape(1, 1, 1, W) / W'
            in source)
    assert ('torch.arange(0.0, 1.0 * H, 1).reshape(1, 1, H, 1) / H'
            in source)
    height, width, row, col = 5, 8, 3, 6
    probs = delta(height, width, row, col)
    ours = soft_argmax_2d(probs)
    theirs = torch.stack([
        (probs * torch.arange(width, dtype=F64) / width).sum(),
        (probs * torch.arange(height, dtype=F64)[:, None] / height).sum()])
    assert ours.tolist() == [6 / 7, 3 / 4]
    assert theirs.tolist() == [6 / 8, 3 / 5]
    scale = torch.tensor([(width - 1) / width, (height - 1) / height],
                         dtype=F64)
    torch.testing.assert_close(theirs, ours * scale)


def test_mmpose_integral_head_itself_on_a_delta():
    from mmactx.compat import allow_mmpose_import
    allow_mmpose_import()  # mmcv-lite has no compiled ops (mmpose#3250)
    from mmpose.models.heads import IntegralRegressionHead
    height, width, row, col = 4, 5, 2, 3
    with DefaultScope.overwrite_default_scope('mmpose'):  # for its loss
        head = IntegralRegressionHead(in_channels=1,
                                      in_featuremap_size=(width, height),
                                      num_joints=1,
                                      deconv_out_channels=None,
                                      final_layer=None)
    logits = torch.full((1, 1, height, width), -1e3)
    logits[..., row, col] = 0
    theirs, _ = head((logits, ))
    ours = soft_argmax_2d(spatial_softmax(logits))
    torch.testing.assert_close(theirs[0, 0],
                               torch.tensor([col / width, row / height]))
    torch.testing.assert_close(
        theirs, ours * torch.tensor([(width - 1) / width,
                                     (height - 1) / height]))


@pytest.mark.parametrize('with_depth', [False, True])
def test_head_outputs(with_depth):
    torch.manual_seed(0)
    head = SoftArgmaxPoseHead(in_channels=8, num_joints=3,
                              with_depth=with_depth)
    feats = torch.randn(2, 8, 6, 5)
    out = head(feats)
    assert set(out) == {'coords', 'visibility', 'heatmaps'}
    assert out['coords'].shape == (2, 3, 3 if with_depth else 2)
    assert out['visibility'].shape == (2, 3)
    assert out['heatmaps'].shape == (2, 3, 6, 5)
    torch.testing.assert_close(out['heatmaps'].sum(dim=(-2, -1)),
                               torch.ones(2, 3))
    for key in ('coords', 'visibility'):
        assert ((out[key] >= 0) & (out[key] <= 1)).all()
    # each sample is read on its own
    single = head(feats[1:])
    for key in out:
        torch.testing.assert_close(single[key][0], out[key][1])
    (out['coords'].sum() + out['visibility'].sum()).backward()
    assert head.heatmap_conv.weight.grad.abs().sum() > 0
    if with_depth:
        assert head.depth_conv.weight.grad.abs().sum() > 0


def test_head_from_the_registry_and_its_checks():
    init_default_scope('mmactx')
    head = MODELS.build(dict(type='SoftArgmaxPoseHead', in_channels=4,
                             num_joints=2, with_depth=True))
    assert type(head) is SoftArgmaxPoseHead
    with pytest.raises(ValueError, match=r'expected features \[N, 4, H, W\]'):
        head(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match='must be >= 1'):
        SoftArgmaxPoseHead(in_channels=4, num_joints=0)


def test_read_pose_is_the_blocks_read_out():
    torch.manual_seed(0)
    logits, depth = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    out = read_pose(logits, depth)
    heatmaps = spatial_softmax(logits)
    torch.testing.assert_close(out['heatmaps'], heatmaps)
    torch.testing.assert_close(out['coords'][..., :2],
                               soft_argmax_2d(heatmaps))
    torch.testing.assert_close(out['coords'][..., 2],
                               depth_from_maps(depth, heatmaps))
    torch.testing.assert_close(out['visibility'],
                               heatmap_visibility(heatmaps))
    assert read_pose(logits)['coords'].shape == (2, 3, 2)

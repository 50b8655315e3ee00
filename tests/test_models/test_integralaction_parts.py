"""IntegralAction's pose backbone (Pose2Feat into a stem-less TSM
ResNet-18) and its pose-gated aggregator with the gate loss."""
import pytest
import torch
from torch import nn

from mmactx.models import PoseGatedAggregator, PoseResNetTSM, gate_loss

pytestmark = pytest.mark.usefixtures('quiet_model_init')

T = 8  # frames per clip


def test_pose_backbone_is_tsm_resnet18_without_its_stem():
    torch.manual_seed(0)
    ours = PoseResNetTSM(52)
    ours.init_weights()
    ours.eval()  # mmaction2's ResNet.train() returns None: no chaining
    assert not hasattr(ours, 'conv1') and not hasattr(ours, 'maxpool')
    x = torch.rand(2 * T, 52, 56, 56)
    y = ours(x)
    assert y.shape == (2 * T, 512, 7, 7)
    # layer1..4 are mmaction2's ResNetTSM(18, shift_div=4), unchanged
    from mmaction.models.backbones import ResNetTSM
    theirs = ResNetTSM(18, num_segments=T, shift_div=4, pretrained2d=False)
    theirs.eval()
    missing, unexpected = theirs.load_state_dict(ours.state_dict(),
                                                 strict=False)
    assert all(k.startswith('conv1.') for k in missing)
    assert all(k.startswith('pose2feat.') for k in unexpected)
    with torch.no_grad():
        feat = ours.pose2feat(x)
        for name in theirs.res_layers:
            feat = getattr(theirs, name)(feat)
    torch.testing.assert_close(y, feat)


def test_temporal_shift_mixes_frames_of_one_clip_only():
    torch.manual_seed(0)
    model = PoseResNetTSM(5, depth=18)
    model.eval()
    x = torch.rand(2 * T, 5, 56, 56)
    changed = x.clone()
    changed[3] += 1  # clip 0, frame 3
    with torch.no_grad():
        diff = (model(changed) - model(x)).abs().flatten(1).amax(1)
    assert (diff[:T] > 0).sum() > 1  # the shift spreads it in time
    assert (diff[T:] == 0).all()  # the other clip is untouched


def test_frozen_stages_freeze_pose2feat():
    model = PoseResNetTSM(5, frozen_stages=1)
    model.train()
    assert not any(p.requires_grad for p in model.pose2feat.parameters())
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not model.pose2feat.bn.training


def _features(seed=0, n=6):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 16, 3, 3, generator=g),
            torch.rand(n, 16, 3, 3, generator=g))


def test_gated_fusion_by_its_formula():
    torch.manual_seed(0)
    agg = PoseGatedAggregator(16, 16).eval()
    agg.init_weights()
    rgb, pose = _features()
    out = agg(rgb, pose)
    a, p = rgb.mean((2, 3)), pose.mean((2, 3))

    def project(branch, v):
        conv, bn, _, norm = branch
        z = torch.relu(bn(conv(v[:, :, None, None])))
        return norm(z)

    g = torch.sigmoid(p @ agg.gate.weight.T + agg.gate.bias)
    torch.testing.assert_close(out['gate'], g)
    expected = (g[:, :, None, None] * project(agg.pose, p) +
                (1 - g[:, :, None, None]) * project(agg.rgb, a))
    torch.testing.assert_close(out['feature'], expected)
    # the gate reads pose alone
    other_rgb, _ = _features(seed=1)
    torch.testing.assert_close(agg(other_rgb, pose)['gate'], g)
    # every projection ends in LayerNorm over [C, 1, 1]
    assert isinstance(agg.rgb[-1], nn.LayerNorm)


def test_static_sum_variant():
    torch.manual_seed(0)
    agg = PoseGatedAggregator(16, 8, gated=False).eval()
    rgb, pose = _features()
    out = agg(rgb, pose)
    assert set(out) == {'feature'} and agg.gate is None
    torch.testing.assert_close(
        out['feature'],
        agg.rgb(rgb.mean((2, 3), keepdim=True)) +
        agg.pose(pose.mean((2, 3), keepdim=True)))
    with pytest.raises(ValueError, match='they must match'):
        PoseGatedAggregator(16, 8, gated=True)


def test_gate_loss_is_minus_lambda_log_g():
    g = torch.tensor([[0.5, 1.0], [0.25, 0.9]])
    expected = -1.5 * torch.log(g).mean()
    torch.testing.assert_close(gate_loss(g, 1.5), expected)
    torch.testing.assert_close(
        gate_loss(g, 5.0),
        5.0 * nn.functional.binary_cross_entropy(g, torch.ones_like(g)))
    assert torch.isfinite(gate_loss(torch.zeros(2, 2), 1.5))  # floored


def torchvision_names(state: dict) -> dict:
    """mmaction2 ResNet weights under torchvision's names (``conv1.weight``,
    ``bn1.*``, ``layer1.0.bn2.*``, ``layer2.0.downsample.0.weight``, ...),
    as in the ImageNet file ``resnet18-f37072fd.pth``."""
    out = {}
    for key, value in state.items():
        if key.endswith('num_batches_tracked'):
            continue
        name = key.replace('downsample.conv.', 'downsample.0.')
        name = name.replace('downsample.bn.', 'downsample.1.')
        for i in (1, 2):
            name = name.replace(f'conv{i}.conv.', f'conv{i}.')
            name = name.replace(f'conv{i}.bn.', f'bn{i}.')
        out[name] = value.clone()
    out['fc.weight'], out['fc.bias'] = torch.zeros(1000, 512), torch.zeros(
        1000)
    return out


def test_rgb_stream_starts_from_a_torchvision_imagenet_file(tmp_path):
    """The published initialisation without torchvision: the configs' RGB
    backbone with ``pretrained=<torchvision ResNet-18 file>`` and
    ``pretrained2d=True`` takes every convolution and BatchNorm of it."""
    from mmaction.models.backbones import ResNet, ResNetTSM
    torch.manual_seed(3)
    imagenet = ResNet(18, pretrained=None)
    for param in imagenet.state_dict().values():
        if param.is_floating_point():
            param.uniform_(-1, 1)
    path = str(tmp_path / 'resnet18-f37072fd.pth')
    torch.save(torchvision_names(imagenet.state_dict()), path)
    rgb = ResNetTSM(18, num_segments=T, shift_div=4, shift_place='blockres',
                    pretrained=path, pretrained2d=True)
    rgb.init_weights()
    loaded = {k.replace('.net', ''): v for k, v in rgb.state_dict().items()}
    for key, value in imagenet.state_dict().items():
        if not key.endswith('num_batches_tracked'):
            torch.testing.assert_close(loaded[key], value, rtol=0, atol=0)

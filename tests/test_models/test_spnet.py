"""SPNet (Luvizon et al., TPAMI'20): entry flow, pyramids, prediction
blocks and their soft-argmax outputs."""
import pytest
import torch
from mmengine.registry import init_default_scope

from mmactx.models.backbones.spnet import (ResidualUnit, SeparableConv2d,
                                           SPNet, SPNetEntryFlow)
from mmactx.registry import MODELS

# A tiny model for CPU tests: entry 8 -> 4 -> 8 -> 12, levels 12/16/20/24.
TINY = dict(stem_channels=8, growth=4, kernel_size=3)
J = 5


def tiny(**kwargs):
    torch.manual_seed(0)
    cfg = dict(TINY)
    cfg.update(kwargs)
    return SPNet(num_joints=J, **cfg)


def num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('pyramids,levels,expected', [(2, 4, 6), (1, 3, 2),
                                                      (8, 4, 24)])
def test_number_of_blocks(pyramids, levels, expected):
    model = tiny(num_pyramids=pyramids, num_levels=levels)
    assert model.num_blocks == expected == pyramids * (levels - 1)
    assert len(model.scaling_units) == expected


def test_block_levels_alternate_down_and_up():
    model = tiny(num_pyramids=3, num_levels=4)
    assert model.block_levels == [1, 2, 3, 2, 1, 0, 1, 2, 3]
    assert model.level_channels == [12, 16, 20, 24]
    assert model.size_divisor == 64


def test_separable_conv_and_residual_unit():
    conv = SeparableConv2d(6, 10, kernel_size=5, stride=2)
    assert conv.depthwise.groups == 6 and conv.depthwise.bias is None
    assert num_params(conv) == 6 * 25 + 6 * 10
    assert conv(torch.randn(2, 6, 8, 8)).shape == (2, 10, 4, 4)
    with pytest.raises(ValueError, match='odd'):
        SeparableConv2d(6, 10, kernel_size=4)
    same = ResidualUnit(6, 6, 5)
    assert same.shortcut is None
    assert same(torch.randn(2, 6, 8, 8)).shape == (2, 6, 8, 8)
    wider = ResidualUnit(6, 9, 3, separable=False)
    assert wider.shortcut is not None
    assert wider(torch.randn(2, 6, 8, 8)).shape == (2, 9, 8, 8)


def test_entry_flow_published_widths_divide_by_8():
    entry = SPNetEntryFlow()  # stem 64, growth 96
    widths = [m.out_channels for m in entry.layers
              if isinstance(m, ResidualUnit)]
    assert entry.layers[0].out_channels == 64
    assert widths == [96, 192, 192, 288, 288]
    assert entry.out_channels == 288
    with torch.no_grad():
        out = entry.eval()(torch.randn(1, 3, 64, 48))
    assert out.shape == (1, 288, 8, 6)  # 256 x 256 -> 32 x 32 x 288


def check_outputs(outputs, model, batch, size, dim):
    assert len(outputs) == model.num_blocks
    for out, level in zip(outputs, model.block_levels):
        side = size // (8 * 2**level)
        assert set(out) == {'coords', 'visibility', 'heatmaps', 'features',
                            'activations', 'level_features'}
        assert out['coords'].shape == (batch, J, dim)
        for key in ('activations', 'level_features'):
            assert out[key].shape == out['features'].shape
        assert out['visibility'].shape == (batch, J)
        assert out['heatmaps'].shape == (batch, J, side, side)
        assert out['features'].shape == (batch, model.level_channels[level],
                                         side, side)
        eps = 1e-6  # float32 rounding (a 2 x 2 map's visibility is its sum)
        assert ((out['coords'] >= 0) & (out['coords'] <= 1 + eps)).all()
        assert ((out['visibility'] >= 0)
                & (out['visibility'] <= 1 + eps)).all()
        assert (out['heatmaps'] >= 0).all()
        sums = out['heatmaps'].sum(dim=(-2, -1))
        torch.testing.assert_close(sums, torch.ones_like(sums))
        # a visibility is at least that of a flat map, 4 / (h w)
        assert (out['visibility'] >= 4 / side**2 - 1e-6).all()


def test_2d_outputs_shapes_and_ranges():
    model = tiny()
    outputs = model(torch.randn(2, 3, 128, 128))
    check_outputs(outputs, model, 2, 128, 2)
    # 2 pyramids: 16 -> 8 -> 4 -> 2 px down, then 4 -> 8 -> 16 px up
    assert [o['heatmaps'].shape[-1] for o in outputs] == [8, 4, 2, 4, 8, 16]


def test_single_and_odd_pyramid_counts_run():
    model = tiny(num_pyramids=1, num_levels=3)
    outputs = model(torch.randn(1, 3, 64, 64))
    check_outputs(outputs, model, 1, 64, 2)
    assert [o['heatmaps'].shape[-1] for o in outputs] == [4, 2]
    model = tiny(num_pyramids=3, num_levels=2)
    outputs = model(torch.randn(1, 3, 32, 32))
    check_outputs(outputs, model, 1, 32, 2)
    assert [o['heatmaps'].shape[-1] for o in outputs] == [2, 4, 2]


def test_3d_outputs_and_shared_2d_weights():
    model3d = tiny(with_depth=True, num_levels=3)
    outputs = model3d(torch.randn(2, 3, 64, 64))
    check_outputs(outputs, model3d, 2, 64, 3)
    for out in outputs:
        z = out['coords'][..., 2]
        assert ((z > 0) & (z < 1)).all()
    # the 2D model is the 3D one without its depth convolutions
    model2d = tiny(num_levels=3).eval()
    missing, unexpected = model3d.load_state_dict(model2d.state_dict(),
                                                  strict=False)
    assert not unexpected
    assert missing and all('.depth_' in key for key in missing)
    assert num_params(model3d) - num_params(model2d) == sum(
        2 * J * model3d.level_channels[lvl] for lvl in model3d.block_levels)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        out2d = model2d(x)
        out3d = model3d.eval()(x)
    # the first block's heatmaps come before any depth re-injection
    torch.testing.assert_close(out3d[0]['coords'][..., :2],
                               out2d[0]['coords'])
    torch.testing.assert_close(out3d[0]['heatmaps'], out2d[0]['heatmaps'])
    # later blocks see the re-injected depth maps
    assert not torch.allclose(out3d[-1]['heatmaps'], out2d[-1]['heatmaps'])


def test_gradients_reach_entry_flow_from_last_block():
    model = tiny(with_depth=True, num_levels=3)
    outputs = model(torch.randn(2, 3, 64, 64))
    outputs[-1]['coords'].sum().backward()
    stem = model.entry_flow.layers[0].weight
    assert stem.grad is not None and stem.grad.abs().sum() > 0
    # and every scaling unit and prediction block on the way
    for unit in model.scaling_units:
        assert unit.conv.pointwise.weight.grad.abs().sum() > 0
    for block in model.blocks:
        assert block.residual.conv.pointwise.weight.grad.abs().sum() > 0


def test_published_configuration():
    model = SPNet(num_joints=17, num_pyramids=2, num_levels=4,
                  with_depth=True)  # NTU multitask: pa17j3d, 2 x 4, 5 x 5
    assert model.level_channels == [288, 384, 480, 576]
    assert model.num_blocks == 6
    count = num_params(model)
    # Band: the 1 x 1 weights of the pyramids dominate (2 C^2 per block:
    # residual and sepconv pointwise; 2 C_in C_out per scaling unit:
    # shortcut and pointwise), plus the entry flow's 3 x 3 convolutions.
    # What they leave out (depthwise 5 x 5: 25 C per sepconv; BN: 2 C; the
    # entry's 1 x 1 and 7 x 7 convs; 5 J C per block for heatmaps, forward
    # and depth maps and their re-injection) is small, so the count must
    # lie between this estimate and 1.2 times it.
    chans = model.level_channels
    levels = model.block_levels
    pyramid = sum(2 * chans[lvl]**2 for lvl in levels)
    sources = [0, 1, 2, 3, 2, 1]
    pyramid += sum(2 * chans[s] * chans[d] for s, d in zip(sources, levels))
    entry = 9 * (96 * 48 + 2 * 192 * 96 + 2 * 288 * 144)
    estimate = pyramid + entry
    print(f'SPNet 2 x 4, 17 joints, 3D: {count} parameters '
          f'(dominant-term estimate {estimate})')
    assert estimate <= count <= 1.2 * estimate
    assert 5e6 < count < 8e6
    # fully convolutional: the published widths run on a small input
    model.eval()
    with torch.no_grad():
        outputs = model(torch.randn(1, 3, 128, 128))
    assert [o['features'].shape[1] for o in outputs] == [
        384, 480, 576, 480, 384, 288
    ]
    assert outputs[-1]['heatmaps'].shape == (1, 17, 16, 16)
    assert outputs[-1]['coords'].shape == (1, 17, 3)


def test_init_weights(quiet_model_init):
    model = tiny(with_depth=True)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.weight.data.fill_(0.5)
    model.init_weights()
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            assert (module.weight == 1).all() and (module.bias == 0).all()
    stem = model.entry_flow.layers[0].weight
    # Kaiming fan_out: std sqrt(2 / (8 * 49))
    assert 0.5 < stem.std().item() / (2 / (8 * 49))**0.5 < 1.5


def test_batch_equals_single_samples_in_eval():
    model = tiny(with_depth=True, num_levels=3).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        both = model(x)
        alone = [model(x[i:i + 1]) for i in range(2)]
    for b, out in enumerate(both):
        for key, value in out.items():
            for i in range(2):
                torch.testing.assert_close(value[i:i + 1], alone[i][b][key],
                                           rtol=1e-4, atol=1e-5)


def test_input_size_errors():
    model = tiny()  # 4 levels: multiples of 64, at least 128
    with pytest.raises(ValueError, match='multiples of .* = 64'):
        model(torch.randn(1, 3, 128, 96))
    with pytest.raises(ValueError, match='at least 128'):
        model(torch.randn(1, 3, 64, 64))
    with pytest.raises(ValueError, match=r'expected images \[N, 3, H, W\]'):
        model(torch.randn(1, 1, 128, 128))
    with pytest.raises(ValueError, match='num_levels'):
        tiny(num_levels=1)
    with pytest.raises(ValueError, match='num_pyramids'):
        tiny(num_pyramids=0)


def test_registered():
    init_default_scope('mmactx')
    model = MODELS.build(dict(type='SPNet', num_joints=3, **TINY))
    assert type(model) is SPNet and model.num_blocks == 6


# ------------------------------------------------------------ truncation
def modules_called(model, x, **kwargs):
    """Names of the submodules whose forward ran, in call order."""
    called = []
    handles = [
        module.register_forward_hook(
            lambda mod, inp, out, name=name: called.append(name))
        for name, module in model.named_modules() if name
    ]
    try:
        with torch.no_grad():
            outputs = model(x, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return outputs, called


@pytest.mark.parametrize('with_depth', [False, True])
def test_truncated_outputs_equal_first_blocks_of_full_run(with_depth):
    torch.manual_seed(0)
    model = tiny(num_pyramids=2, num_levels=3, with_depth=with_depth).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        full = model(x)
        assert len(full) == model.num_blocks == 4
        assert len(model(x, num_blocks=None)) == 4
        for k in range(1, model.num_blocks + 1):
            part = model(x, num_blocks=k)
            assert len(part) == k
            for got, want in zip(part, full[:k]):
                assert got.keys() == want.keys()
                for key in want:
                    torch.testing.assert_close(got[key], want[key],
                                               rtol=0, atol=0)


def test_truncation_does_less_work():
    model = tiny(num_pyramids=2, num_levels=3).eval()
    x = torch.randn(1, 3, 64, 64)
    counts = []
    for k in range(1, model.num_blocks + 1):
        _, called = modules_called(model, x, num_blocks=k)
        counts.append(len(called))
        # blocks and scaling units after block k never run
        for later in range(k, model.num_blocks):
            assert not any(
                name.startswith((f'blocks.{later}.',
                                 f'scaling_units.{later}.'))
                or name in (f'blocks.{later}', f'scaling_units.{later}')
                for name in called)
        assert f'blocks.{k - 1}' in called
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    _, full = modules_called(model, x)
    assert len(full) == counts[-1]
    # each further block adds exactly its scaling unit and block
    for k in range(1, model.num_blocks):
        added = (len(list(model.scaling_units[k].modules()))
                 + len(list(model.blocks[k].modules())))
        assert counts[k] - counts[k - 1] == added


def test_truncation_errors():
    model = tiny(num_pyramids=2, num_levels=3)
    x = torch.randn(1, 3, 64, 64)
    for bad in (0, -1, 5):
        with pytest.raises(ValueError, match=r'num_blocks must be in '
                           r'\[1, 4\] .* got ' + str(bad)):
            model(x, num_blocks=bad)
    for bad in (2.0, True, '2'):
        with pytest.raises(ValueError, match='num_blocks must be an int'):
            model(x, num_blocks=bad)


def test_level_features_are_the_first_reached_at_each_level():
    model = SPNet(num_joints=3, num_pyramids=2, num_levels=3,
                  stem_channels=8, growth=8, kernel_size=3).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        outputs = model(x)
        entry = model.entry_flow(x)
    for out, level in zip(outputs, model.block_levels):
        if level == 0:  # the entry flow, before any prediction block
            torch.testing.assert_close(out['level_features'], entry)
    # the same tensor for every block of a level, whatever the pyramid
    by_level = {}
    for out, level in zip(outputs, model.block_levels):
        first = by_level.setdefault(level, out['level_features'])
        assert out['level_features'] is first

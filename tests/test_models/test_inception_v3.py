"""InceptionV3: torchvision's transform_input and its ImageNet checkpoints.

torchvision cannot be installed here, so its checkpoint is written by hand:
the key names and shapes below are those of torchvision's
``torchvision/models/inception.py`` (``Inception3`` with ``aux_logits=True``
and 1000 classes), whose 27,161,264 parameters the test also checks.
"""
import glob
import os.path as osp
import pickle

import mmengine.runner.checkpoint as mmengine_checkpoint
import pytest
import torch
from mmengine.config import Config

import mmactx.models.backbones.inception_v3 as inception_module
from mmactx.models.backbones import InceptionV3
from mmactx.models.backbones.inception_v3 import transform_input
from mmactx.registry import MODELS
from mmactx.testing.pickles import FileToucher

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PARSING_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'eppnet', '*_parsing.py')))

# a sample of torchvision's Inception3 state-dict entries: stem, each block
# type, the last block and both classifier heads
TORCHVISION_SHAPES = {
    'Conv2d_1a_3x3.conv.weight': (32, 3, 3, 3),
    'Conv2d_1a_3x3.bn.running_var': (32, ),
    'Conv2d_4a_3x3.conv.weight': (192, 80, 3, 3),
    'Mixed_5b.branch1x1.conv.weight': (64, 192, 1, 1),
    'Mixed_5b.branch_pool.conv.weight': (32, 192, 1, 1),
    'Mixed_6a.branch3x3.conv.weight': (384, 288, 3, 3),
    'Mixed_6b.branch7x7_2.conv.weight': (128, 128, 1, 7),
    'Mixed_6e.branch7x7dbl_5.conv.weight': (192, 192, 1, 7),
    'Mixed_7a.branch7x7x3_4.conv.weight': (192, 192, 3, 3),
    'Mixed_7b.branch3x3_2a.conv.weight': (384, 384, 1, 3),
    'Mixed_7c.branch3x3dbl_3b.conv.weight': (384, 384, 3, 1),
    'Mixed_7c.branch_pool.bn.bias': (192, ),
}
# torchvision's heads, absent from InceptionV3
TORCHVISION_HEADS = {
    'AuxLogits.conv0.conv.weight': (128, 768, 1, 1),
    'AuxLogits.conv0.bn.weight': (128, ),
    'AuxLogits.conv0.bn.bias': (128, ),
    'AuxLogits.conv0.bn.running_mean': (128, ),
    'AuxLogits.conv0.bn.running_var': (128, ),
    'AuxLogits.conv0.bn.num_batches_tracked': (),
    'AuxLogits.conv1.conv.weight': (768, 128, 5, 5),
    'AuxLogits.conv1.bn.weight': (768, ),
    'AuxLogits.conv1.bn.bias': (768, ),
    'AuxLogits.conv1.bn.running_mean': (768, ),
    'AuxLogits.conv1.bn.running_var': (768, ),
    'AuxLogits.conv1.bn.num_batches_tracked': (),
    'AuxLogits.fc.weight': (1000, 768),
    'AuxLogits.fc.bias': (1000, ),
    'fc.weight': (1000, 2048),
    'fc.bias': (1000, ),
}
TORCHVISION_NUM_PARAMS = 27161264


def is_parameter(key):
    return not key.endswith(('running_mean', 'running_var',
                             'num_batches_tracked'))


def torchvision_state_dict(seed=0, with_num_batches_tracked=True):
    """A torchvision-named Inception3 ImageNet state dict of random values.

    The backbone keys are InceptionV3's own (the same names, checked
    against ``TORCHVISION_SHAPES``); the heads are added by hand. Running
    variances are positive, as a trained BatchNorm's are.
    """
    g = torch.Generator().manual_seed(seed)
    shapes = {k: tuple(v.shape)
              for k, v in InceptionV3().state_dict().items()}
    for key, shape in TORCHVISION_SHAPES.items():
        assert shapes[key] == shape, key
    shapes.update(TORCHVISION_HEADS)
    state = {}
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            if with_num_batches_tracked:
                state[key] = torch.tensor(1000, dtype=torch.long)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(shape, generator=g) * 0.05
    return state


def test_transform_input_is_torchvisions_formula():
    # one pixel per channel, hand-computed with the formula of
    # torchvision's Inception3._transform_input
    x = torch.tensor([1.0, -2.0, 0.5]).view(1, 3, 1, 1)
    expected = torch.tensor([
        1.0 * (0.229 / 0.5) + (0.485 - 0.5) / 0.5,
        -2.0 * (0.224 / 0.5) + (0.456 - 0.5) / 0.5,
        0.5 * (0.225 / 0.5) + (0.406 - 0.5) / 0.5,
    ]).view(1, 3, 1, 1)
    torch.testing.assert_close(transform_input(x), expected)
    # i.e. an ImageNet-normalised image v in [0, 1] becomes (v - 0.5) / 0.5
    v = torch.rand(2, 3, 4, 5)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    torch.testing.assert_close(transform_input((v - mean) / std),
                               (v - 0.5) / 0.5)


def test_forward_applies_transform_input_only_when_asked():
    assert InceptionV3().transform_input is False
    plain = InceptionV3()
    plain.init_weights()
    plain.eval()
    transformed = InceptionV3(transform_input=True)
    transformed.load_state_dict(plain.state_dict())
    transformed.eval()
    x = torch.randn(1, 3, 75, 75)
    with torch.no_grad():
        torch.testing.assert_close(transformed(x), plain(transform_input(x)))
        assert not torch.allclose(transformed(x), plain(x))


def test_transform_input_needs_three_channels():
    with pytest.raises(ValueError, match='3 RGB channels; got in_channels=1'):
        InceptionV3(in_channels=1, transform_input=True)


def test_hand_written_checkpoint_has_torchvisions_size():
    state = torchvision_state_dict()
    assert len(state) == 94 * 6 + 14 + 2  # 94 BasicConv2d, aux, fc
    numel = sum(v.numel() for k, v in state.items() if is_parameter(k))
    assert numel == TORCHVISION_NUM_PARAMS


@pytest.mark.parametrize('with_num_batches_tracked', [True, False])
def test_torchvision_checkpoint_loads_into_the_parsing_config(
        tmp_path, monkeypatch, with_num_batches_tracked):
    state = torchvision_state_dict(
        with_num_batches_tracked=with_num_batches_tracked)
    path = str(tmp_path / 'inception_v3_google.pth')
    torch.save(state, path)

    logs = []
    for module in (inception_module, mmengine_checkpoint):
        monkeypatch.setattr(module, 'print_log',
                            lambda msg, *a, **k: logs.append(str(msg)))

    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'eppnet', 'ntu120_xsub_parsing.py'))
    # what --cfg-options in the config's comment does
    cfg.merge_from_dict({
        'model.backbone.transform_input': True,
        'model.backbone.init_cfg.type': 'Pretrained',
        'model.backbone.init_cfg.checkpoint': path
    })
    model = MODELS.build(cfg.model)
    model.init_weights()
    backbone = model.backbone
    assert backbone.transform_input is True
    loaded = backbone.state_dict()
    for key, value in state.items():
        if key.startswith(('fc.', 'AuxLogits.')):
            assert key not in loaded
        else:
            torch.testing.assert_close(loaded[key], value, msg=key)
    # the recogniser's own head is untouched by torchvision's fc
    assert model.cls_head.fc_cls.weight.shape == (120, 2048)
    heads = len(TORCHVISION_HEADS) - (0 if with_num_batches_tracked else 2)
    assert any(f'ignored {heads} keys' in m and '(AuxLogits.*, fc.*)' in m
               for m in logs), logs
    assert not any('unexpected key' in m or 'missing keys' in m
                   for m in logs), logs

    # the loaded weights are the ones used: same features as torch's own
    # strict load of the file into a fresh backbone
    reference = InceptionV3(transform_input=True)
    reference.load_state_dict(torch.load(path, weights_only=True))
    scratch = InceptionV3(transform_input=True)
    scratch.init_weights()
    x = torch.randn(2, 3, 75, 75)
    for net in (backbone, reference, scratch):
        net.eval()
    with torch.no_grad():
        features = backbone(x)
        torch.testing.assert_close(features, reference(x))
        assert not torch.allclose(features, scratch(x))


def test_checkpoint_is_read_weights_only(tmp_path):
    marker = tmp_path / 'ran'
    state = torchvision_state_dict()
    state['meta'] = FileToucher(str(marker))
    path = str(tmp_path / 'evil.pth')
    torch.save(state, path)
    net = MODELS.build(dict(
        type='InceptionV3', transform_input=True,
        init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(pickle.UnpicklingError,
                       match='weights-only load refuses'):
        net.init_weights()
    assert not marker.exists()


@pytest.mark.parametrize('path', PARSING_CONFIGS, ids=osp.basename)
def test_parsing_configs_train_from_scratch_and_document_imagenet(path):
    cfg = Config.fromfile(path)
    assert cfg.model.backbone.transform_input is False
    assert 'init_cfg' not in cfg.model.backbone
    with open(path) as f:
        assert '_base_/parsing_inception.py' in f.read()
    with open(osp.join(ROOT, 'configs', 'eppnet', '_base_',
                       'parsing_inception.py')) as f:
        text = f.read()
    for option in ('model.backbone.transform_input=True',
                   'model.backbone.init_cfg.type=Pretrained',
                   'model.backbone.init_cfg.checkpoint='):
        assert option in text

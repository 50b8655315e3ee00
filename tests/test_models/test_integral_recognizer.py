"""IntegralAction's recognizer in its three modes, the frozen stage 3 and
tools/integralaction_merge.py."""
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmactx.models import gate_loss
from mmactx.registry import MODELS
from mmactx.testing import load_script
from mmactx.utils import InputError

pytestmark = pytest.mark.usefixtures('quiet_model_init')

T, K, SIZE = 8, 4, 112  # frames, classes, frame size (small for speed)


def model_cfg(mode: str) -> dict:
    cfg = dict(
        type='IntegralActionRecognizer', mode=mode, num_segments=T,
        cls_head=dict(type='TSMHead', num_classes=K, in_channels=512,
                      num_segments=T, dropout_ratio=0.5,
                      average_clips='prob'),
        data_preprocessor=dict(
            type='MultiModalDataPreprocessor',
            preprocessors=dict(
                imgs=dict(type='ActionDataPreprocessor', mean=[0., 0., 0.],
                          std=[255., 255., 255.], format_shape='NCHW'),
                keypoints=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW'))))
    if mode != 'pose_only':
        cfg['rgb_backbone'] = dict(type='ResNetTSM', depth=18,
                                   num_segments=T, shift_div=4,
                                   pretrained2d=False)
    if mode != 'rgb_only':
        cfg['pose_backbone'] = dict(type='PoseResNetTSM', in_channels=52)
        cfg['pose_maps'] = dict(layout='openpose', img_shape=(SIZE, SIZE))
    if mode == 'rgb+pose':
        cfg['aggregator'] = dict(type='PoseGatedAggregator')
    return cfg


def build(mode: str, seed: int = 0) -> torch.nn.Module:
    init_default_scope('mmactx')
    torch.manual_seed(seed)
    model = MODELS.build(model_cfg(mode))
    model.init_weights()
    return model


def batch(views: int = 1, labels=(0, 3)) -> dict:
    """Frames and OpenPose-18 keypoints (two persons) of len(labels)
    samples, ``views`` x T frames each."""
    g = torch.Generator().manual_seed(1)
    n = views * T
    imgs, kps = [], []
    for _ in labels:
        imgs.append(torch.randint(0, 256, (n, 3, SIZE, SIZE), generator=g,
                                  dtype=torch.uint8))
        xy = torch.rand(n, 2, 18, 2, generator=g) * (SIZE - 1)
        score = torch.rand(n, 2, 18, 1, generator=g)
        kps.append(torch.cat([xy, score], -1))
    samples = [ActionDataSample().set_gt_label(c) for c in labels]
    return dict(inputs=dict(imgs=imgs, keypoints=kps), data_samples=samples)


@pytest.mark.parametrize('mode', ['rgb_only', 'pose_only', 'rgb+pose'])
def test_each_stage_trains_and_predicts(mode):
    model = build(mode)
    model.train()
    data = model.data_preprocessor(batch(), training=True)
    losses = model(**data, mode='loss')
    assert ('loss_gate' in losses) == (mode == 'rgb+pose')
    assert torch.isfinite(sum(v for k, v in losses.items() if 'loss' in k))
    model.eval()
    with torch.no_grad():
        preds = model(**model.data_preprocessor(batch(views=2)),
                      mode='predict')
    for p in preds:  # 2 views averaged into one distribution
        assert p.pred_score.shape == (K, )
        torch.testing.assert_close(p.pred_score.sum(), torch.tensor(1.))
    # a stage holds only what it trains
    names = {k.split('.')[0] for k in model.state_dict()}
    assert names == {'rgb_only': {'rgb_backbone', 'cls_head'},
                     'pose_only': {'pose_backbone', 'cls_head'},
                     'rgb+pose': {'rgb_backbone', 'pose_backbone',
                                  'aggregator', 'cls_head'}}[mode]


def test_gate_loss_of_the_fused_stage():
    model = build('rgb+pose')
    model.train()
    data = model.data_preprocessor(batch(), training=True)
    torch.manual_seed(5)
    losses = model(**data, mode='loss')
    torch.manual_seed(5)  # the same dropout
    gate = model.extract_feat(data['inputs'])['gate']
    torch.testing.assert_close(losses['loss_gate'], gate_loss(gate, 1.5))


def test_stage3_freezes_both_backbones():
    model = build('rgb+pose')
    model.train()
    bn = model.pose_backbone.pose2feat.bn
    before = bn.running_mean.clone()
    data = model.data_preprocessor(batch(), training=True)
    losses = model(**data, mode='loss')
    total, _ = model.parse_losses(losses)
    total.backward()
    for backbone in (model.rgb_backbone, model.pose_backbone):
        assert all(p.grad is None and not p.requires_grad
                   for p in backbone.parameters())
    for part in (model.aggregator, model.cls_head):
        assert all(p.grad is not None for p in part.parameters())
    # BatchNorm statistics still follow the data (train mode), as published
    assert not torch.equal(bn.running_mean, before)
    unfrozen = MODELS.build(dict(model_cfg('rgb+pose'),
                                 freeze_backbones=False))
    assert all(p.requires_grad for p in unfrozen.parameters())


def test_mode_needs_its_parts():
    cfg = model_cfg('rgb+pose')
    del cfg['aggregator']
    with pytest.raises(ValueError, match="mode 'rgb\\+pose' needs "
                       'aggregator'):
        MODELS.build(cfg)
    with pytest.raises(ValueError, match='mode must be one of'):
        MODELS.build(dict(model_cfg('rgb_only'), mode='rgb'))


def save(model: torch.nn.Module, path) -> str:
    torch.save(dict(state_dict=model.state_dict(), meta={}), str(path))
    return str(path)


def test_merge_builds_the_stage3_start(tmp_path):
    tool = load_script('tools/integralaction_merge.py')
    rgb = save(build('rgb_only', seed=1), tmp_path / 'rgb.pth')
    pose = save(build('pose_only', seed=2), tmp_path / 'pose.pth')
    config = tmp_path / 'rgbpose.py'
    config.write_text(f'default_scope = "mmactx"\nmodel = '
                      f'{model_cfg("rgb+pose")!r}\n')
    out = str(tmp_path / 'merged.pth')
    tool.main([rgb, pose, '--out', out, '--config', str(config)])
    merged = torch.load(out, weights_only=True)
    model = build('rgb+pose', seed=3)
    model.load_state_dict(merged['state_dict'], strict=True)
    singles = {'rgb_backbone': torch.load(rgb, weights_only=True),
               'pose_backbone': torch.load(pose, weights_only=True)}
    for key, value in merged['state_dict'].items():
        part = key.split('.')[0]
        if part in singles:
            torch.testing.assert_close(
                value, singles[part]['state_dict'][key], rtol=0, atol=0)
    fresh = merged['meta']['integralaction_merge']['initialised']
    assert fresh and all(k.startswith(('aggregator.', 'cls_head.'))
                         for k in fresh)
    # the single-stream classifiers are not carried over
    assert not torch.equal(
        merged['state_dict']['cls_head.fc_cls.weight'],
        singles['rgb_backbone']['state_dict']['cls_head.fc_cls.weight'])

    # without --config: the published aggregator and classifier, at the
    # checkpoints' widths and classes, so the model loads it strictly too
    plain = str(tmp_path / 'plain.pth')
    tool.main([rgb, pose, '--out', plain])
    plain_state = torch.load(plain, weights_only=True)['state_dict']
    model.load_state_dict(plain_state, strict=True)
    for key, value in plain_state.items():
        if not key.startswith(('aggregator.', 'cls_head.')):
            torch.testing.assert_close(value, merged['state_dict'][key],
                                       rtol=0, atol=0)
    head_only = tmp_path / 'head_only.pth'
    torch.save(dict(state_dict={'cls_head.fc_cls.weight': torch.zeros(K, 512)
                                }), str(head_only))
    with pytest.raises(InputError, match='no rgb_backbone weights'):
        tool.main([str(head_only), pose, '--out', str(tmp_path / 'z.pth')])

    with pytest.raises(InputError, match='not a rgb_only checkpoint'):
        tool.main([pose, rgb, '--out', str(tmp_path / 'x.pth'), '--config',
                   str(config)])
    Config.fromfile(str(config))  # the config itself is valid
    with pytest.raises(InputError, match='not an IntegralAction rgb\\+pose '
                       'config'):
        bad = tmp_path / 'bad.py'
        bad.write_text(f'model = {model_cfg("rgb_only")!r}\n')
        tool.main([rgb, pose, '--out', str(tmp_path / 'y.pth'), '--config',
                   str(bad)])
    assert not (tmp_path / 'x.pth').exists()

"""Luvizon et al.'s multitask recognizer: pose and action batches told
apart by the ``task`` metainfo, deep-supervised pose losses, the action
losses through the whole model, predictions and alternating training."""
import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.registry import init_default_scope

from mmactx.models.multitask_recognizer import MultitaskRecognizer
from mmactx.registry import MODELS

pytestmark = pytest.mark.usefixtures('quiet_model_init')

J, A, T, SIZE = 5, 3, 4, 64  # joints, actions, frames, image side
# Tiny SPNet: levels 24/32/40 channels, 2 pyramids x 3 levels = 4 blocks,
# the last at level 0 (8 x 8 maps, 24 channels).
BACKBONE = dict(type='SPNet', num_joints=J, num_pyramids=2, num_levels=3,
                stem_channels=8, growth=8, kernel_size=3)


def build(with_depth: bool = False, seed: int = 0, **kwargs):
    init_default_scope('mmactx')
    torch.manual_seed(seed)
    dim = 3 if with_depth else 2
    cfg = dict(
        type='MultitaskRecognizer',
        backbone=dict(BACKBONE, with_depth=with_depth),
        action_head=dict(
            type='MultitaskActionHead', num_classes=A, pose_dim=dim,
            feat_channels=24, num_blocks=2, appearance_channels=8,
            pose_cfg=dict(stem_widths=(4, 4, 4), branch_widths=(8, 8),
                          branch_mid=4)),
        **kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def pose_batch(n=4, dim=2, z_valid=True, seed=1):
    g = torch.Generator().manual_seed(seed)
    imgs = torch.randn(n, 3, SIZE, SIZE, generator=g)
    samples = []
    for _ in range(n):
        s = ActionDataSample(metainfo=dict(task='pose'))
        s.gt_coords = torch.rand(J, dim, generator=g)
        valid = torch.ones(J, dim, dtype=torch.bool)
        if dim == 3 and not z_valid:
            valid[:, 2] = False
        valid[0] = False  # one unlabelled joint
        s.gt_coords_valid = valid
        s.gt_visible = (torch.rand(J, generator=g) > 0.3).float()
        samples.append(s)
    return dict(inputs=imgs, data_samples=samples)


def action_batch(labels=(0, 2), seed=2):
    g = torch.Generator().manual_seed(seed)
    clips = torch.randn(len(labels), T, 3, SIZE, SIZE, generator=g)
    samples = [ActionDataSample(metainfo=dict(task='action'))
               .set_gt_label(c) for c in labels]
    return dict(inputs=clips, data_samples=samples)


def grad_norm(module):
    return sum(p.grad.abs().sum() for p in module.parameters()
               if p.grad is not None)


def test_registered_and_checks_config():
    init_default_scope('mmactx')
    assert MODELS.get('MultitaskRecognizer') is MultitaskRecognizer
    model = build()
    assert model.action_block == model.backbone.num_blocks - 1 == 3
    with pytest.raises(ValueError, match='action_block'):
        build(action_block=4)
    with pytest.raises(ValueError, match='feat_channels'):
        build(action_block=0)  # level 1: 32 channels
    with pytest.raises(ValueError, match='pose_dim'):
        MODELS.build(dict(type='MultitaskRecognizer',
                          backbone=dict(BACKBONE, with_depth=True),
                          action_head=dict(type='MultitaskActionHead',
                                           num_classes=A, pose_dim=2,
                                           feat_channels=24)))


def test_pose_batch_loss_and_gradient():
    model = build()
    model.train()
    data = model.data_preprocessor(pose_batch(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_coord', 'loss_visibility'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    # deep supervision: the sum over the 4 blocks
    outs = model.backbone(data['inputs'])
    target, valid, visible = model._pose_targets(data['data_samples'],
                                                 outs[0]['coords'])
    expected = sum(model.coord_loss(o['coords'], target, valid)
                   for o in outs)
    torch.testing.assert_close(losses['loss_coord'], expected)
    sum(losses.values()).backward()
    assert grad_norm(model.backbone.entry_flow) > 0
    assert grad_norm(model.backbone.blocks[0]) > 0
    assert grad_norm(model.action_head) == 0


def test_2d_labels_ignore_predicted_z():
    model = build(with_depth=True)
    model.train()
    two = pose_batch(dim=2)
    three = pose_batch(dim=3, z_valid=False)
    for s2, s3 in zip(two['data_samples'], three['data_samples']):
        s3.gt_coords = torch.cat(
            [s2.gt_coords, torch.full((J, 1), float('nan'))], -1)
        s3.gt_visible = s2.gt_visible
    with torch.no_grad():
        l2 = model(**two, mode='loss')
        l3 = model(**three, mode='loss')
        for s3 in three['data_samples']:  # z labelled: now it counts
            s3.gt_coords = s3.gt_coords.nan_to_num(0.5)
            s3.gt_coords_valid = torch.ones(J, 3, dtype=torch.bool)
            s3.gt_coords_valid[0] = False
        l3z = model(**three, mode='loss')
    torch.testing.assert_close(l2['loss_coord'], l3['loss_coord'])
    assert not torch.allclose(l2['loss_coord'], l3z['loss_coord'])
    # the z entries of 2D labels get no gradient through z
    coords = model.backbone(two['inputs'])[-1]['coords']
    target, valid, _ = model._pose_targets(two['data_samples'], coords)
    assert target.shape == (4, J, 3) and not valid[..., 2].any()
    coords.retain_grad()
    model.coord_loss(coords, target, valid).backward()
    assert (coords.grad[..., 2] == 0).all()
    assert coords.grad[..., :2].abs().sum() > 0


def test_action_batch_loss_reaches_head_and_backbone():
    model = build()
    model.train()
    data = model.data_preprocessor(action_batch(), training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_pose_1', 'loss_pose_2',
                           'loss_appearance_1', 'loss_appearance_2',
                           'loss_fused'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert grad_norm(model.action_head.pose_branch) > 0
    assert grad_norm(model.action_head.appearance_branch) > 0
    assert grad_norm(model.backbone.entry_flow) > 0
    assert grad_norm(model.backbone.blocks[-1]) > 0
    # the action losses train the last block's heatmap convolution too
    assert grad_norm(model.backbone.blocks[-1].heatmap_conv) > 0


def test_pose_replica_keeps_action_gradients_off_the_pose_convolutions():
    model = build(with_depth=True, pose_replica=True)
    model.train()
    block = model.backbone.blocks[model.action_block]
    # a copy of the pose convolutions after initialisation
    torch.testing.assert_close(model.replica_heatmap.weight,
                               block.heatmap_conv.weight)
    torch.testing.assert_close(model.replica_depth.weight,
                               block.depth_conv.weight)
    data = model.data_preprocessor(action_batch(), training=True)
    with torch.no_grad():  # so the replica reads the same poses
        poses, _ = model.action_outputs(data['inputs'])
    sum(model(**data, mode='loss').values()).backward()
    for conv in (block.heatmap_conv, block.depth_conv):
        assert conv.weight.grad is None or not conv.weight.grad.any()
    assert grad_norm(model.replica_heatmap) > 0
    assert grad_norm(model.replica_depth) > 0
    assert grad_norm(model.backbone.entry_flow) > 0  # the shared trunk
    assert poses[model.action_block]['level_features'].shape[2] == 24
    # the pose losses still train the pose convolutions, not the replica
    model.zero_grad()
    pose = model.data_preprocessor(pose_batch(dim=3), training=True)
    sum(model(**pose, mode='loss').values()).backward()
    assert grad_norm(block.heatmap_conv) > 0
    assert model.replica_heatmap.weight.grad is None


def test_pose_replica_is_copied_from_a_pose_checkpoint():
    pose_model = build(with_depth=True, seed=1)
    state = {k: v for k, v in pose_model.state_dict().items()
             if k.startswith('backbone.')}  # a pose model's checkpoint
    model = build(with_depth=True, seed=2, pose_replica=True)
    missing, _ = model.load_state_dict(state, strict=False)
    assert not any(k.startswith('replica') for k in missing)
    block = pose_model.backbone.blocks[-1]
    torch.testing.assert_close(model.replica_heatmap.weight,
                               block.heatmap_conv.weight)
    torch.testing.assert_close(model.replica_depth.weight,
                               block.depth_conv.weight)
    # a checkpoint that has the replica keeps its own
    trained = dict(model.state_dict())
    trained['replica_heatmap.weight'] = torch.zeros_like(
        trained['replica_heatmap.weight'])
    model.load_state_dict(trained)
    assert not model.replica_heatmap.weight.any()


def test_predict_and_tensor_modes():
    model = build(with_depth=True)
    model.eval()
    K = model.backbone.num_blocks
    with torch.no_grad():
        preds = model(**action_batch(), mode='predict')
        poses = model(**pose_batch(n=3), mode='predict')
        feats = model(**action_batch(), mode='tensor')
        frames = model(pose_batch(n=3)['inputs'], mode='tensor')
    assert len(preds) == 2
    for p in preds:
        assert p.pred_score.shape == (A,)
        torch.testing.assert_close(p.pred_score.sum(), torch.tensor(1.))
        assert p.pred_label.item() == p.pred_score.argmax().item()
        assert p.pred_coords.shape == (K, T, J, 3)
        assert p.pred_visibility.shape == (K, T, J)
    assert len(poses) == 3
    for p in poses:
        assert p.pred_coords.shape == (K, J, 3)
        assert p.pred_visibility.shape == (K, J)
        assert ((p.pred_coords >= 0) & (p.pred_coords <= 1)).all()
    assert len(feats) == K
    assert feats[-1]['features'].shape == (2, T, 24, 8, 8)
    assert feats[-1]['heatmaps'].shape == (2, T, J, 8, 8)
    assert len(frames) == K and frames[0]['coords'].shape == (3, J, 3)


def test_pose_predictions_in_image_pixels_and_depth():
    model = build(with_depth=True).eval()
    batch = pose_batch(n=2, dim=3)
    # crop = image scaled by 0.5 and shifted: image -> crop pixels
    matrix = np.array([[0.5, 0., -10.], [0., 0.5, -20.]])
    for sample in batch['data_samples']:
        sample.set_metainfo(dict(crop_matrix=matrix, input_size=(SIZE, SIZE),
                                 root_depth=3.0, depth_span=2.0))
    with torch.no_grad():
        preds = model(**batch, mode='predict')
    K = model.backbone.num_blocks
    for p in preds:
        crop = p.pred_coords.double() * SIZE  # [K, J, 3] crop pixels
        want_xy = (crop[..., :2] + torch.tensor([10., 20.])) / 0.5
        blocks = p.pred_instances.block_keypoints
        assert blocks.shape == (1, K, J, 3)
        torch.testing.assert_close(blocks[0, ..., :2].double(), want_xy,
                                   rtol=1e-5, atol=1e-4)
        torch.testing.assert_close(
            blocks[0, ..., 2], (p.pred_coords[..., 2] - 0.5) * 2.0 + 3.0)
        torch.testing.assert_close(p.pred_instances.keypoints,
                                   blocks[:, -1])
        assert p.pred_instances.keypoint_scores.shape == (1, J)
    # without the crop's metainfo the poses stay crop targets
    with torch.no_grad():
        bare = model(**pose_batch(n=1, dim=3), mode='predict')[0]
    torch.testing.assert_close(bare.pred_instances.block_keypoints[0],
                               bare.pred_coords)


@pytest.mark.parametrize('average', ['prob_product', 'prob'])
def test_views_combine_their_probabilities(average):
    model = build(average_views=average).eval()
    single = action_batch(labels=(0, 1, 2, 1))
    with torch.no_grad():
        each = torch.stack([p.pred_score for p in
                            model(**single, mode='predict')])
        views = dict(inputs=single['inputs'].reshape(2, 2, T, 3, SIZE, SIZE),
                     data_samples=action_batch()['data_samples'])
        preds = model(**views, mode='predict')
    each = each.reshape(2, 2, A)
    if average == 'prob':
        want = each.mean(1)
    else:
        want = each.prod(1) / each.prod(1).sum(-1, keepdim=True)
    for p, w in zip(preds, want):
        torch.testing.assert_close(p.pred_score, w, rtol=1e-4, atol=1e-6)
        assert 'pred_coords' not in p  # multi-view dumps stay small
    with pytest.raises(ValueError, match='average_views'):
        build(average_views='max')

    with pytest.raises(ValueError, match=r'clips \[N, T, 3, H, W\], got'):
        model(views['inputs'], views['data_samples'], mode='loss')


def test_pose_estimator_without_action_head():
    init_default_scope('mmactx')
    model = MODELS.build(dict(type='MultitaskRecognizer', backbone=BACKBONE))
    losses = model(**pose_batch(n=2), mode='loss')
    assert set(losses) == {'loss_coord', 'loss_visibility'}
    with pytest.raises(ValueError, match='no action_head'):
        model(**action_batch(), mode='loss')


def test_refuses_missing_or_mixed_task():
    model = build()
    pose, action = pose_batch(n=2), action_batch()
    mixed = pose['data_samples'][:1] + action['data_samples'][:1]
    with pytest.raises(ValueError, match='mixes pose and action'):
        model(pose['inputs'], mixed, mode='loss')
    bare = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    with pytest.raises(ValueError, match="has no 'task' metainfo"):
        model(action['inputs'], bare, mode='predict')
    wrong = [ActionDataSample(metainfo=dict(task='video'))]
    with pytest.raises(ValueError, match="task 'video'"):
        model(action['inputs'], wrong, mode='loss')
    with pytest.raises(ValueError, match="'task' metainfo"):
        model(action['inputs'], None, mode='loss')
    # the task decides, and the shapes must agree with it
    with pytest.raises(ValueError, match=r'clips \[N, T, 3, H, W\]'):
        model(pose['inputs'], action['data_samples'], mode='loss')
    del pose['data_samples'][0].gt_visible
    with pytest.raises(ValueError, match="'gt_visible'"):
        model(**pose, mode='loss')


def test_alternating_training_lowers_both_losses():
    model = build(with_depth=True, seed=3)
    model.train()
    pose = model.data_preprocessor(pose_batch(dim=2), training=True)
    action = model.data_preprocessor(action_batch(labels=(0, 1, 2)),
                                     training=True)
    optim = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = dict(pose=[], action=[])
    for step in range(20):
        key, data = ('pose', pose) if step % 2 == 0 else ('action', action)
        losses = model(**data, mode='loss')
        total = sum(losses.values())
        optim.zero_grad()
        total.backward()
        optim.step()
        history[key].append(total.item())
    for key, values in history.items():
        assert all(torch.isfinite(torch.tensor(values))), key
    # overfitting the two fixed batches (seed 3: pose 1.97 -> 1.34,
    # action 6.1 -> 0.2 here)
    assert history['pose'][-1] < 0.9 * history['pose'][0], history
    assert history['action'][-1] < 0.5 * history['action'][0], history

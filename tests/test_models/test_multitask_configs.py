"""configs/multitask: every config builds its model and pipelines, the
published settings of Luvizon et al., and the synthetic config's data
through one alternating step and its two-task validation."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmactx.datasets import save_annotations
from mmactx.datasets.synthetic_video import generate_multitask_dataset
from mmactx.registry import MODELS, TRANSFORMS
from mmactx.testing.schedules import epoch_lrs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'multitask', '*.py')))
NTU = osp.join(ROOT, 'configs/multitask/ntu60_xsub_spnet_multitask.py')
MPII = osp.join(ROOT, 'configs/multitask/mpii_spnet_2d.py')
SYNTHETIC = osp.join(ROOT, 'configs/multitask/synthetic_multitask.py')

pytestmark = pytest.mark.usefixtures('quiet_model_init')


def pipelines(cfg):
    """Every pipeline of every loader (the parts of a ConcatDataset too)."""
    for loader in ('train', 'val', 'test'):
        dataset = cfg[f'{loader}_dataloader']['dataset']
        for part in dataset.get('datasets', [dataset]):
            yield f'{loader}: {part.type}', part.pipeline


def test_the_issues_configs_exist():
    assert {osp.basename(p) for p in CONFIGS} >= {
        'mpii_spnet_2d.py', 'h36m_spnet_3d.py',
        'ntu60_xsub_spnet_multitask.py', 'synthetic_multitask.py',
        'synthetic_spnet_pose.py'}


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_model_and_pipelines_build(path):
    init_default_scope('mmactx')
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model.backbone.num_joints == cfg.num_joints
    for _, pipeline in pipelines(cfg):
        Compose([TRANSFORMS.build(t) for t in pipeline])
    # the crops are the model's input size, and the layout has its joints
    for _, pipeline in pipelines(cfg):
        crops = [t for t in pipeline if t['type'] == 'CropAffine']
        assert [tuple(t['input_size']) for t in crops] == [cfg.input_size]
        assert all(t['layout'] == cfg.layout for t in crops)


def test_ntu_published_settings():
    cfg = Config.fromfile(NTU)
    backbone = cfg.model.backbone
    assert (backbone.num_pyramids, backbone.num_levels, backbone.growth,
            backbone.with_depth) == (2, 4, 96, True)
    assert cfg.input_size == (256, 256) and cfg.clip_len == 8
    head = cfg.model.action_head
    assert head.feat_channels == 3 * 96 and head.pose_dim == 3
    assert head.loss_weights == dict(pose=0.1, appearance=0.1, fused=0.1)
    assert cfg.model.average_views == 'prob_product'
    train = cfg.train_dataloader
    assert train.batch_sampler == dict(type='AlternatingBatchSampler',
                                       batch_sizes=[32, 4])
    pose, action = train.dataset.datasets
    assert pose.split == action.split == 'xsub_train'
    assert cfg.test_dataloader.dataset.split == 'xsub_val'
    sampler = action.pipeline[0]
    assert (sampler.strides, sampler.frame_step) == ((3, 4, 5), 2)
    test = cfg.test_dataloader.dataset.pipeline
    assert (test[0].test_stride, test[0].test_start_step) == (4, 7)
    assert 'AppendFlipViews' in [t['type'] for t in test]
    for part in (pose, action):
        box = [t for t in part.pipeline if t['type'] == 'BoxFromKeypoints']
        jitter = [t for t in part.pipeline if t['type'] == 'RandomCropJitter']
        assert box[0]['scale'] == 1.5
        assert jitter[0]['scales'] == (0.7, 1., 1.3)
        assert jitter[0]['shift'] == (40., 10.)
        assert jitter[0].get('rotation', 0) == 0  # no rotation on NTU
    targets = [t for t in pose.pipeline if t['type'] == 'PoseCoordTargets']
    assert targets[0]['depth_span'] == 2.0  # +-1000 mm
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.nesterov) == ('SGD', 1e-3, 0.9, True)
    # x0.1 at epochs 58 and 70 of the joint stage that starts at epoch 20
    lrs = epoch_lrs(cfg, cfg.train_cfg.max_epochs)
    assert cfg.train_cfg.max_epochs == 90 - 20
    np.testing.assert_allclose(lrs[[0, 37, 38, 49, 50, 69]],
                               [1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5])


def test_mpii_published_settings():
    cfg = Config.fromfile(MPII)
    assert cfg.model.get('action_head') is None  # a pose estimator
    assert cfg.model.data_preprocessor.to_rgb  # LoadImageFromFile: BGR
    assert cfg.train_dataloader.batch_size == 24
    jitter = cfg.train_dataloader.dataset.pipeline[1]
    assert (jitter.rotation, jitter.rotation_step, jitter.scales,
            jitter.flip_ratio) == (40., 5., (0.7, 1., 1.3), 0.5)
    assert cfg.val_dataloader.dataset.headbox_file.endswith(
        'mpii_gt_val.mat')
    assert cfg.val_evaluator == [dict(type='MultiBlockPCKh', thr=0.5)]
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr) == ('RMSprop', 1e-3)
    lrs = epoch_lrs(cfg, 120)
    np.testing.assert_allclose(lrs[[0, 79, 80, 99, 100, 119]],
                               [1e-3, 1e-3, 2e-4, 2e-4, 4e-5, 4e-5])


def test_synthetic_config_alternates_and_validates_both_tasks(tmp_path):
    init_default_scope('mmactx')
    videos = str(tmp_path / 'videos')
    records, split = generate_multitask_dataset(2, 1, videos, seed=3,
                                                num_classes=2)
    ann = str(tmp_path / 'mt.pkl')
    save_annotations(ann, records, split, num_classes=6)
    cfg = Config.fromfile(SYNTHETIC)
    for loader in ('train', 'val'):
        for part in cfg[f'{loader}_dataloader'].dataset.datasets:
            part.update(ann_file=ann, data_prefix=dict(video=videos))
        cfg[f'{loader}_dataloader'].update(num_workers=0)
    cfg.train_dataloader.batch_sampler.batch_sizes = [2, 2]
    model = MODELS.build(cfg.model)
    model.init_weights()
    batches = list(Runner.build_dataloader(cfg.train_dataloader, seed=0))
    tasks = [[s.metainfo['task'] for s in b['data_samples']]
             for b in batches]
    assert tasks == [['pose', 'pose'], ['action', 'action']] * 2
    pose = model.data_preprocessor(batches[0], True)
    assert pose['inputs'].shape == (2, 3, *cfg.input_size[::-1])
    assert set(model(**pose, mode='loss')) == {'loss_coord',
                                               'loss_visibility'}
    action = model.data_preprocessor(batches[1], True)
    assert action['inputs'].shape == (2, 8, 3, *cfg.input_size[::-1])
    # frames normalised to [-1, 1]
    assert -1 <= action['inputs'].min() and action['inputs'].max() <= 1
    assert 'loss_fused' in model(**action, mode='loss')

    model.eval()
    evaluator = Evaluator(cfg.val_evaluator)
    with torch.no_grad():
        for batch in Runner.build_dataloader(cfg.val_dataloader, seed=0):
            evaluator.process(model.val_step(batch), batch)
    metrics = evaluator.evaluate(4)
    assert metrics['acc/top1'] in (0, 0.5, 1)
    assert 0 < metrics['pose/error2d'] < 100
    assert {'pose/error2d_block0', 'pose/error_depth'} <= set(metrics)

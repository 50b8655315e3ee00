"""Every config builds its model, runs a forward, and its pipelines agree
with the skeleton layouts."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmaction.structures import ActionDataSample
from mmengine.dataset import Compose

from mmactx.registry import MODELS, TRANSFORMS
from mmactx.skeletons import COCO, COCO_POSEC3D_LIMBS, get_layout
from mmactx.testing.schedules import epoch_lrs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def configs(folder):
    return sorted(p for p in glob.glob(
        osp.join(ROOT, 'configs', folder, '*.py')))


CONFIGS = configs('posec3d')
GCN_CONFIGS = [p for p in configs('eppnet') if not p.endswith('_parsing.py')]
PARSING_CONFIGS = [p for p in configs('eppnet') if p.endswith('_parsing.py')]
BENCHMARKS = ('ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset')


def test_there_are_configs():
    names = {osp.basename(p) for p in CONFIGS}
    eppnet = {osp.basename(p) for p in GCN_CONFIGS + PARSING_CONFIGS}
    for split in BENCHMARKS:
        assert {f'{split}_joint.py', f'{split}_limb.py'} <= names
        assert {f'{split}_{s}.py' for s in ('joint', 'bone', 'joint_motion',
                                            'bone_motion', 'parsing')
                } <= eppnet


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_forwards(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmactx'
    assert cfg.custom_imports['imports'] == ['mmactx']
    model = MODELS.build(cfg.model)
    model.eval()
    num_classes = cfg.model.cls_head.num_classes
    x = torch.rand(2, 2, 17, 8, 32, 32)  # 2 samples x 2 views
    samples = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    with torch.no_grad():
        preds = model(x, samples, mode='predict')
    scores = torch.stack([p.pred_score for p in preds])
    assert scores.shape == (2, num_classes)
    # average_clips='prob': each prediction is a distribution
    torch.testing.assert_close(scores.sum(1), torch.ones(2))


def fake_record(frames=60):
    rng = np.random.RandomState(0)
    kp = rng.uniform(300, 700, (1, 1, 17, 2)) + rng.normal(
        0, 20, (2, frames, 17, 2))
    return dict(
        frame_dir='x', label=0, total_frames=frames, start_index=0,
        modality='Pose', img_shape=(1080, 1920),
        keypoint=kp.astype(np.float16),
        keypoint_score=rng.rand(2, frames, 17).astype(np.float16))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_pipelines_and_layout_lists(path):
    cfg = Config.fromfile(path)
    test = cfg.test_dataloader.dataset.pipeline
    heat = next(t for t in test if t['type'] == 'GeneratePoseTarget')
    flip = next(t for t in cfg.train_dataloader.dataset.dataset.pipeline
                if t['type'] == 'Flip')
    assert tuple(flip['left_kp']) == COCO.left
    assert tuple(flip['right_kp']) == COCO.right
    assert heat['double'] is True
    if heat.get('with_limb'):
        assert tuple(map(tuple, heat['skeletons'])) == COCO_POSEC3D_LIMBS
        assert (tuple(heat['left_limb']), tuple(heat['right_limb'])) == \
            COCO.limb_flip_pairs(COCO_POSEC3D_LIMBS)
    sample = Compose([TRANSFORMS.build(t) for t in test])(fake_record())
    clips = next(t for t in test if t['type'] == 'UniformSampleFrames')
    inputs = sample['inputs']
    assert inputs.shape[0] == 2 * clips['num_clips']  # clips x flips
    assert inputs.shape[1:3] == (17, clips['clip_len'])
    train = cfg.train_dataloader.dataset.dataset.pipeline
    out = Compose([TRANSFORMS.build(t) for t in train])(fake_record())
    assert out['inputs'].shape[:3] == (1, 17, clips['clip_len'])


def gcn_train_dataset(cfg):
    """The train dataset of a config, under its RepeatDataset if any."""
    dataset = cfg.train_dataloader.dataset
    return dataset.dataset if dataset.type == 'RepeatDataset' else dataset


def gcn_window(pipeline):
    """Frames per sample of a GCN pipeline: ValidCropResize's window or the
    frame sampler's clip_len (NW-UCLA's PoolSampleFrames)."""
    for t in pipeline:
        if t['type'] == 'ValidCropResize':
            return t['window']
        if t['type'] in ('PoolSampleFrames', 'UniformSampleFrames'):
            return t['clip_len']
    raise AssertionError(f'no frame sampler in {pipeline}')


@pytest.mark.parametrize('path', GCN_CONFIGS, ids=osp.basename)
def test_gcn_config_builds_forwards_and_its_pipelines_fit(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmactx'
    backbone = cfg.model.backbone
    layout = get_layout(backbone.layout)
    m, v = backbone.num_person, layout.num_joints
    rng = np.random.RandomState(0)
    kp = rng.normal(0, 0.3, (m, 50, v, 3)).astype(np.float16)
    record = dict(frame_dir='x', label=0, total_frames=50, start_index=0,
                  modality='Pose', keypoint=kp)
    stream = next(t for t in cfg.test_dataloader.dataset.pipeline
                  if t['type'] == 'SkeletonFeatures')
    assert stream['layout'] == backbone.layout
    window = gcn_window(cfg.test_dataloader.dataset.pipeline)
    inputs = []
    for pipeline in (gcn_train_dataset(cfg).pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        out = Compose([TRANSFORMS.build(t) for t in pipeline])(
            dict(record, keypoint=kp.copy()))
        assert out['inputs'].shape == (1, m, window, v, 3)
        inputs.append(out['inputs'])

    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    samples = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    with torch.no_grad():
        preds = model(torch.stack(inputs).float(), samples, mode='predict')
    scores = torch.stack([p.pred_score for p in preds])
    assert scores.shape == (2, cfg.model.cls_head.num_classes)
    assert torch.isfinite(scores).all()


@pytest.mark.parametrize('path', PARSING_CONFIGS, ids=osp.basename)
def test_parsing_config_builds_and_forwards(path):
    cfg = Config.fromfile(path)
    steps = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert steps[:2] == ['LoadParsingMaps', 'ParsingFeatureMap']
    test = cfg.test_dataloader.dataset.pipeline
    assert test[0]['test_mode'] is True
    assert cfg.test_dataloader.dataset.split.endswith('_val')
    model = MODELS.build(cfg.model)
    model.eval()
    x = torch.randint(0, 255, (2, 1, 3, 75, 75)).float()  # smallest input
    samples = [ActionDataSample().set_gt_label(0) for _ in range(2)]
    with torch.no_grad():
        preds = model(model.data_preprocessor(
            dict(inputs=list(x), data_samples=samples))['inputs'], samples,
            mode='predict')
    assert torch.stack([p.pred_score for p in preds]).shape == (
        2, cfg.model.cls_head.num_classes)


def test_eppnet_schedules_are_the_published_ones():
    pose = Config.fromfile(osp.join(ROOT, 'configs/eppnet/ntu60_xsub_bone.py'))
    assert pose.train_cfg.max_epochs == 65
    expected = [0.1 * min(e + 1, 5) / 5 * 0.1**((e >= 35) + (e >= 55))
                for e in range(65)]  # warm-up, x0.1 at 35 and 55
    np.testing.assert_allclose(epoch_lrs(pose, 65), expected, rtol=1e-6)
    assert pose.optim_wrapper.optimizer.nesterov is True
    assert pose.optim_wrapper.optimizer.weight_decay == 4e-4

    parsing = Config.fromfile(
        osp.join(ROOT, 'configs/eppnet/ntu120_xset_parsing.py'))
    assert parsing.train_cfg.max_epochs == 45
    expected = [0.03 * 0.1**sum(e >= m for m in (10, 20, 30, 40))
                for e in range(45)]
    np.testing.assert_allclose(epoch_lrs(parsing, 45), expected, rtol=1e-6)

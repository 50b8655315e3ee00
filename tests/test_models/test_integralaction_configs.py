"""configs/integralaction: every config builds, its pipelines feed its model
(frames and keypoints of the same instants, cropped and flipped together),
and the stages have the published settings."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmactx.registry import MODELS, TRANSFORMS
from mmactx.skeletons import get_layout
from mmactx.testing.schedules import epoch_lrs
from mmactx.visualization import write_video

pytestmark = pytest.mark.usefixtures('quiet_model_init')

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'integralaction',
                                    '*.py')))
DATASETS = ('kinetics50', 'mimetics50', 'ntu60_xsub', 'synthetic')
STAGES = {'rgb_only': 'rgb_only', 'pose_only': 'pose_only',
          'rgbpose': 'rgb+pose'}


def config(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', 'integralaction',
                                    f'{name}.py'))


def stage_of(path: str) -> str:
    return next(s for s in STAGES if osp.basename(path).endswith(f'{s}.py'))


def test_every_dataset_has_every_stage():
    names = {osp.basename(p) for p in CONFIGS}
    assert {f'{d}_{s}.py' for d in DATASETS for s in STAGES} == names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_stage_model_and_pose_maps_agree(path):
    cfg = Config.fromfile(path)
    model = cfg.model
    assert model.mode == STAGES[stage_of(path)]
    assert (model.get('rgb_backbone') is None) == (model.mode ==
                                                   'pose_only')
    assert (model.get('aggregator') is None) == (model.mode != 'rgb+pose')
    flips = [t for t in cfg.train_dataloader.dataset.pipeline
             if t['type'] == 'Flip']
    assert len(flips) == 1
    if model.mode == 'rgb_only':
        return
    layout = get_layout(model.pose_maps.layout)
    # pose maps: J joint heatmaps + 2 channels per PAF limb
    assert model.pose_backbone.in_channels == layout.num_joints + 2 * len(
        layout.limbs)
    assert flips[0]['layout'] == model.pose_maps.layout
    img = [t for t in cfg.test_dataloader.dataset.pipeline
           if t['type'] == 'CenterCrop'][0]['crop_size']
    assert tuple(model.pose_maps.img_shape) == (img, img)


def test_published_channels_and_stages():
    assert config('kinetics50_pose_only').model.pose_backbone.in_channels \
        == 52  # OpenPose-18, 17 limbs
    assert config('ntu60_xsub_pose_only').model.pose_backbone.in_channels \
        == 73  # NTU-25, 24 limbs
    for dataset in ('kinetics50', 'ntu60_xsub'):
        lrs = {}
        for stage in STAGES:
            cfg = config(f'{dataset}_{stage}')
            opt = cfg.optim_wrapper.optimizer
            assert (opt.type, opt.momentum, opt.weight_decay) == ('SGD', 0.9,
                                                                  1e-4)
            assert cfg.train_cfg.max_epochs == 30
            assert cfg.train_dataloader.batch_size == 8
            assert cfg.auto_scale_lr.base_batch_size == 32  # 8 x 4 GPUs
            lrs[stage] = epoch_lrs(cfg, 30)
            rgb = cfg.model.get('rgb_backbone')
            if rgb is not None:
                assert (rgb.depth, rgb.num_segments, rgb.shift_div) == (18, 8,
                                                                        4)
        base = {'rgb_only': 5e-3, 'pose_only': 5e-3, 'rgbpose': 5e-4}
        for stage, per_epoch in lrs.items():
            want = [base[stage] * 0.1 ** ((e >= 21) + (e >= 26))
                    for e in range(30)]
            np.testing.assert_allclose(per_epoch, want, rtol=1e-6)
        fused = config(f'{dataset}_rgbpose').model
        assert fused.freeze_backbones and fused.gate_loss_weight == 1.5
        assert fused.aggregator.gated
    mimetics = config('mimetics50_rgbpose')
    assert mimetics.test_dataloader.dataset.split == 'test'
    assert mimetics.model == config('kinetics50_rgbpose').model


def record(tmp_path, layout: str, img_shape, video_shape, frames: int = 70):
    """A record of two persons in ``layout`` (pixels of ``img_shape``) and
    its video of ``video_shape`` (h, w): a bright square following person
    0's first joint, so that frame and keypoints can be checked to agree."""
    rng = np.random.default_rng(0)
    joints = get_layout(layout).num_joints
    (h, w), (vh, vw) = img_shape, video_shape
    kp = rng.uniform(0.3, 0.7, (2, frames, joints, 2)) * [w, h]
    video = np.zeros((frames, vh, vw, 3), np.uint8)
    for t in range(frames):
        x, y = kp[0, t, 0] * [vw / w, vh / h]
        video[t, int(y) - 3:int(y) + 4, int(x) - 3:int(x) + 4] = 255
    path = str(tmp_path / 'clip.mp4')
    write_video(video, path, 30)
    return dict(frame_dir='clip', filename=path, label=1,
                total_frames=frames, img_shape=img_shape,
                original_shape=img_shape, start_index=0,
                keypoint=kp.astype(np.float32),
                keypoint_score=np.full((2, frames, joints), 0.9, np.float32))


FORMATS = {  # stage-3 config: (layout, annotation (h, w), video (h, w))
    'kinetics50_rgbpose': ('openpose', (256, 340), (96, 128)),
    'ntu60_xsub_rgbpose': ('nturgb+d', (1080, 1920), (108, 192)),
    'synthetic_rgbpose': ('coco', (96, 96), (96, 96)),
}


@pytest.mark.parametrize('name', sorted(FORMATS))
def test_pipelines_feed_the_model(name, tmp_path):
    cfg = config(name)
    layout, img_shape, video_shape = FORMATS[name]
    rec = record(tmp_path, layout, img_shape, video_shape)
    size = cfg.model.pose_maps.img_shape[0]
    model = MODELS.build(cfg.model)
    model.init_weights()
    packed = {}
    for loader in ('train', 'test'):
        dataset = cfg[f'{loader}_dataloader'].dataset
        pipeline = Compose([TRANSFORMS.build(t) for t in dataset.pipeline])
        out = pipeline(dict(rec))
        views = 1 if loader == 'train' else 10
        imgs, kps = out['inputs']['imgs'], out['inputs']['keypoints']
        assert imgs.shape == (views * 8, 3, size, size)
        assert kps.shape == (views * 8, 5, get_layout(layout).num_joints, 3)
        # the bright square is where person 0's first joint is
        for frame, kp in zip(imgs[:8], kps[:8, 0, 0]):
            x, y = int(round(float(kp[0]))), int(round(float(kp[1])))
            if 4 <= x < size - 4 and 4 <= y < size - 4:
                assert frame[:, y, x].float().mean() > 150
        packed[loader] = out
    # one training step's losses and a 10-clip prediction
    data = model.data_preprocessor(pseudo_collate([packed['train']]),
                                   training=True)
    losses = model(**data, mode='loss')
    assert {'loss_cls', 'loss_gate'} <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    data = model.data_preprocessor(pseudo_collate([packed['test']]))
    with torch.no_grad():
        pred = model(**data, mode='predict')[0]
    assert pred.pred_score.shape == (cfg.model.cls_head.num_classes, )
    torch.testing.assert_close(pred.pred_score.sum(), torch.tensor(1.))

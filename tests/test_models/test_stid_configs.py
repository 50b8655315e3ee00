"""configs/stid: every config builds, its pipeline feeds its model, and the
schedules are the published ones."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from mmactx.registry import MODELS, TRANSFORMS
from mmactx.skeletons import get_layout
from mmactx.testing.schedules import epoch_lrs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'stid', '*.py')))
BENCHMARKS = ('ntu60_xsub', 'ntu60_xview', 'ntu120_xsub', 'ntu120_xset',
              'nwucla_xview')
MODELS_ = ('gd', 'jdd', 'add', 'lad', 'fdd', 'fuse5')


def test_every_benchmark_has_every_model():
    names = {osp.basename(p) for p in CONFIGS}
    assert {f'{b}_{m}.py' for b in BENCHMARKS for m in MODELS_} <= names
    assert 'synthetic_ntu3d_fuse5.py' in names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_pipeline_feeds_the_model(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.base_channels = 4  # the width option
    cfg.model.cls_head.in_channels = 16
    model = MODELS.build(cfg.model).eval()
    dataset = cfg.test_dataloader.dataset
    layout = get_layout(dataset.pipeline[0]['layout'])
    assert layout.num_joints == dataset.num_keypoints
    rng = np.random.default_rng(0)
    kp = rng.normal(0, 0.3, (2, 40, layout.num_joints, 3))
    pipeline = Compose([TRANSFORMS.build(t) for t in dataset.pipeline])
    packed = [pipeline(dict(keypoint=kp.astype(np.float32), label=1))
              for _ in range(2)]
    data = model.data_preprocessor(
        dict(inputs=[p['inputs'] for p in packed],
             data_samples=[p['data_samples'] for p in packed]))
    descriptors = dataset.pipeline[0]['descriptors']
    assert data['inputs'].shape == (2, len(descriptors), 3, 112, 112)
    with torch.no_grad():
        preds = model(**data, mode='predict')
    score = preds[0].pred_score
    score = score['fused'] if isinstance(score, dict) else score
    assert score.shape == (dataset.num_classes, )
    torch.testing.assert_close(score.sum(), torch.tensor(1.))


def test_published_settings():
    cfg = Config.fromfile(osp.join(ROOT, 'configs/stid/ntu60_xsub_gd.py'))
    assert cfg.model.backbone.base_channels == 256
    assert cfg.model.cls_head.loss_cls == dict(type='SoftTargetLoss',
                                               target=0.8, other=0.1)
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=1e-4,
                                               weight_decay=0.)
    assert cfg.train_dataloader.batch_size == 32
    assert cfg.model.data_preprocessor.get('mean') is None  # raw 0-255
    # NTU: 1e-4 for epochs 1-5, halved at epochs 6, 7, 8, then every 3
    lrs = epoch_lrs(cfg, 17)
    halvings = [0] * 5 + [1, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6]
    expected = 1e-4 * 0.5**np.array(halvings)
    np.testing.assert_allclose(lrs, expected)
    ucla = Config.fromfile(osp.join(ROOT,
                                    'configs/stid/nwucla_xview_fuse5.py'))
    np.testing.assert_allclose(epoch_lrs(ucla, 30), 1e-4)  # constant
    assert ucla.model.cls_head.descriptors == ('gd', 'fdd', 'jdd', 'add',
                                               'lad')
    assert ucla.test_dataloader.dataset.pipeline[0]['descriptors'] == (
        ucla.model.cls_head.descriptors)

"""ChunkedMMRecognizer3D: RGBPose-Conv3D's test views in chunks give the
same scores as all views at once (small random inputs, the published
model)."""
import copy
import os.path as osp

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from mmactx.models.mm_recognizer import ChunkedMMRecognizer3D
from mmactx.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def model_cfg() -> dict:
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'rgbpose', 'ntu60_xsub_rgbpose.py'))
    return copy.deepcopy(cfg.model.to_dict())


@pytest.fixture(scope='module')
def models():
    """The published RGBPose-Conv3D as mmaction2's MMRecognizer3D and as
    ChunkedMMRecognizer3D (2 views at a time), with the same weights."""
    torch.manual_seed(0)
    ref = MODELS.build(dict(model_cfg(), type='MMRecognizer3D',
                            test_cfg=None, _scope_='mmaction'))
    assert type(ref).__module__.startswith('mmaction.')
    chunked = MODELS.build(dict(model_cfg(), type='ChunkedMMRecognizer3D',
                                test_cfg=dict(max_testing_views=2)))
    assert isinstance(chunked, ChunkedMMRecognizer3D)
    chunked.load_state_dict(ref.state_dict())
    # non-trivial BatchNorm statistics, so that eval mode matters
    for bn in (m for m in chunked.modules()
               if isinstance(m, torch.nn.BatchNorm3d)):
        bn.running_mean.uniform_(-0.1, 0.1)
        bn.running_var.uniform_(0.5, 1.5)
    ref.load_state_dict(chunked.state_dict())
    return ref.eval(), chunked.eval()


def batch(samples: int, views: int) -> dict:
    """A collated test batch: RGB 64^2 and heatmaps 16^2 (small frames at
    the published clip lengths)."""
    g = torch.Generator().manual_seed(1)
    rgb = torch.randint(0, 256, (samples, views, 3, 8, 64, 64),
                        generator=g).float()
    pose = torch.rand(samples, views, 17, 32, 16, 16, generator=g)
    labels = [ActionDataSample().set_gt_label(i) for i in range(samples)]
    return dict(inputs=dict(imgs=list(rgb), heatmap_imgs=list(pose)),
                data_samples=labels)


def test_chunks_give_the_same_scores(models):
    ref, chunked = models
    data = batch(samples=2, views=3)  # chunks of 2 and 1 views
    with torch.no_grad():
        want = ref.test_step(copy.deepcopy(data))
        got = chunked.test_step(copy.deepcopy(data))
    assert len(got) == 2
    for g, w in zip(got, want):
        assert set(g.pred_score) == {'rgb', 'pose'}
        for stream in ('rgb', 'pose'):
            torch.testing.assert_close(g.pred_score[stream],
                                       w.pred_score[stream],
                                       rtol=1e-5, atol=1e-6)
            assert g.pred_score[stream].shape == (60, )


def test_features_keep_view_order_and_inputs(models):
    ref, chunked = models
    data = ref.data_preprocessor(batch(samples=2, views=3), training=False)
    inputs = data['inputs']
    shapes = {k: v.shape for k, v in inputs.items()}
    with torch.no_grad():
        got, _ = chunked.extract_feat(inputs, test_mode=True)
        assert {k: v.shape for k, v in inputs.items()} == shapes
        want, _ = ref.extract_feat(dict(inputs), test_mode=True)
        head, _ = chunked.extract_feat(inputs, stage='head', test_mode=True)
    assert len(got) == len(want) == 2
    for g, w in zip(got, want):
        assert g.shape[0] == 6  # 2 samples x 3 views, sample-major
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-5)
    assert set(head) == {'rgb', 'pose'} and head['rgb'].shape == (6, 60)


def test_training_and_unchunked_are_mmaction2s(models):
    ref, chunked = models
    data = ref.data_preprocessor(batch(samples=1, views=2), training=False)
    with torch.no_grad():
        for test_mode in (False, True):
            plain = copy.copy(chunked)
            plain.test_cfg = None if test_mode else plain.test_cfg
            got, _ = plain.extract_feat(dict(data['inputs']),
                                        test_mode=test_mode)
            want, _ = ref.extract_feat(dict(data['inputs']),
                                       test_mode=test_mode)
            for g, w in zip(got, want):
                torch.testing.assert_close(g, w)


def test_bad_views(models):
    _, chunked = models
    inputs = dict(imgs=torch.zeros(1, 3, 3, 8, 64, 64),
                  heatmap_imgs=torch.zeros(1, 2, 17, 32, 16, 16))
    with pytest.raises(ValueError, match='same batch size and number of '
                       'views'):
        chunked.extract_feat(inputs, test_mode=True)
    bad = copy.copy(chunked)
    bad.test_cfg = dict(max_testing_views=-1)
    with pytest.raises(ValueError, match='max_testing_views must be >= 1'):
        bad.extract_feat(inputs, test_mode=True)

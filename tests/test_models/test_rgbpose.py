"""RGBPose-Conv3D's configs (configs/rgbpose): each model builds, trains a
step and predicts on small random inputs, and the configs hold the
published settings."""
import os.path as osp
import random

import numpy as np
import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from mmactx.registry import MODELS
from mmactx.skeletons import COCO
from mmactx.testing.schedules import epoch_lrs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = ('rgb_only', 'pose_only', 'rgbpose')


def config(name: str) -> Config:
    """``configs/rgbpose/ntu60_xsub_{name}.py``."""
    return Config.fromfile(
        osp.join(ROOT, 'configs', 'rgbpose', f'ntu60_xsub_{name}.py'))


def inputs(name: str, samples: int = 2, views: int = 2) -> object:
    """Random uint8-range inputs of a config's model, at the published
    clip lengths but small frames (RGB 64^2, heatmaps 16^2: the RGB
    pathway downsamples 4x more than the pose pathway)."""
    g = torch.Generator().manual_seed(0)
    rgb = torch.randint(0, 256, (samples, views, 3, 8, 64, 64),
                        generator=g).float()
    pose = torch.rand(samples, views, 17, 32, 16, 16, generator=g)
    return {'rgb_only': rgb, 'pose_only': pose,
            'rgbpose': dict(imgs=rgb, heatmap_imgs=pose)}[name]


def batch(name: str, views: int, labels=(0, 1)) -> dict:
    """A collated batch as the data loader gives it to the preprocessor
    (training samples have one view, test samples several clips)."""
    x = inputs(name, samples=len(labels), views=views)
    samples = [ActionDataSample().set_gt_label(c) for c in labels]
    # pseudo_collate: a list per modality
    data = ({k: list(v) for k, v in x.items()} if isinstance(x, dict) else
            list(x))
    return dict(inputs=data, data_samples=samples)


@pytest.mark.parametrize('name', NAMES)
def test_model_builds_trains_and_predicts(name):
    cfg = config(name)
    assert cfg.default_scope == 'mmactx'
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    num_classes = 60
    model.train()
    data = model.data_preprocessor(batch(name, 1), training=True)
    losses = model(**data, mode='loss')
    names = {'rgbpose': {'rgb_loss_cls', 'pose_loss_cls'}}.get(
        name, {'loss_cls'})
    assert names <= set(losses)
    for key in names:
        assert torch.isfinite(losses[key])
    sum(losses[k] for k in names).backward()

    model.eval()
    with torch.no_grad():
        preds = model.test_step(batch(name, 2))
    assert len(preds) == 2
    for pred in preds:
        scores = pred.pred_score
        streams = scores if isinstance(scores, dict) else {'': scores}
        if name == 'rgbpose':
            assert set(streams) == {'rgb', 'pose'}
        for score in streams.values():
            # average_clips='prob': each stream's score is a distribution
            assert score.shape == (num_classes, )
            torch.testing.assert_close(score.sum(), torch.tensor(1.))


def pipelines(cfg: Config):
    """The train, val and test pipelines of a config."""
    train = cfg.train_dataloader.dataset
    train = train.dataset if train.type == 'RepeatDataset' else train
    return (train.pipeline, cfg.val_dataloader.dataset.pipeline,
            cfg.test_dataloader.dataset.pipeline)


def step(pipeline, kind):
    return next(t for t in pipeline if t['type'] == kind)


@pytest.mark.parametrize('name', NAMES)
def test_datasets_read_ntu60_2d_with_17_joints(name):
    cfg = config(name)
    assert cfg.ann_file == 'data/skeleton/ntu60_2d.pkl'
    train = cfg.train_dataloader.dataset
    train = train.dataset if train.type == 'RepeatDataset' else train
    for dataset, split in ((train, 'xsub_train'),
                           (cfg.val_dataloader.dataset, 'xsub_val'),
                           (cfg.test_dataloader.dataset, 'xsub_val')):
        assert dataset.type == 'PoseDataset'
        assert dataset.ann_file == cfg.ann_file
        assert dataset.split == split
        assert dataset.num_keypoints == 17
        if name != 'pose_only':
            assert dataset.data_prefix == dict(video='data/nturgbd_videos/')
    test = pipelines(cfg)[2]
    sampler = test[0]
    assert sampler['num_clips'] == 10 and sampler['test_mode'] is True


def test_rgbpose_pipelines_are_the_published_ones():
    cfg = config('rgbpose')
    for pipeline in pipelines(cfg):
        sampler = pipeline[0]
        assert sampler['type'] == 'MMUniformSampleFrames'
        assert sampler['clip_len'] == dict(RGB=8, Pose=32)
        assert [t['type'] for t in pipeline[1:3]] == ['MMDecode',
                                                      'MMCompact']
        heat = step(pipeline, 'GeneratePoseTarget')
        assert (heat['sigma'], heat['scaling']) == (0.7, 0.25)
        assert heat['with_kp'] and not heat['with_limb']
        pack = step(pipeline, 'PackActionInputs')
        assert tuple(pack['collect_keys']) == ('imgs', 'heatmap_imgs')
        assert step(pipeline, 'FormatShape')['input_format'] == 'NCTHW'
    train = pipelines(cfg)[0]
    assert [t['scale'] for t in train if t['type'] == 'Resize'] == [
        (256, 256), (224, 224)]
    flip = step(train, 'Flip')
    assert (tuple(flip['left_kp']), tuple(flip['right_kp'])) == (COCO.left,
                                                                 COCO.right)
    assert cfg.model.cls_head.loss_weights == [1., 1.]
    assert cfg.fusion_weights == dict(rgb=1., pose=1.)
    assert cfg.default_hooks.checkpoint.save_best == 'acc/RGBPose_1:1_top1'


def test_single_stream_pipelines_are_the_published_ones():
    rgb = config('rgb_only')
    for pipeline in pipelines(rgb):
        assert pipeline[0]['clip_len'] == dict(RGB=8)
        assert not any(t['type'] == 'GeneratePoseTarget' for t in pipeline)
    pose = config('pose_only')
    assert pose.model.backbone.temporal_strides == (1, 1, 1)
    for pipeline in pipelines(pose):
        assert pipeline[0]['type'] == 'UniformSampleFrames'
        assert pipeline[0]['clip_len'] == 32


def test_schedules_are_the_published_ones():
    rgbpose = config('rgbpose')
    assert rgbpose.train_cfg.max_epochs == 20
    assert rgbpose.train_dataloader.batch_size == 6
    assert rgbpose.auto_scale_lr.base_batch_size == 48
    expected = [0.0075 * 0.1**((e >= 12) + (e >= 16)) for e in range(20)]
    np.testing.assert_allclose(epoch_lrs(rgbpose, 20), expected, rtol=1e-6)
    assert rgbpose.optim_wrapper.optimizer.weight_decay == 1e-4
    for name, lr, wd, per_gpu in (('rgb_only', 0.15, 1e-4, 12),
                                  ('pose_only', 0.2, 3e-4, 16)):
        cfg = config(name)
        assert cfg.train_cfg.max_epochs == 18
        assert cfg.train_dataloader.dataset.times == 10  # "180 epochs"
        assert cfg.train_dataloader.batch_size == per_gpu
        assert cfg.auto_scale_lr.base_batch_size == 8 * per_gpu
        assert cfg.optim_wrapper.optimizer.lr == lr
        assert cfg.optim_wrapper.optimizer.weight_decay == wd
        (cosine, ) = cfg.param_scheduler
        assert cosine.type == 'CosineAnnealingLR' and cosine.T_max == 18


def mmactx_video_transforms() -> bool:
    """Whether mmactx's MMUniformSampleFrames / MMDecode / MMCompact are
    registered (mmaction2's decode with decord only and fail on numpy 2)."""
    from mmactx.registry import TRANSFORMS
    return all(
        TRANSFORMS.get(name).__module__.startswith('mmactx.')
        for name in ('MMUniformSampleFrames', 'MMDecode', 'MMCompact'))


def ntu_like_record(folder, frames: int = 40) -> dict:
    """A 2-person COCO-17 record in 1920x1080 pixels and its video, at
    1/10 of the size (as compressed videos are smaller than the
    annotation's img_shape), named ``<frame_dir>.mp4``; ``filename`` is set
    as PoseDataset does from ``data_prefix=dict(video=folder)``."""
    import cv2
    frame_dir = 'S001C001P001R001A001'
    writer = cv2.VideoWriter(
        str(folder / f'{frame_dir}.mp4'), cv2.VideoWriter_fourcc(*'mp4v'),
        30, (192, 108))
    rng = np.random.RandomState(0)
    for t in range(frames):
        writer.write(rng.randint(0, 256, (108, 192, 3), np.uint8))
    writer.release()
    kp = rng.uniform(600, 1300, (1, 1, 17, 2)) + rng.normal(
        0, 30, (2, frames, 17, 2))
    return dict(
        frame_dir=frame_dir, filename=str(folder / f'{frame_dir}.mp4'),
        label=3, total_frames=frames, start_index=0, img_shape=(1080, 1920),
        keypoint=kp.astype(np.float32),
        keypoint_score=rng.uniform(0.5, 1, (2, frames, 17)).astype(
            np.float32))


@pytest.mark.skipif(not mmactx_video_transforms(),
                    reason="mmactx's MM* video transforms are not there yet")
@pytest.mark.parametrize('name', NAMES)
def test_pipelines_make_the_models_inputs(name, tmp_path):
    from mmengine.dataset import Compose

    from mmactx.registry import TRANSFORMS
    cfg = config(name)
    record = ntu_like_record(tmp_path)
    train, _, test = pipelines(cfg)
    # [views, C, T, H, W] of each input: training 1 view of 224^2 (56^2
    # heatmaps); testing 10 clips, of 224^2 (rgb_only) or of the whole
    # 256^2 frame (rgbpose) or 64^2 heatmaps
    rgb, pose = (3, 8), (17, 32)
    expected = {
        'rgb_only': ({'': (1, *rgb, 224, 224)}, {'': (10, *rgb, 224, 224)}),
        'pose_only': ({'': (1, *pose, 56, 56)}, {'': (10, *pose, 64, 64)}),
        'rgbpose': ({'imgs': (1, *rgb, 224, 224),
                     'heatmap_imgs': (1, *pose, 56, 56)},
                    {'imgs': (10, *rgb, 256, 256),
                     'heatmap_imgs': (10, *pose, 64, 64)}),
    }[name]
    for pipeline, shapes in zip((train, test), expected):
        out = Compose([TRANSFORMS.build(t) for t in pipeline])(
            dict(record, modality='Pose'))
        got = out['inputs']
        got = got if isinstance(got, dict) else {'': got}
        assert {k: tuple(v.shape) for k, v in got.items()} == shapes
        assert out['data_samples'].gt_label.item() == 3


def test_dataset_finds_the_compressed_videos(tmp_path):
    """``data_prefix=dict(video='data/nturgbd_videos/')`` names each
    record's video ``data/nturgbd_videos/<frame_dir>.mp4``, as
    tools/data/compress_ntu_videos.py writes them (mmaction2's PoseDataset
    joins the prefix and MMDecode adds ``.mp4``); ``frame_dir`` stays the
    record's name."""
    from mmactx.datasets.annotation_io import save_annotations
    from mmactx.registry import DATASETS
    record = ntu_like_record(tmp_path)
    del record['filename']
    ann = str(tmp_path / 'ann.pkl')
    save_annotations(ann, [record], {'xsub_val': [record['frame_dir']]})
    cfg = config('rgbpose').test_dataloader.dataset
    dataset = DATASETS.build(dict(cfg, ann_file=ann, pipeline=[]))
    info = dataset.get_data_info(0)
    assert info['frame_dir'] == 'S001C001P001R001A001'
    assert info['filename'] == osp.join('data/nturgbd_videos',
                                        'S001C001P001R001A001.mp4')


DEVICE = osp.join(ROOT, 'configs', 'rgbpose', 'device',
                  'ntu60_xsub_rgbpose.py')


@pytest.mark.skipif(not mmactx_video_transforms(),
                    reason="mmactx's MM* video transforms are not there yet")
@pytest.mark.parametrize('split', ['train', 'test'])
def test_device_heatmaps_equal_the_cpu_pipelines(split, tmp_path):
    """configs/rgbpose/device: keypoint clips through the pipeline, volumes
    rendered by the data preprocessor, the same model inputs as the CPU
    config's (frames exactly, heatmaps within float error), the same
    random crops and flips included."""
    from mmengine.dataset import Compose

    from mmactx.registry import TRANSFORMS
    record = ntu_like_record(tmp_path)
    models, outs = {}, {}
    for name, cfg in (('cpu', config('rgbpose')),
                      ('device', Config.fromfile(DEVICE))):
        pipeline = Compose([
            TRANSFORMS.build(t)
            for t in cfg[f'{split}_dataloader'].dataset.pipeline])
        packed = []
        for seed in range(3):
            # frame sampling, the crop and the flip draw from these
            np.random.seed(seed)
            random.seed(seed)
            packed.append(pipeline(dict(record, modality='Pose')))
        models[name] = MODELS.build(cfg.model)
        data = dict(inputs={k: [p['inputs'][k] for p in packed]
                            for k in ('imgs', 'heatmap_imgs')},
                    data_samples=[p['data_samples'] for p in packed])
        if name == 'device':
            assert data['inputs']['heatmap_imgs'][0].shape[-1] == 3  # x y s
        outs[name] = models[name].data_preprocessor(
            data, training=split == 'train')['inputs']
    views = 1 if split == 'train' else 10
    size = 224 if split == 'train' else 256
    assert outs['device']['imgs'].shape == (3, views, 3, 8, size, size)
    assert outs['device']['heatmap_imgs'].shape == (3, views, 17, 32,
                                                    size // 4, size // 4)
    torch.testing.assert_close(outs['device']['imgs'], outs['cpu']['imgs'],
                               rtol=0, atol=0)
    torch.testing.assert_close(outs['device']['heatmap_imgs'],
                               outs['cpu']['heatmap_imgs'], rtol=0,
                               atol=1e-5)
    assert outs['cpu']['heatmap_imgs'].amax() > 0.5  # heatmaps were drawn
    # one model, one checkpoint format
    assert models['device'].state_dict().keys() == models[
        'cpu'].state_dict().keys()


def test_pack_pose_clips_needs_heatmap_imgs_among_collect_keys():
    from mmactx.datasets.transforms import PackPoseClips
    with pytest.raises(ValueError, match="'heatmap_imgs', which "
                       r"collect_keys \('imgs',\) lacks"):
        PackPoseClips(collect_keys=('imgs', ))

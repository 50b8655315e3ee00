"""tools/visualize_gate.py on a tiny rgb+pose IntegralAction model and a
PoseDataset of two short videos."""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmactx.datasets.annotation_io import save_annotations
from mmactx.registry import DATASETS, MODELS
from mmactx.testing import load_script
from mmactx.testing.scripts import ROOT
from mmactx.utils import InputError
from mmactx.visualization import write_video

pytestmark = pytest.mark.usefixtures('quiet_model_init')

T, K, SIZE, FRAMES = 8, 4, 64, 10  # clip, classes, input size, video
VIDEO_SHAPE = (48, 56)  # (h, w) of the videos, resized to SIZE x SIZE
NAMES = [('a/clip0', 1), ('clip1', 3)]


def model_cfg(mode: str = 'rgb+pose') -> dict:
    cfg = dict(
        type='IntegralActionRecognizer', mode=mode, num_segments=T,
        cls_head=dict(type='TSMHead', num_classes=K, in_channels=512,
                      num_segments=T, average_clips='prob'),
        rgb_backbone=dict(type='ResNetTSM', depth=18, num_segments=T,
                          shift_div=4, pretrained2d=False),
        data_preprocessor=dict(
            type='MultiModalDataPreprocessor',
            preprocessors=dict(
                imgs=dict(type='ActionDataPreprocessor', mean=[0., 0., 0.],
                          std=[255., 255., 255.], format_shape='NCHW'),
                keypoints=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW'))))
    if mode != 'rgb_only':
        cfg['pose_backbone'] = dict(type='PoseResNetTSM', in_channels=52,
                                    num_segments=T)
        cfg['pose_maps'] = dict(layout='openpose', img_shape=(SIZE, SIZE),
                                grid=16)
    if mode == 'rgb+pose':
        cfg['aggregator'] = dict(type='PoseGatedAggregator')
    return cfg


def write_data(root) -> str:
    """Two records of one OpenPose-18 person moving over a textured video;
    returns the annotation file."""
    rng = np.random.default_rng(0)
    h, w = VIDEO_SHAPE
    records = []
    for name, label in NAMES:
        base = rng.uniform([12, 10], [w - 12, h - 10], (1, 1, 18, 2))
        drift = np.linspace(0, 6, FRAMES)[None, :, None, None]
        kp = (base + drift + rng.normal(0, 1, (1, FRAMES, 18, 2))).astype(
            np.float32)
        score = rng.uniform(0.5, 1, (1, FRAMES, 18)).astype(np.float32)
        frames = rng.integers(0, 256, (FRAMES, h, w, 3), dtype=np.uint8)
        video = root / 'videos' / f'{name}.mp4'
        video.parent.mkdir(parents=True, exist_ok=True)
        write_video(list(frames), str(video), fps=10)
        records.append(dict(frame_dir=name, label=label,
                            total_frames=FRAMES, img_shape=VIDEO_SHAPE,
                            original_shape=VIDEO_SHAPE, keypoint=kp,
                            keypoint_score=score))
    ann = root / 'ann.pkl'
    save_annotations(str(ann), records)
    return str(ann)


def write_config(root, ann: str, mode: str = 'rgb+pose') -> str:
    pipeline = [
        dict(type='SampleFrames', clip_len=T, frame_interval=1,
             num_clips=1, test_mode=True),
        dict(type='ShareFrameInds'),
        dict(type='MMDecode'),
        dict(type='Resize', scale=(SIZE, SIZE), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='FormatFramePoses'),
        dict(type='PackActionInputs', collect_keys=('imgs', 'keypoints'))]
    dataset = dict(type='PoseDataset', ann_file=ann, pipeline=pipeline,
                   data_prefix=dict(video=str(root / 'videos')),
                   num_classes=K, test_mode=True)
    test_dataloader = dict(batch_size=1, num_workers=0, dataset=dataset,
                           sampler=dict(type='DefaultSampler',
                                        shuffle=False))
    path = root / f'{mode.replace("+", "")}.py'
    path.write_text(f'default_scope = "mmactx"\nmodel = {model_cfg(mode)!r}'
                    f'\ntest_dataloader = {test_dataloader!r}\n')
    return str(path)


@pytest.fixture(scope='module')
def vis():
    return load_script('tools/visualize_gate.py')


@pytest.fixture
def setup(tmp_path):
    """(config, checkpoint, model) of a randomly initialised rgb+pose
    model."""
    ann = write_data(tmp_path)
    config = write_config(tmp_path, ann)
    init_default_scope('mmactx')
    torch.manual_seed(0)
    model = MODELS.build(model_cfg())
    model.init_weights()
    # a gate that varies from frame to frame (the initial N(0, 0.01)
    # weights give 0.5 everywhere)
    torch.nn.init.normal_(model.aggregator.gate.weight, mean=0.02, std=0.05)
    ckpt = tmp_path / 'model.pth'
    torch.save({'state_dict': model.state_dict()}, str(ckpt))
    return config, str(ckpt), model.eval()


def test_pictures_and_gates_match_the_model(vis, setup, tmp_path, capsys):
    config, ckpt, model = setup
    labels = tmp_path / 'labels.txt'
    labels.write_text('wave\nclap\nkick\njump\n')
    out = tmp_path / 'gates'
    entries = vis.main([config, ckpt, '--out-dir', str(out), '--num', '2',
                        '--label-map', str(labels), '--size', '48'])
    printed = capsys.readouterr().out
    # pictures: T frames wide, named by index and frame_dir
    assert [p.name for p in sorted(out.glob('*.png'))] == [
        '0_a_clip0.png', '1_clip1.png']
    expected = vis.sheet_shape(T, (SIZE, SIZE), 48)
    assert expected[1] == T * 48 + (T + 1) * vis.GAP
    for entry in entries:
        img = cv2.imread(entry['image'])
        assert img.shape == expected
        assert img.std() > 10  # frames, not a blank sheet
    saved = json.loads((out / 'gates.json').read_text())
    assert saved['samples'] == json.loads(json.dumps(entries))
    # the numbers are the model's gate on the same inputs
    cfg = Config.fromfile(config)
    init_default_scope('mmactx')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    for (name, label), entry in zip(NAMES, saved['samples']):
        assert entry['frame_dir'] == name and entry['true_label'] == label
        assert entry['true_class'] == ['wave', 'clap', 'kick', 'jump'][label]
        data = model.data_preprocessor(
            pseudo_collate([dataset[entry['index']]]), False)
        with torch.no_grad():
            feats = model.extract_feat(data['inputs'])
            preds = model.cls_head.predict(feats['feature'],
                                           data['data_samples'],
                                           num_segs=T)
        gate = feats['gate'].view(1, T, -1).mean(-1)  # N x V = 1
        np.testing.assert_allclose(entry['gate_per_view'], gate.numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(entry['gate_per_frame'], gate[0].numpy(),
                                   rtol=1e-5, atol=1e-6)
        assert entry['mean_gate'] == pytest.approx(gate.mean().item(),
                                                   rel=1e-5)
        score = preds[0].pred_score
        assert entry['pred_label'] == int(score.argmax())
        assert entry['pred_prob'] == pytest.approx(score.max().item(),
                                                   rel=1e-5)
        line = f'{entry["index"]} {name}: true {entry["true_class"]}'
        assert line in printed
        assert ' '.join(f'{g:.2f}' for g in gate[0]) in printed


def test_refusals(vis, setup, tmp_path):
    config, ckpt, _ = setup
    out = tmp_path / 'out'
    rgb_only = write_config(tmp_path, str(tmp_path / 'ann.pkl'), 'rgb_only')
    with pytest.raises(InputError, match="only in IntegralAction's rgb\\+"
                       "pose model.*'IntegralActionRecognizer' in mode "
                       "'rgb_only'"):
        vis.main([rgb_only, ckpt, '--out-dir', str(out)])
    with pytest.raises(InputError, match='--indices 2: the test dataset has '
                       '2 samples'):
        vis.main([config, ckpt, '--out-dir', str(out), '--indices', '0',
                  '2'])
    with pytest.raises(InputError, match='not gated'):
        vis.main([config, ckpt, '--out-dir', str(out), '--cfg-options',
                  'model.aggregator.gated=False'])
    # a checkpoint of another model (the rgb_only stage) does not fit
    other = tmp_path / 'rgb_only.pth'
    torch.save({'state_dict': MODELS.build(model_cfg('rgb_only'))
                .state_dict()}, str(other))
    with pytest.raises(InputError, match='does not fit the model of the '
                       'config: .*weights of the model are missing'):
        vis.main([config, str(other), '--out-dir', str(out)])
    assert not out.exists() or not list(out.iterdir())
    # on the command line: one error paragraph and exit code 2
    proc = subprocess.run(
        [sys.executable, 'tools/visualize_gate.py', rgb_only, ckpt,
         '--out-dir', str(out)], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 2, proc.stderr
    assert 'visualize_gate.py: error: config' in proc.stderr
    assert 'Traceback' not in proc.stderr

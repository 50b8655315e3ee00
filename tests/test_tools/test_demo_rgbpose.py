"""demo/demo_skeleton.py with RGB+pose configs (RGBPose-Conv3D): RGB frames
decoded from the input video beside the poses, one window's frames per
window, the streams' scores fused by weights, and the refusals."""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmactx.apis import (SkeletonRecognizer, init_recognizer,
                         pipeline_reads_video, skeleton_record)
from mmactx.datasets.transforms import video as video_module
from mmactx.testing import load_script
from mmactx.testing.scripts import ROOT
from mmactx.utils import InputError

RGBPOSE = osp.join(ROOT, 'configs', 'rgbpose', 'ntu60_xsub_rgbpose.py')
NAMES = ['wave', 'squat', 'jump', 'punch']

# RGBPose-Conv3D shrunk to run in a second on a CPU (as in
# tests/test_models/test_rgbpose.py: the published architecture and
# pipeline, with fewer channels, blocks, frames, clips and pixels); the
# config's fusion weights are 2:1 so that the fusion is not a plain sum
TINY = '''
_base_ = [{base!r}]
num_classes = 4
clip_len = dict(RGB=2, Pose=8)
model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
        pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    cls_head=dict(in_channels=[256, 64], num_classes=num_classes))
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=clip_len, num_clips=2,
         test_mode=True),
    dict(type='MMDecode'{decode}),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='GeneratePoseTarget', sigma=0.7, use_score=True, with_kp=True,
         with_limb=False, scaling=0.25),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs')),
]
fusion_weights = dict(rgb=2., pose=1.)
'''


def write_config(path, decode=''):
    path.write_text(TINY.format(base=RGBPOSE, decode=decode))
    return str(path)


@pytest.fixture(scope='module')
def demo():
    return load_script('demo/demo_skeleton.py')


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """The tiny RGBPose config, a checkpoint of its random weights, a label
    map, and a 24-frame video of two synthetic actions with its poses."""
    root = tmp_path_factory.mktemp('rgbpose_demo')
    config = write_config(root / 'tiny_rgbpose.py')
    torch.manual_seed(0)
    model = init_recognizer(config)
    # larger head weights than the 0.01-std initialisation, so that the
    # streams' scores differ clearly
    for fc in (model.cls_head.fc_rgb, model.cls_head.fc_pose):
        torch.nn.init.normal_(fc.weight, std=1.)
    ckpt = str(root / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    labels = root / 'labels.txt'
    labels.write_text('\n'.join(NAMES) + '\n')
    video, poses = str(root / 'syn.mp4'), str(root / 'syn.npz')
    load_script('demo/make_synthetic_video.py').main([
        video, '--poses', poses, '--actions', 'wave', 'squat', '--frames',
        '12', '--size', '96', '128'
    ])
    return dict(root=root, config=config, ckpt=ckpt, labels=str(labels),
                video=video, poses=poses)


def run(demo, assets, out, *extra, video=None, config=None):
    return demo.main([
        video or assets['video'], str(out), '--config',
        config or assets['config'], '--checkpoint', assets['ckpt'],
        '--label-map', assets['labels'], '--pose-backend', 'precomputed',
        '--poses', assets['poses'], *extra
    ])


def frames_of(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def assert_fused(prediction, streams, weights, num_classes=4):
    """Every listed fused score is the weighted sum of the streams'
    scores of its class (all classes are listed: --topk 4)."""
    per_stream = {s: {p['label']: p['score'] for p in preds}
                  for s, preds in streams.items()}
    assert len(prediction) == num_classes
    for p in prediction:
        expected = sum(w * per_stream[s][p['label']]
                       for s, w in weights.items())
        assert p['score'] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    scores = [p['score'] for p in prediction]
    assert scores == sorted(scores, reverse=True)


def test_rgbpose_demo_fuses_the_streams_of_each_window(demo, assets,
                                                       monkeypatch):
    reads = []
    read_opencv = video_module._read_opencv

    def spy(path, inds):
        reads.append((path, inds.tolist()))
        return read_opencv(path, inds)

    monkeypatch.setattr(video_module, '_read_opencv', spy)
    out = assets['root'] / 'out.mp4'
    result = run(demo, assets, out, '--window', '12', '--stride', '6',
                 '--topk', '4')

    frames = frames_of(out)
    assert len(frames) == 24 and frames[0].shape == (96, 128, 3)
    original = frames_of(assets['video'])
    assert np.abs(frames[3].astype(int) - original[3]).max() > 100  # text
    saved = json.loads((assets['root'] / 'out.json').read_text())
    assert saved == json.loads(json.dumps(result))
    assert saved['rgb_frames'] is True
    # the config's fusion_weights
    weights = dict(rgb=2., pose=1.)
    assert saved['stream_weights'] == weights
    assert set(saved['stream_predictions']) == {'rgb', 'pose'}
    assert_fused(saved['prediction'], saved['stream_predictions'], weights)
    assert [(w['start_frame'], w['end_frame']) for w in saved['windows']] == [
        (0, 12), (6, 18), (12, 24)]
    for win in saved['windows']:
        assert_fused(win['prediction'], win['stream_predictions'], weights)
        for preds in win['stream_predictions'].values():
            assert preds[0]['name'] == NAMES[preds[0]['label']]
    assert len(saved['frame_labels']) == 24

    # the video's frames were read: the first frame (checked before the
    # poses), the whole video, then each window's frames only
    assert all(path == assets['video'] for path, _ in reads)
    inds = [i for _, i in reads]
    assert inds[0] == [0] and max(inds[1]) <= 23
    assert len(inds) == 2 + len(saved['windows'])
    for win, got in zip(saved['windows'], inds[2:]):
        assert win['start_frame'] <= min(got)
        assert max(got) < win['end_frame']


def test_stream_weights_option_replaces_the_configs(demo, assets):
    out = assets['root'] / 'weights.mp4'
    result = run(demo, assets, out, '--topk', '4', '--stream-weights',
                 'rgb=0.5', 'pose=3')
    weights = dict(rgb=.5, pose=3.)
    assert result['stream_weights'] == weights
    assert result['windows'][0]['prediction'] == result['prediction']
    assert_fused(result['prediction'], result['stream_predictions'], weights)


def test_recognizer_reads_the_frames_of_the_record_video(assets, tmp_path):
    """The RGB stream sees the video's frames: the same poses with the
    colours of the frames inverted change the RGB scores; a record without
    a video is refused."""
    model = init_recognizer(assets['config'], assets['ckpt'])
    recognizer = SkeletonRecognizer(model)
    assert recognizer.reads_video and recognizer.streams == ('rgb', 'pose')
    assert recognizer.stream_weights == dict(rgb=2., pose=1.)
    frames = frames_of(assets['video'])
    inverted = str(tmp_path / 'inverted.mp4')
    writer = cv2.VideoWriter(inverted, cv2.VideoWriter_fourcc(*'mp4v'), 30,
                             (128, 96))
    for frame in frames:
        writer.write(255 - frame)
    writer.release()
    from mmactx.apis import PrecomputedPoses, track_persons
    kp, score = track_persons(PrecomputedPoses(assets['poses']).frames)
    record = skeleton_record(kp, score, (96, 128), 'syn',
                             video=assets['video'])
    np.testing.assert_array_equal(record['video_frame_inds'], np.arange(24))
    fused, streams = recognizer.predict(record)
    np.testing.assert_allclose(fused, 2 * streams['rgb'] + streams['pose'],
                               rtol=1e-6)
    _, other = recognizer.predict(dict(record, filename=inverted))
    assert np.abs(other['rgb'] - streams['rgb']).max() > 1e-4

    window = skeleton_record(kp[:, 6:18], score[:, 6:18], (96, 128), 'syn',
                             video=assets['video'], start_frame=6)
    np.testing.assert_array_equal(window['video_frame_inds'],
                                  np.arange(6, 18))
    with pytest.raises(InputError, match=r"decodes RGB frames .* record "
                       r"'syn' names no video"):
        recognizer(skeleton_record(kp, score, (96, 128), 'syn'))


def test_mmaction2_decoder_cannot_decode_a_window(assets):
    """mmaction2's own MMDecode reads frame t of the video, not the
    window's: a window that does not start at frame 0 is refused."""
    model = init_recognizer(assets['config'], assets['ckpt'])
    steps = [dict(s) for s in model.cfg.test_pipeline]
    steps[1]['type'] = 'mmaction.MMDecode'
    recognizer = SkeletonRecognizer(model, pipeline=steps)
    assert recognizer.reads_video
    kp = np.zeros((1, 12, 17, 2), np.float32)
    record = skeleton_record(kp, np.ones(kp.shape[:3]), (96, 128), 'syn',
                             video=assets['video'], start_frame=6)
    with pytest.raises(InputError, match="not mmactx's MMDecode"):
        recognizer(record)


def test_pipeline_reads_video_is_read_from_the_config():
    from mmengine.config import Config
    for name, expected in (('rgbpose', True), ('rgb_only', True),
                           ('pose_only', False)):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', 'rgbpose',
                                       f'ntu60_xsub_{name}.py'))
        assert pipeline_reads_video(cfg.test_pipeline) is expected
    skeleton = Config.fromfile(osp.join(ROOT, 'configs', 'posec3d',
                                        'synthetic_joint.py'))
    assert not pipeline_reads_video(skeleton.test_pipeline)
    assert pipeline_reads_video([dict(type='mmaction.MMDecode')])
    # MMDecode of poses only reads no video
    assert not pipeline_reads_video([
        dict(type='MMUniformSampleFrames', clip_len=dict(Pose=32)),
        dict(type='MMDecode')
    ])


def listing(folder):
    return sorted(os.listdir(folder))


@pytest.mark.parametrize('extra,message', [
    (['--stream-weights', 'rgb=1', 'flow=1'],
     r"--stream-weights: .*unknown stream\(s\) \['flow'\]; the model's "
     r"streams are \['rgb', 'pose'\]"),
    (['--stream-weights', 'rgb=1'], r"no weight for \['pose'\]"),
    (['--stream-weights', 'rgb=-1', 'pose=1'], r'weights must be finite '
     r'and >= 0'),
    (['--stream-weights', 'rgb=0', 'pose=0'], r'all weights are 0'),
])
def test_bad_stream_weights_are_refused_before_any_work(
        demo, assets, tmp_path, extra, message, monkeypatch):
    def no_poses(*args, **kwargs):
        raise AssertionError('poses extracted before the weights were '
                             'checked')

    monkeypatch.setattr(demo, 'extract_poses', no_poses)
    with pytest.raises(InputError, match=message):
        run(demo, assets, tmp_path / 'out.mp4', *extra)
    assert listing(tmp_path) == []


@pytest.mark.parametrize('value', ['rgb', 'rgb=x', '=1'])
def test_malformed_stream_weights_are_option_errors(demo, assets, tmp_path,
                                                    value, capsys):
    with pytest.raises(SystemExit) as info:
        run(demo, assets, tmp_path / 'out.mp4', '--stream-weights', value)
    assert info.value.code == 2
    assert 'expected STREAM=NUMBER' in capsys.readouterr().err
    assert listing(tmp_path) == []


def test_stream_weights_of_a_single_stream_model_are_refused():
    config = osp.join(ROOT, 'configs', 'posec3d', 'synthetic_joint.py')
    model = init_recognizer(config)
    recognizer = SkeletonRecognizer(model)
    assert not recognizer.reads_video and recognizer.streams == ()
    with pytest.raises(InputError, match='has one score, not streams'):
        SkeletonRecognizer(model, stream_weights=dict(rgb=1.))


def test_undecodable_video_of_an_rgb_config_fails_before_any_output(
        demo, assets, tmp_path):
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'\x00\x00\x00\x18ftypmp42' + bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r'cannot decode video \S*broken'):
        run(demo, assets, tmp_path / 'out.mp4', video=str(bad))
    assert listing(tmp_path) == ['broken.mp4']


def test_video_the_configs_decoder_cannot_read_is_refused_early(
        demo, assets, tmp_path, monkeypatch):
    """OpenCV (the pose side) reads the video, but the config's RGB decoder
    does not: refused before the poses are extracted, naming the video."""
    def no_poses(*args, **kwargs):
        raise AssertionError('poses extracted before the video was checked')

    def unreadable(path, inds):
        raise InputError(f'OpenCV cannot open the video {path}')

    monkeypatch.setattr(demo, 'extract_poses', no_poses)
    monkeypatch.setattr(video_module, '_read_opencv', unreadable)
    with pytest.raises(InputError, match=r'cannot open the video \S*syn\.mp4'):
        run(demo, assets, tmp_path / 'out.mp4')
    assert listing(tmp_path) == []


@pytest.mark.skipif(importlib.util.find_spec('av') is not None,
                    reason='PyAV is installed')
def test_config_decoder_that_is_not_installed_is_an_input_error(
        demo, assets, tmp_path):
    config = write_config(tmp_path / 'pyav.py', decode=", backend='pyav'")
    with pytest.raises(InputError, match=r"test pipeline: .*MMDecode backend "
                       r"'pyav' needs the 'av' module.*pip install av"):
        run(demo, assets, tmp_path / 'out.mp4', config=config)
    assert listing(tmp_path) == ['pyav.py']


TINY_RGB_ONLY = '''
_base_ = [{base!r}]
model = dict(backbone=dict(base_channels=8, stage_blocks=(1, 1, 1, 1)),
             cls_head=dict(in_channels=256, num_classes=4))
test_pipeline = [
    dict(type='MMUniformSampleFrames', clip_len=dict(RGB=2), num_clips=2,
         test_mode=True),
    dict(type='MMDecode', backend='frames', video_root='data/videos'),
    dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(64, 64), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
'''


def test_rgb_only_config_reads_the_video_and_gives_one_score(
        demo, assets, tmp_path):
    """A single-stream RGB config (rgb_only's Recognizer3D) reads the
    frames too, from the demo's video even where the config decodes frame
    folders under a dataset root; its one score has no streams."""
    config = tmp_path / 'rgb_only.py'
    config.write_text(TINY_RGB_ONLY.format(base=osp.join(
        ROOT, 'configs', 'rgbpose', 'ntu60_xsub_rgb_only.py')))
    torch.manual_seed(0)
    model = init_recognizer(str(config))
    ckpt = str(tmp_path / 'rgb.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    recognizer = SkeletonRecognizer(model)
    assert recognizer.reads_video and recognizer.streams == ()
    result = demo.main([
        assets['video'], str(tmp_path / 'out.mp4'), '--config', str(config),
        '--checkpoint', ckpt, '--pose-backend', 'precomputed', '--poses',
        assets['poses'], '--topk', '4'
    ])
    assert result['rgb_frames'] is True
    assert 'stream_predictions' not in result
    assert sum(p['score'] for p in result['prediction']) == pytest.approx(
        1, abs=1e-5)
    with pytest.raises(InputError, match=r'--stream-weights: .*has one '
                       r'score, not streams'):
        demo.main([
            assets['video'], str(tmp_path / 'out2.mp4'), '--config',
            str(config), '--checkpoint', ckpt, '--pose-backend',
            'precomputed', '--poses', assets['poses'], '--stream-weights',
            'rgb=1'
        ])


@pytest.mark.slow
def test_published_rgbpose_config_from_the_command_line(assets, tmp_path):
    """The issue's command, ``python demo/demo_skeleton.py VIDEO OUT.mp4
    --config configs/rgbpose/ntu60_xsub_rgbpose.py --checkpoint CKPT``, with
    the published model (random weights, ~50 s on 2 CPU cores: 10 clips of
    8 RGB frames at 256^2 and 32 heatmaps at 64^2) and the config's 1:1
    fusion."""
    import subprocess
    import sys
    torch.manual_seed(0)
    model = init_recognizer(RGBPOSE)
    ckpt = str(tmp_path / 'rgbpose.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    del model
    out = tmp_path / 'out.mp4'
    proc = subprocess.run([
        sys.executable, osp.join(ROOT, 'demo', 'demo_skeleton.py'),
        assets['video'], str(out), '--config', RGBPOSE, '--checkpoint', ckpt,
        '--pose-backend', 'precomputed', '--poses', assets['poses'],
        '--topk', '60'
    ], cwd=ROOT, capture_output=True, text=True,
        env=dict(os.environ, OMP_NUM_THREADS='2'))
    assert proc.returncode == 0, proc.stderr
    saved = json.loads(out.with_suffix('.json').read_text())
    assert saved['rgb_frames'] is True
    assert saved['stream_weights'] == dict(rgb=1., pose=1.)
    assert_fused(saved['prediction'], saved['stream_predictions'],
                 saved['stream_weights'], num_classes=60)
    for preds in saved['stream_predictions'].values():
        # average_clips='prob': each stream's scores are a distribution
        assert sum(p['score'] for p in preds) == pytest.approx(1, abs=1e-4)
    assert len(frames_of(out)) == 24


def test_make_synthetic_video_with_held_objects(tmp_path, capsys):
    """--held-objects: clips of the RGB + pose dataset in a row, and their
    detections as the keypoint file, in the video's pixels."""
    from mmactx.datasets.synthetic_video import (CLASSES,
                                                 generate_video_sample)
    make = load_script('demo/make_synthetic_video.py')
    video, poses = str(tmp_path / 'held.mp4'), str(tmp_path / 'held.npz')
    make.main([video, '--poses', poses, '--held-objects', '--actions',
               'wave_ball', 'squat_stick', '--frames', '10', '--size', '120',
               '160'])
    frames = frames_of(video)
    assert len(frames) == 20 and frames[0].shape == (120, 160, 3)
    saved = np.load(poses)
    assert saved['keypoints'].shape == (20, 1, 17, 2)
    rng = np.random.default_rng(0)  # the default --seed
    first, first_frames = generate_video_sample(
        rng, CLASSES.index('wave_ball'), 'wave_ball', (120, 160), 10,
        num_persons=1)
    np.testing.assert_array_equal(saved['keypoints'][:10, 0],
                                  first['keypoint'][0])
    np.testing.assert_array_equal(saved['scores'][:10, 0],
                                  first['keypoint_score'][0])
    # mp4v is lossy: the decoded frames are close to the rendered ones
    assert np.abs(frames[5].astype(int) - first_frames[5]).mean() < 6

    with pytest.raises(SystemExit):
        make.main([video, '--poses', poses, '--actions', 'wave_ball'])
    err = capsys.readouterr().err
    assert 'unknown action(s) wave_ball' in err
    assert 'pass --held-objects' in err

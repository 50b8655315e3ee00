"""demo/demo_skeleton.py end to end: a rendered video with precomputed
poses, the MediaPipe backend on a video made of a real photo, and the
errors and interruptions that must leave no output behind."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import torch

from mmactx.apis import (FramePoses, PrecomputedPoses, init_recognizer,
                         save_poses)
from mmactx.datasets.synthetic import CLASSES
from mmactx.testing import load_script
from mmactx.testing.scripts import ROOT
from mmactx.utils import InputError

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'configs', 'posec3d', 'synthetic_joint.py')

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def demo():
    return load_script('demo/demo_skeleton.py')


@pytest.fixture(scope='module')
def assets(tmp_path_factory):
    """A checkpoint of the synthetic model (untrained), its label map, and
    a 60-frame video of two synthetic actions with its poses."""
    root = tmp_path_factory.mktemp('demo')
    torch.manual_seed(0)
    model = init_recognizer(CONFIG)
    ckpt = str(root / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    label_map = root / 'labels.txt'
    label_map.write_text('\n'.join(CLASSES) + '\n')
    video, poses = str(root / 'syn.mp4'), str(root / 'syn.npz')
    load_script('demo/make_synthetic_video.py').main([
        video, '--poses', poses, '--actions', 'wave', 'squat', '--frames',
        '30', '--size', '240', '320'
    ])
    return dict(root=root, ckpt=ckpt, labels=str(label_map), video=video,
                poses=poses)


def run(demo, assets, video, out, *extra):
    return demo.main([
        video, str(out), '--config', CONFIG, '--checkpoint', assets['ckpt'],
        '--label-map', assets['labels'], *extra
    ])


def frames_of(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    return frames, cap.get(cv2.CAP_PROP_FPS)


def test_demo_with_precomputed_poses_and_windows(demo, assets):
    out = assets['root'] / 'out.mp4'
    args = ('--pose-backend', 'precomputed', '--poses', assets['poses'],
            '--window', '30', '--stride', '15', '--topk', '2')
    result = run(demo, assets, assets['video'], out, *args)
    frames, fps = frames_of(str(out))
    assert len(frames) == 60 and frames[0].shape == (240, 320, 3)
    assert fps == 30
    saved = json.loads((assets['root'] / 'out.json').read_text())
    assert saved == json.loads(json.dumps(result))
    assert saved['frames'] == 60 and saved['persons'] == 1
    assert [(w['start_frame'], w['end_frame']) for w in saved['windows']] == [
        (0, 30), (15, 45), (30, 60)]
    assert saved['windows'][1]['start_time'] == 0.5
    for pred in [saved['prediction']] + [w['prediction']
                                         for w in saved['windows']]:
        assert len(pred) == 2 and pred[0]['score'] >= pred[1]['score']
        assert pred[0]['name'] == CLASSES[pred[0]['label']]
    # frames are labelled by the window whose centre is nearest
    labels = [w['prediction'][0]['label'] for w in saved['windows']]
    track = saved['frame_labels']
    assert len(track) == 60
    assert track[0] == labels[0] and track[30] == labels[1]
    assert track[59] == labels[2]
    # the predictions are written on the frames
    original, _ = frames_of(assets['video'])
    assert np.abs(frames[5].astype(int) - original[5]).max() > 100  # text
    # deterministic: a second run gives the same predictions
    again = run(demo, assets, assets['video'], assets['root'] / 'again.mp4',
                *args)
    assert again['windows'] == result['windows']
    assert again['prediction'] == result['prediction']


def test_undecodable_video_fails_before_any_output(demo, assets):
    bad = assets['root'] / 'broken.mp4'
    bad.write_bytes(b'\x00\x00\x00\x18ftypmp42' + bytes(range(256)) * 20)
    out = assets['root'] / 'broken_out.mp4'
    with pytest.raises(InputError, match='cannot decode video'):
        run(demo, assets, str(bad), out, '--pose-backend', 'precomputed',
            '--poses', assets['poses'])
    assert not out.exists() and not out.with_suffix('.json').exists()
    assert sorted(p.name for p in assets['root'].iterdir()
                  if 'broken_out' in p.name) == []


def test_nobody_found_fails_without_output(demo, assets):
    empty = str(assets['root'] / 'nobody.npz')
    save_poses(empty, [FramePoses.empty()] * 60)
    out = assets['root'] / 'nobody.mp4'
    with pytest.raises(InputError, match='nobody found'):
        run(demo, assets, assets['video'], out, '--pose-backend',
            'precomputed', '--poses', empty)
    assert not out.exists() and not out.with_suffix('.json').exists()


@pytest.mark.parametrize('frames,message', [
    (40, r'\S*poses40\.npz holds poses of 40 frames; the video has more '
     r'\(frame 40\)'),
    (70, r'\S*poses70\.npz holds poses of 70 frames but \S*syn\.mp4 has '
     r'60; the poses must be of this video'),
])
def test_poses_of_another_length_than_the_video_are_refused(
        demo, assets, tmp_path, frames, message):
    """Decision: precomputed poses must have one entry per video frame;
    more or fewer is an error naming both counts, before any output."""
    poses = PrecomputedPoses(assets['poses']).frames  # 60 frames
    path = str(tmp_path / f'poses{frames}.npz')
    save_poses(path, (poses * 2)[:frames])
    with pytest.raises(InputError, match=message):
        run(demo, assets, assets['video'], tmp_path / 'out.mp4',
            '--pose-backend', 'precomputed', '--poses', path)
    assert sorted(os.listdir(tmp_path)) == [f'poses{frames}.npz']


STALLING_DEMO = '''
import sys, time
from contextlib import contextmanager
import mmactx.visualization as vis
from mmactx.testing import load_script
from mmactx.utils import run_cli
real_writer = vis.video_writer

@contextmanager
def stalling_writer(path, fps, size):
    """The demo's writer, which stops once every frame is written and the
    file is not yet renamed: the moment a kill can leave a temporary."""
    with real_writer(path, fps, size) as writer:
        yield writer
        open(sys.argv[1], 'w').close()
        time.sleep(120)

vis.video_writer = stalling_writer
run_cli(load_script('demo/demo_skeleton.py').main, sys.argv[2:])
'''


@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGKILL],
                         ids=['SIGTERM', 'SIGKILL'])
def test_a_killed_demo_leaves_no_temporary(demo, assets, tmp_path, signum):
    """SIGTERM ends the demo through its finally blocks (run_cli), so the
    half-written video is removed at once; after SIGKILL the hidden
    temporary (named by the dead process) is removed by the next run."""
    out, ready = tmp_path / 'out.mp4', tmp_path / 'ready'
    args = [assets['video'], str(out), '--config', CONFIG, '--checkpoint',
            assets['ckpt'], '--label-map', assets['labels'],
            '--pose-backend', 'precomputed', '--poses', assets['poses']]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, '-c', STALLING_DEMO,
                             str(ready), *args], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(6000):
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert ready.exists(), proc.stderr.read() if proc.poll() else ''
        hidden = [n for n in os.listdir(tmp_path) if n.startswith('.')]
        assert len(hidden) == 1 and str(proc.pid) in hidden[0]
        proc.send_signal(signum)
        code = proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert code == (128 + signum if signum == signal.SIGTERM else -signum)
    left = sorted(os.listdir(tmp_path))
    if signum == signal.SIGTERM:
        assert left == ['ready']
        return
    assert len(left) == 2 and left[0].startswith('.out.mp4.')  # stale
    run(demo, assets, assets['video'], out, '--pose-backend', 'precomputed',
        '--poses', assets['poses'])
    assert sorted(os.listdir(tmp_path)) == ['out.json', 'out.mp4', 'ready']


def test_demo_with_mediapipe_on_a_real_photo_video(demo, assets, tmp_path,
                                                   monkeypatch):
    import skimage
    monkeypatch.setenv('MMACTX_CACHE', str(tmp_path))
    photo = cv2.imread(
        osp.join(osp.dirname(skimage.__file__), 'data', 'camera.png'))
    video = str(tmp_path / 'camera.mp4')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (512, 512))
    for t in range(8):
        writer.write(np.roll(photo, 4 * t, axis=1))
    writer.release()
    out = tmp_path / 'camera_out.mp4'
    poses = str(tmp_path / 'camera_poses.npz')
    result = run(demo, assets, video, out, '--save-poses', poses)
    assert result['persons'] >= 1 and result['frames'] == 8
    assert len(frames_of(str(out))[0]) == 8
    # the saved poses replay through the precomputed backend identically
    replay = run(demo, assets, video, tmp_path / 'replay.mp4',
                 '--pose-backend', 'precomputed', '--poses', poses)
    assert replay['prediction'] == result['prediction']


def test_demo_default_backend_on_the_real_ntu_video(demo, assets, tmp_path,
                                                    monkeypatch,
                                                    shared_data):
    """The default pose backend on a real recorded 1920x1080 take: the
    person is found, and her joints land near the Kinect's colour-camera
    projections of the same take."""
    from mmactx.apis import PrecomputedPoses, track_persons
    from mmactx.datasets.converters.ntu import convert_ntu_file
    from mmactx.skeletons import COCO
    video = shared_data('ntu_sample/S001C001P001R001A001_rgb.avi')
    kinect = convert_ntu_file(
        shared_data('ntu_sample/S001C001P001R001A001.skeleton'))['2d']
    monkeypatch.setenv('MMACTX_CACHE', str(tmp_path))
    out, poses = tmp_path / 'ntu_out.mp4', str(tmp_path / 'ntu_poses.npz')
    result = run(demo, assets, video, out, '--save-poses', poses)
    assert result['pose_backend'] == 'mediapipe'
    assert result['frames'] == 103 and result['img_shape'] == [1080, 1920]
    assert result['persons'] >= 1
    frames, _ = frames_of(str(out))
    assert len(frames) == 103 and frames[0].shape == (1080, 1920, 3)
    assert osp.isfile(osp.splitext(str(out))[0] + '.json')

    kp, score = track_persons(PrecomputedPoses(poses).frames, max_persons=1)
    ref, ref_score = kinect['keypoint'][0].astype(float), \
        kinect['keypoint_score'][0]
    both = (score[0] >= 0.3) & (ref_score > 0)
    assert both.any(1).mean() > 0.95  # found in nearly every frame
    height = np.ptp(ref[..., 1][ref_score > 0])  # about 370 pixels
    error = np.linalg.norm(kp[0] - ref, axis=-1)[both]
    # Kinect joints are joint centres, BlazePose's are not quite: a few
    # tens of pixels apart, never a different place of the body
    assert np.median(error) < 0.25 * height
    nose = COCO.joints.index('nose')  # the Kinect head joint stands in
    on_nose = both[:, nose]
    nose_error = np.linalg.norm(kp[0, on_nose, nose] - ref[on_nose, nose],
                                axis=-1)
    assert np.median(nose_error) < 0.1 * height

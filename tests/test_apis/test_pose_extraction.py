"""Pose extraction backends: precomputed files, MediaPipe on real photos,
and the mmpose adapter (with a stand-in mmpose)."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmactx.apis import (FramePoses, MediaPipePoseEstimator,
                         MMPosePoseEstimator, PrecomputedPoses,
                         boxes_from_poses, build_pose_estimator,
                         mediapipe_pose_task, save_poses)
from mmactx.skeletons import COCO
from mmactx.utils import InputError


def skimage_photo(name):
    """A real photo shipped in the scikit-image wheel (BGR)."""
    import skimage
    path = osp.join(osp.dirname(skimage.__file__), 'data', name)
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    assert img is not None, path
    return img


def random_frames(rng, counts):
    return [
        FramePoses(
            rng.uniform(0, 100, (n, 17, 2)).astype(np.float32),
            rng.uniform(0.1, 1, (n, 17)).astype(np.float32)) for n in counts
    ]


def test_npz_round_trip_drops_padding(tmp_path):
    frames = random_frames(np.random.default_rng(0), [2, 0, 1, 2])
    path = str(tmp_path / 'poses.npz')
    save_poses(path, frames)
    loaded = PrecomputedPoses(path)
    assert [len(f) for f in loaded.frames] == [2, 0, 1, 2]
    for a, b in zip(frames, loaded.frames):
        np.testing.assert_array_equal(a.keypoints, b.keypoints)
        np.testing.assert_array_equal(a.scores, b.scores)
    assert len(loaded(np.zeros((4, 4, 3), np.uint8), 3, 0)) == 2
    with pytest.raises(ValueError, match='4 frames.*frame 4'):
        loaded(np.zeros((4, 4, 3), np.uint8), 4, 0)


def test_json_poses_and_their_errors(tmp_path):
    person = dict(keypoints=[[1, 2]] * 17, scores=[0.5] * 17)
    path = tmp_path / 'poses.json'
    path.write_text(json.dumps([[person, person], []]))
    frames = PrecomputedPoses(str(path)).frames
    assert [len(f) for f in frames] == [2, 0]
    assert frames[0].keypoints.shape == (2, 17, 2)
    path.write_text(json.dumps([[person], [dict(keypoints=[[1, 2]] * 17)]]))
    with pytest.raises(ValueError, match=r"frame 1, person 0: missing field "
                       r"'scores'"):
        PrecomputedPoses(str(path))
    path.write_text(json.dumps([[dict(person, scores=[1] * 16)]]))
    with pytest.raises(ValueError, match=r"frame 0, person 0: field 'scores' "
                       r'must have shape \[17\], got \[16\]'):
        PrecomputedPoses(str(path))


def test_npz_errors_name_the_field(tmp_path):
    path = str(tmp_path / 'bad.npz')
    np.savez(path, keypoints=np.zeros((3, 1, 17, 2)))
    with pytest.raises(ValueError, match="bad.npz: missing array 'scores'"):
        PrecomputedPoses(path)
    np.savez(path, keypoints=np.zeros((3, 1, 17, 3)), scores=np.zeros((3, 1,
                                                                       17)))
    with pytest.raises(ValueError, match=r'keypoints must be \[T, N, 17, 2\]'):
        PrecomputedPoses(path)
    text = tmp_path / 'poses.txt'
    text.write_text('')
    with pytest.raises(ValueError, match='.npz or .json'):
        PrecomputedPoses(str(text))
    with pytest.raises(ValueError, match='unknown pose backend'):
        build_pose_estimator('openpose')


def _objects_npz(path):
    np.savez(path, keypoints=np.array([None, 1], dtype=object),
             scores=np.zeros((1, 1, 17)))


def _truncated_npz(path):
    save_poses(path, [FramePoses.empty()] * 3)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])


def _arrays(kp_value=1.0, score_value=1.0):
    def write(path):
        kp = np.ones((2, 1, 17, 2), np.float32)
        kp[1, 0, 3] = kp_value
        scores = np.ones((2, 1, 17), np.float32)
        scores[1, 0, 5] = score_value
        np.savez(path, keypoints=kp, scores=scores)
    return write


@pytest.mark.parametrize('name,write,message', [
    ('p.npz', lambda p: open(p, 'w').write('0 nose 1 2\n'),
     r'p\.npz is not an \.npz file of poses as --save-poses \(save_poses\) '
     r'writes them \(it is not a zip archive\)'),
    ('p.npz', lambda p: np.save(open(p, 'wb'), np.zeros(3)),
     r'p\.npz is not an \.npz file .*\(it holds a single \.npy array\)'),
    ('p.npz', _objects_npz, r"p\.npz: array 'keypoints' holds Python "
     r'objects, which are never unpickled'),
    ('p.npz', _truncated_npz, r'p\.npz is not an \.npz file of poses'),
    ('p.npz', _arrays(kp_value=np.nan),
     r'p\.npz: frame 1: keypoints or scores of a person hold NaN'),
    ('p.npz', _arrays(kp_value=np.inf), r'p\.npz: frame 1: .* infinite'),
    ('p.npz', _arrays(score_value=1.5),
     r'p\.npz: frame 1: scores must lie in \[0, 1\], got 1\.\.1\.5'),
    ('p.json', lambda p: open(p, 'w').write('[[{"keypoints": \n ]]'),
     r'p\.json: not a JSON file of poses \(line 2, column 2'),
    ('p.json', lambda p: open(p, 'wb').write(b'\xff\xfe[]'),
     r'p\.json: not a JSON file of poses \(not UTF-8 text'),
    ('p.json', lambda p: open(p, 'w').write(json.dumps(
        [[dict(keypoints=[['a', 'b']] * 17, scores=[1] * 17)]])),
     r"frame 0, person 0: field 'keypoints' must have shape \[17, 2\], got "
     r'values that are not an array of numbers'),
    ('p.json', lambda p: open(p, 'w').write(json.dumps(
        [[dict(keypoints=[[1, None]] * 17, scores=[1] * 17)]])),
     r'p\.json: frame 0: keypoints or scores of a person hold NaN'),
    ('missing.npz', None, r'pose file \S*missing\.npz does not exist'),
])
def test_a_bad_pose_file_is_refused_naming_it(tmp_path, name, write,
                                              message):
    path = str(tmp_path / name)
    if write is not None:
        write(path)
    with pytest.raises(InputError, match=message):
        PrecomputedPoses(path)


def test_the_frame_count_must_match_the_videos(tmp_path):
    path = str(tmp_path / 'poses.npz')
    save_poses(path, [FramePoses.empty()] * 5)
    poses = PrecomputedPoses(path)
    poses.check_frame_count(5, 'v.mp4')
    for frames in (4, 6):
        with pytest.raises(InputError, match=rf'poses\.npz holds poses of 5 '
                           rf'frames but v\.mp4 has {frames}'):
            poses.check_frame_count(frames, 'v.mp4')


def test_boxes_from_poses_use_confident_joints():
    kp = np.zeros((1, 17, 2), np.float32)
    kp[0, :, 0] = np.linspace(10, 50, 17)
    kp[0, :, 1] = np.linspace(20, 100, 17)
    sc = np.ones((1, 17), np.float32)
    sc[0, -1] = 0  # an unreliable far joint does not stretch the box
    box = boxes_from_poses(FramePoses(kp, sc), (200, 200), margin=0)
    np.testing.assert_allclose(box[0], [10, 20, kp[0, -2, 0], kp[0, -2, 1]])
    grown = boxes_from_poses(FramePoses(kp, sc), (90, 200), margin=0.5)
    assert grown[0, 0] == 0 and grown[0, 3] == 89  # clipped to the image


def test_mediapipe_task_is_built_once(tmp_path):
    path = mediapipe_pose_task(str(tmp_path))
    assert osp.isfile(path) and osp.getsize(path) > 5e6
    mtime = osp.getmtime(path)
    assert mediapipe_pose_task(str(tmp_path)) == path
    assert osp.getmtime(path) == mtime
    import zipfile
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == [
            'pose_detector.tflite', 'pose_landmarks_detector.tflite'
        ]


def test_mediapipe_finds_plausible_coco_joints_on_real_photos(
        tmp_path, monkeypatch):
    monkeypatch.setenv('MMACTX_CACHE', str(tmp_path))
    with MediaPipePoseEstimator(num_poses=1, video=False) as estimator:
        astronaut = estimator(skimage_photo('astronaut.png'), 0, 0)
        camera = estimator(skimage_photo('camera.png'), 1, 33)
    j = {name: i for i, name in enumerate(COCO.joints)}
    for poses in (astronaut, camera):
        assert len(poses) == 1
        assert poses.keypoints.shape == (1, 17, 2)
        kp, sc = poses.keypoints[0], poses.scores[0]
        assert ((sc >= 0) & (sc <= 1)).all()
        # the face and shoulders are seen, confidently, the right way up
        face = [j['nose'], j['left_eye'], j['right_eye']]
        shoulders = [j['left_shoulder'], j['right_shoulder']]
        assert (sc[face + shoulders] > 0.9).all()
        eyes = [j['left_eye'], j['right_eye']]
        assert kp[eyes, 1].max() < kp[shoulders, 1].min()
        # subject-centric sides: the person's left is on the image right
        assert kp[j['left_shoulder'], 0] > kp[j['right_shoulder'], 0]
        assert kp[j['left_eye'], 0] > kp[j['right_eye'], 0]
    # the astronaut's nose (512x512 photo), as the findings measured it
    np.testing.assert_allclose(astronaut.keypoints[0, j['nose']],
                               [0.435 * 512, 0.25 * 512], atol=8)
    kp, sc = astronaut.keypoints[0], astronaut.scores[0]
    assert kp[[j['left_shoulder'], j['right_shoulder']], 1].min() > kp[
        j['nose'], 1] + 50
    # her legs are below the photo: BlazePose guesses them off the image,
    # and they are written as missed
    legs = [j[f'{side}_{part}'] for side in ('left', 'right')
            for part in ('knee', 'ankle')]
    assert (sc[legs] == 0).all() and (kp[legs] == 0).all()
    assert ((kp >= 0) & (kp < 512)).all()
    # the cameraman is seen down to the hips, below the shoulders
    kp, sc = camera.keypoints[0], camera.scores[0]
    hips = [j['left_hip'], j['right_hip']]
    assert (sc[hips] > 0.5).all()
    assert kp[hips, 1].min() > kp[[j['left_shoulder'],
                                   j['right_shoulder']], 1].max() + 50


def test_mediapipe_video_mode_on_a_moving_photo(tmp_path, monkeypatch):
    monkeypatch.setenv('MMACTX_CACHE', str(tmp_path))
    photo = skimage_photo('camera.png')
    nose = []
    with MediaPipePoseEstimator(num_poses=2) as estimator:
        for t in range(4):
            frame = np.roll(photo, 8 * t, axis=1)  # the scene pans right
            found = estimator(frame, t, t * 33)
            assert len(found) >= 1
            nose.append(found.keypoints[0, 0, 0])
    assert np.all(np.diff(nose) > 3)


def test_mmpose_backend_checks_its_box_source():
    with pytest.raises(ValueError, match="boxes must be 'mediapipe' or"):
        MMPosePoseEstimator('c', 'k', boxes='yolo')


def test_backend_import_error_names_the_missing_module(monkeypatch):
    from mmactx.apis.pose_extraction.base import backend_import_error
    dependency = backend_import_error(
        'mediapipe', 'mediapipe',
        ModuleNotFoundError("No module named 'attr'", name='attr'),
        'run tools/install.sh')
    assert "No module named 'attr'" in str(dependency)
    assert 'a dependency of mediapipe' in str(dependency)
    itself = backend_import_error(
        'mmpose', 'mmpose',
        ModuleNotFoundError("No module named 'mmpose.apis'",
                            name='mmpose.apis'), 'run tools/install.sh')
    assert 'mmpose is not installed' in str(itself)
    # the backend itself, with mediapipe unimportable
    monkeypatch.setitem(__import__('sys').modules, 'mediapipe', None)
    with pytest.raises(ImportError, match='mediapipe is not installed.*'
                       'tools/install.sh'):
        MediaPipePoseEstimator()

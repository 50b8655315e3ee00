"""The synthetic RGB + pose dataset: videos that show the clips' persons,
and classes that only the two modalities together can tell apart."""
import cv2
import numpy as np
import pytest

from mmactx.datasets import load_annotations
from mmactx.datasets.annotation_io import check_record
from mmactx.datasets.synthetic import CLASSES as SKELETON_CLASSES
from mmactx.datasets.synthetic import generate_scene
from mmactx.datasets.synthetic_video import (CLASSES, IMG_SHAPE, MOTIONS,
                                             MULTITASK_CLASSES,
                                             MULTITASK_IMG_SHAPE,
                                             MULTITASK_ZOOM, OBJECTS, PROPS,
                                             generate_multitask_sample,
                                             generate_props_dataset,
                                             generate_props_sample,
                                             generate_video_dataset,
                                             generate_video_sample,
                                             render_video)
from mmactx.skeletons import COCO
from mmactx.testing import load_script

WRIST = {side: COCO.joints.index(f'{side}_wrist')
         for side in ('left', 'right')}
ELBOW = {side: COCO.joints.index(f'{side}_elbow')
         for side in ('left', 'right')}


def test_classes_are_motions_with_objects():
    assert len(CLASSES) == len(MOTIONS) * len(OBJECTS) == 8
    assert CLASSES[:2] == (f'{MOTIONS[0]}_{OBJECTS[0]}',
                           f'{MOTIONS[0]}_{OBJECTS[1]}')


def test_sample_record_and_frames():
    record, frames = generate_video_sample(np.random.default_rng(3), 5,
                                           'syn_000007')
    check_record(record, 0, num_classes=len(CLASSES), num_keypoints=17)
    t = record['total_frames']
    assert record['label'] == 5 and record['frame_dir'] == 'syn_000007'
    assert record['img_shape'] == IMG_SHAPE
    assert frames.shape == (t, *IMG_SHAPE, 3) and frames.dtype == np.uint8
    # the detections are in the video's pixels
    seen = record['keypoint_score'] > 0
    kp = record['keypoint'][seen]
    assert (kp >= 0).all() and (kp[:, 0] < IMG_SHAPE[1]).all()
    assert (kp[:, 1] < IMG_SHAPE[0]).all()
    again = generate_video_sample(np.random.default_rng(3), 5, 'syn_000007')
    np.testing.assert_array_equal(again[1], frames)
    np.testing.assert_array_equal(again[0]['keypoint'], record['keypoint'])
    with pytest.raises(ValueError, match='label 8 outside 0..7'):
        generate_video_sample(np.random.default_rng(0), 8, 'x')


def test_skeletons_do_not_show_the_object():
    """Two classes of one motion, from the same random state, have the
    same skeletons and differ only in the video."""
    (a, frames_a), (b, frames_b) = (
        generate_video_sample(np.random.default_rng(11), label, 'x')
        for label in (CLASSES.index('punch_ball'),
                      CLASSES.index('punch_stick')))
    for key in ('keypoint', 'keypoint_score'):
        np.testing.assert_array_equal(a[key], b[key])
    assert a['label'] != b['label']
    assert (frames_a != frames_b).any()


def _object_pixels(held, seed=4):
    """A clip's frames with and without ``held``, and its true joints."""
    scene = generate_scene(np.random.default_rng(seed),
                           0, img_shape=IMG_SHAPE, num_frames=30,
                           num_persons=1)
    with_object = render_video(np.random.default_rng(seed), scene.pixels,
                               IMG_SHAPE, held)
    without = render_video(np.random.default_rng(seed), scene.pixels,
                           IMG_SHAPE, None)
    return with_object, without, scene.pixels[0]


@pytest.mark.parametrize('held,hue', [('ball', (0, 12)),
                                      ('stick', (95, 125)),
                                      ('box', (22, 34)), ('ring', (55, 80))])
def test_object_is_drawn_in_a_hand(held, hue):
    frames, plain, joints = _object_pixels(held)
    height = np.median(np.ptp(joints[..., 1], axis=1))
    for t in range(len(frames)):
        changed = np.argwhere((frames[t] != plain[t]).any(-1))[:, ::-1]
        assert len(changed), f'frame {t}: no object drawn'
        # every changed pixel is near one hand (the same hand throughout)
        near = {side: np.linalg.norm(changed - joints[t, WRIST[side]],
                                     axis=1).max() for side in WRIST}
        assert min(near.values()) < 0.45 * height, (t, near)
        # and has the object's colour (anti-aliased edges aside)
        hsv = cv2.cvtColor(frames[t], cv2.COLOR_BGR2HSV)
        h = hsv[changed[:, 1], changed[:, 0], 0].astype(int)
        inside = (h >= hue[0]) & (h <= hue[1])
        assert inside.mean() > 0.6, (t, inside.mean())
    with pytest.raises(ValueError, match="unknown object 'cup'"):
        render_video(np.random.default_rng(0), joints[None], IMG_SHAPE,
                     'cup')


def test_ball_and_stick_differ_in_shape():
    """The stick's pixels spread along a line, the ball's around a
    point."""
    spread = {}
    for held in OBJECTS:
        frames, plain, _ = _object_pixels(held)
        changed = np.argwhere((frames[10] != plain[10]).any(-1))
        cov = np.cov(changed.T.astype(float))
        small, large = np.linalg.eigvalsh(cov)
        spread[held] = large / max(small, 1e-6)
    assert spread['stick'] > 4 * spread['ball']


def test_dataset_writes_one_video_per_record(tmp_path):
    records, split = generate_video_dataset(1, 1, str(tmp_path / 'v'),
                                            seed=2, num_classes=3)
    assert split == {'train': ['syn_000000', 'syn_000001', 'syn_000002'],
                     'val': ['syn_000003', 'syn_000004', 'syn_000005']}
    assert [r['label'] for r in records] == [0, 1, 2, 0, 1, 2]
    for r in records:
        cap = cv2.VideoCapture(str(tmp_path / 'v' / f"{r['frame_dir']}.mp4"))
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        ok, frame = cap.read()
        cap.release()
        assert ok and frame.shape == (*IMG_SHAPE, 3)
        assert count == r['total_frames']
    assert sorted(p.name for p in (tmp_path / 'v').iterdir()) == [
        f'syn_00000{i}.mp4' for i in range(6)]  # no temporaries left
    with pytest.raises(ValueError, match='num_classes must be in 1..8'):
        generate_video_dataset(1, 1, str(tmp_path), num_classes=9)


def test_cli_videos(tmp_path, capsys):
    cli = load_script('tools/data/generate_synthetic.py')
    out, videos = tmp_path / 'rgbpose.pkl', tmp_path / 'videos'
    label_map = tmp_path / 'labels.txt'
    cli.main([str(out), '--videos', str(videos), '--train-per-class', '1',
              '--val-per-class', '1', '--label-map', str(label_map)])
    val = load_annotations(str(out), split='val', num_classes=len(CLASSES))
    assert sorted(r['label'] for r in val) == list(range(len(CLASSES)))
    assert label_map.read_text().splitlines() == list(CLASSES)
    assert len(list(videos.glob('*.mp4'))) == 2 * len(CLASSES)
    assert f'{2 * len(CLASSES)} coco2d clips with videos' in (
        capsys.readouterr().out)
    with pytest.raises(SystemExit):
        cli.main([str(out), '--videos', str(videos), '--layout', 'ntu3d'])
    assert '--videos needs --layout coco2d' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main([str(out), '--videos', str(videos), '--num-classes', '9'])
    assert '--num-classes must be in 1..8' in capsys.readouterr().err


PROP_HUES = {'ball': (0, 12), 'stick': (95, 125), 'box': (22, 34),
             'ring': (55, 80)}


def held_prop(frames: np.ndarray) -> str:
    """The prop whose hue most of a clip's vivid pixels have (the props are
    drawn at saturation >= 200; clothes and rooms below 160)."""
    hsv = cv2.cvtColor(frames.reshape(-1, frames.shape[2], 3),
                       cv2.COLOR_BGR2HSV).reshape(-1, 3)
    vivid = hsv[(hsv[:, 1] >= 190) & (hsv[:, 2] >= 160), 0].astype(int)
    counts = {prop: int(((vivid >= lo) & (vivid <= hi)).sum())
              for prop, (lo, hi) in PROP_HUES.items()}
    return max(counts, key=counts.get)


def test_props_classes_hold_their_prop_and_mimed_another():
    motions = tuple(PROPS)
    assert motions == MOTIONS
    for label, motion in enumerate(motions):
        for seed in range(3):
            rng = np.random.default_rng([seed, label])
            record, frames = generate_props_sample(rng, label, 'x')
            assert record['label'] == label
            assert held_prop(frames) == PROPS[motion]
            _, mimed = generate_props_sample(np.random.default_rng(
                [seed, label]), label, 'x', mimed=True)
            assert held_prop(mimed) in set(PROPS.values()) - {PROPS[motion]}
    # with 2 classes, a mimed clip holds the other one's prop
    _, frames = generate_props_sample(np.random.default_rng(0), 1, 'x',
                                      mimed=True, num_classes=2)
    assert held_prop(frames) == PROPS[motions[0]]
    with pytest.raises(ValueError, match='label 2 outside 0..1'):
        generate_props_sample(np.random.default_rng(0), 2, 'x',
                              num_classes=2)
    with pytest.raises(ValueError, match='num_classes must be at least 2'):
        generate_props_sample(np.random.default_rng(0), 0, 'x', mimed=True,
                              num_classes=1)


def test_props_dataset_and_cli(tmp_path, capsys):
    records, split = generate_props_dataset(1, 1, 2, str(tmp_path / 'v'),
                                            num_classes=2)
    assert [len(split[s]) for s in ('train', 'val', 'mimed')] == [2, 2, 4]
    by_name = {r['frame_dir']: r for r in records}
    assert sorted(by_name[n]['label'] for n in split['mimed']) == [0, 0, 1,
                                                                   1]
    assert len(list((tmp_path / 'v').glob('*.mp4'))) == 8
    # a clip does not depend on how many others are made
    more, _ = generate_props_dataset(2, 1, 2, str(tmp_path / 'w'),
                                     num_classes=2)
    np.testing.assert_array_equal(more[0]['keypoint'],
                                  records[0]['keypoint'])

    cli = load_script('tools/data/generate_synthetic.py')
    out, labels = tmp_path / 'props.pkl', tmp_path / 'labels.txt'
    cli.main([str(out), '--videos', str(tmp_path / 'videos'),
              '--train-per-class', '1', '--val-per-class', '1',
              '--mimed-per-class', '1', '--label-map', str(labels)])
    assert labels.read_text().splitlines() == list(PROPS)
    mimed = load_annotations(str(out), split='mimed', num_classes=4)
    assert sorted(r['label'] for r in mimed) == [0, 1, 2, 3]
    assert '(4 train, 4 val, 4 mimed, 4 classes' in capsys.readouterr().out
    for argv, error in (
            (['--mimed-per-class', '2'], '--mimed-per-class needs --videos'),
            (['--videos', 'v', '--mimed-per-class', '0'],
             '--mimed-per-class must be at least 1'),
            (['--videos', 'v', '--mimed-per-class', '1', '--num-classes',
              '1'], 'needs at least 2 classes')):
        with pytest.raises(SystemExit):
            cli.main([str(out)] + argv)
        assert error in capsys.readouterr().err


def test_multitask_sample_labels_are_the_true_joints_and_depth():
    rng = np.random.default_rng(5)
    record, frames = generate_multitask_sample(rng, 1, 'syn_000001',
                                               num_frames=12)
    check_record(record, 0, num_classes=len(MULTITASK_CLASSES),
                 num_keypoints=17)
    assert frames.shape == (12, *MULTITASK_IMG_SHAPE, 3)
    assert record['keypoint'].shape == (1, 12, 17, 2)
    assert (record['keypoint_score'] == 1).all()
    assert record['keypoint_depth'].shape == (1, 12, 17)
    # the same random state gives the scene these labels come from
    scene = generate_scene(
        np.random.default_rng(5), SKELETON_CLASSES.index('clap'), 'coco2d',
        'syn_000001', MULTITASK_IMG_SHAPE, 12, 1, MULTITASK_ZOOM)
    np.testing.assert_allclose(record['keypoint'], scene.pixels, atol=1e-4)
    np.testing.assert_allclose(record['keypoint_depth'], scene.depth,
                               atol=1e-5)
    # a person a few metres away, nearer joints nearer the camera
    assert (record['keypoint_depth'] > 1).all()
    assert (record['keypoint_depth'] < 10).all()
    # the person is drawn where the labels are: the frame differs from the
    # empty room (its corner colour) at the hips
    hips = record['keypoint'][0, 0, [COCO.joints.index('left_hip'),
                                     COCO.joints.index('right_hip')]]
    room = frames[0, 0, 0].astype(int)
    for x, y in hips.round().astype(int):
        assert np.abs(frames[0, y, x].astype(int) - room).sum() > 0
    with pytest.raises(ValueError, match='label 6 outside 0..5'):
        generate_multitask_sample(rng, 6, 'x')


def test_multitask_joints_wear_markers_coloured_by_their_kind():
    record, frames = generate_multitask_sample(np.random.default_rng(2), 3,
                                               'x', num_frames=6)
    hsv = cv2.cvtColor(frames[0], cv2.COLOR_BGR2HSV).astype(int)
    hues = {}
    for name in ('wrist', 'ankle'):
        for side in ('left', 'right'):
            x, y = record['keypoint'][0, 0, COCO.joints.index(
                f'{side}_{name}')].round().astype(int)
            assert hsv[y, x, 1] > 200 and hsv[y, x, 2] > 200  # saturated
            hues[side, name] = hsv[y, x, 0]
    # a kind of joint has one colour on both sides, kinds differ
    for name in ('wrist', 'ankle'):
        assert abs(hues['left', name] - hues['right', name]) <= 2
    assert abs(hues['left', 'wrist'] - hues['left', 'ankle']) > 10


def test_multitask_cli(tmp_path, capsys):
    cli = load_script('tools/data/generate_synthetic.py')
    out, videos = tmp_path / 'mt.pkl', tmp_path / 'videos'
    cli.main([str(out), '--multitask', '--videos', str(videos),
              '--train-per-class', '1', '--val-per-class', '0',
              '--num-classes', '2'])
    train = load_annotations(str(out), split='train', num_classes=2)
    assert [r['label'] for r in train] == [0, 1]
    assert all('keypoint_depth' in r for r in train)
    assert len(list(videos.glob('*.mp4'))) == 2
    assert '2 multitask clips with videos' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([str(out), '--multitask'])
    assert '--multitask needs --videos' in capsys.readouterr().err

"""Tests of the synthetic skeleton action dataset."""
import warnings

import numpy as np
import pytest

from mmactx.datasets import load_annotations
from mmactx.datasets import synthetic_body as body
from mmactx.datasets.annotation_io import check_record
from mmactx.datasets.synthetic import (CLASSES, generate_dataset,
                                       generate_sample, simulate_person)
from mmactx.testing import load_script

NUM_CLASSES = len(CLASSES)


@pytest.fixture(scope='module')
def coco():
    """25 training and 10 validation clips per class (420 records)."""
    return generate_dataset(25, 10, 'coco2d', seed=0)


@pytest.fixture(scope='module')
def ntu():
    return generate_dataset(4, 1, 'ntu3d', seed=0)


def test_classes():
    assert len(CLASSES) >= 10
    assert len(set(CLASSES)) == len(CLASSES)


def test_coco2d_records(coco):
    annotations, split = coco
    assert len(annotations) == 35 * NUM_CLASSES
    assert len(split['train']) == 25 * NUM_CLASSES
    assert len(split['val']) == 10 * NUM_CLASSES
    assert not set(split['train']) & set(split['val'])
    names = [r['frame_dir'] for r in annotations]
    assert len(set(names)) == len(names) and names[0] == 'syn_000000'
    for i, r in enumerate(annotations):
        check_record(r, i, num_classes=NUM_CLASSES, num_keypoints=17)
        m, t = r['keypoint'].shape[:2]
        assert r['keypoint'].shape == (m, t, 17, 2) and m in (1, 2)
        assert r['keypoint'].dtype == np.float32
        assert r['keypoint_score'].shape == (m, t, 17)
        assert r['keypoint_score'].dtype == np.float32
        assert r['total_frames'] == t and 40 <= t <= 120
        assert r['img_shape'] == r['original_shape'] == (480, 640)
        assert type(r['label']) is int
    labels = np.bincount([r['label'] for r in annotations])
    assert (labels == 35).all()  # balanced


def test_ntu3d_records(ntu):
    annotations, split = ntu
    assert len(split['train']) == 4 * NUM_CLASSES
    for i, r in enumerate(annotations):
        check_record(r, i, num_classes=NUM_CLASSES, num_keypoints=25)
        kp = r['keypoint']
        assert kp.shape[2:] == (25, 3) and kp.dtype == np.float32
        assert 'keypoint_score' not in r and 'img_shape' not in r
        # Kinect camera space in metres: the subject stands 2-5 m away,
        # y is up (head above the feet by a person's height).
        assert 1.5 < np.median(kp[0, :, :, 2]) < 5
        height = kp[0, :, 3, 1] - kp[0, :, [15, 19], 1].min(axis=0)
        assert 1.0 < np.median(height) < 2.0


def test_determinism():
    a, split_a = generate_dataset(2, 1, 'coco2d', seed=3)
    b, split_b = generate_dataset(2, 1, 'coco2d', seed=3)
    c, _ = generate_dataset(2, 1, 'coco2d', seed=4)
    assert split_a == split_b
    for ra, rb in zip(a, b):
        assert ra['frame_dir'] == rb['frame_dir']
        np.testing.assert_array_equal(ra['keypoint'], rb['keypoint'])
        np.testing.assert_array_equal(ra['keypoint_score'],
                                      rb['keypoint_score'])
    assert any(ra['keypoint'].shape != rc['keypoint'].shape
               or not np.array_equal(ra['keypoint'], rc['keypoint'])
               for ra, rc in zip(a, c))
    # A record depends on (seed, split, label, index), not on the counts.
    d, _ = generate_dataset(5, 1, 'coco2d', seed=3)
    for ra, rd in zip(a[:NUM_CLASSES], d[:NUM_CLASSES]):
        np.testing.assert_array_equal(ra['keypoint'], rd['keypoint'])


def test_persons_missing_and_image_bounds(coco):
    annotations, _ = coco
    persons = np.bincount([r['keypoint'].shape[0] for r in annotations])
    assert persons[1] > persons[2] > 0.1 * len(annotations)

    score = np.concatenate([r['keypoint_score'].ravel() for r in annotations])
    kp = np.concatenate([r['keypoint'].reshape(-1, 2) for r in annotations])
    missing = score == 0
    assert 0.005 < missing.mean() < 0.08  # a few percent
    assert (kp[missing] == 0).all()
    present = score[~missing]
    assert (present > 0).all() and (present <= 1).all()
    assert 0.7 <= np.median(present) <= 1.0  # detector-like confidences
    assert 0.02 < (present < 0.5).mean() < 0.3
    h, w = annotations[0]['img_shape']
    xy = kp[~missing]
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (
        xy[:, 1] < h)
    assert inside.mean() > 0.99

    # Bursts: some joint is missed in >= 5 consecutive frames.
    def longest_gap(miss):  # miss [T, V] -> longest run of True per clip
        run = best = np.zeros(miss.shape[1], int)
        for row in miss:
            run = np.where(row, run + 1, 0)
            best = np.maximum(best, run)
        return best.max()

    assert any(
        longest_gap(r['keypoint_score'][0] == 0) >= 5 for r in annotations)


def test_nuisances_vary(coco):
    annotations, _ = coco
    lengths = [r['total_frames'] for r in annotations]
    assert min(lengths) < 50 and max(lengths) > 110
    centres = np.array([
        np.median(r['keypoint'][0][r['keypoint_score'][0] > 0], axis=0)
        for r in annotations
    ])
    assert np.ptp(centres[:, 0]) > 300 and np.ptp(centres[:, 1]) > 150


def test_body_is_rigid_and_grounded():
    bones = [(body.INDEX[a], body.INDEX[b]) for a, b in (
        ('left_shoulder', 'left_elbow'), ('right_elbow', 'right_wrist'),
        ('left_hip', 'left_knee'), ('right_knee', 'right_ankle'),
        ('neck', 'head'))]
    for name in CLASSES:
        pos = simulate_person(np.random.default_rng(1), name, 60)
        assert pos.shape == (60, body.NUM_JOINTS, 3)
        for a, b in bones:  # joint rotations keep the bone lengths
            length = np.linalg.norm(pos[:, a] - pos[:, b], axis=-1)
            assert np.ptp(length) < 1e-9
        feet = pos[:, body.CONTACT_INDEX, 1].min(axis=1)
        if name not in ('jump', 'jumping_jack'):
            np.testing.assert_allclose(feet, 0, atol=1e-9)  # on the floor


def test_motion_semantics():
    rngs = [np.random.default_rng(k) for k in range(8)]
    i = body.INDEX
    for rng in rngs[:4]:
        pos = simulate_person(rng, 'wave', 90)
        # One hand stays above its shoulder throughout the wave.
        above = [pos[:, i[f'{s}_wrist'], 1] - pos[:, i[f'{s}_shoulder'], 1]
                 for s in ('left', 'right')]
        assert max(a.min() for a in above) > 0.05
    for rng in rngs[4:]:
        clap = simulate_person(rng, 'clap', 90)
        gap = np.linalg.norm(clap[:, i['left_wrist']] -
                             clap[:, i['right_wrist']], axis=-1)
        assert gap.min() < 0.15 and gap.max() > 0.3
    squat = simulate_person(np.random.default_rng(0), 'squat', 120)
    head = squat[:, i['head'], 1]
    assert head.max() - head.min() > 0.2  # the body goes down and up
    jump = simulate_person(np.random.default_rng(0), 'jump', 120)
    assert jump[:, body.CONTACT_INDEX, 1].min(axis=1).max() > 0.03  # airborne


def test_generate_sample_options():
    rng = np.random.default_rng(0)
    r = generate_sample(rng, 2, 'coco2d', 'x', img_shape=(240, 320),
                        num_frames=50, num_persons=2)
    assert r['keypoint'].shape == (2, 50, 17, 2)
    assert r['img_shape'] == (240, 320)
    ok = r['keypoint_score'] > 0
    assert (r['keypoint'][..., 0][ok] < 320).all()
    with pytest.raises(ValueError):
        generate_sample(rng, NUM_CLASSES, 'coco2d')
    with pytest.raises(ValueError):
        generate_sample(rng, 0, 'openpose')
    with pytest.raises(ValueError):
        generate_sample(rng, 0, num_persons=3)


def test_cli(tmp_path, capsys):
    cli = load_script('tools/data/generate_synthetic.py')
    out, label_map = tmp_path / 'syn.pkl', tmp_path / 'labels.txt'
    cli.main([
        str(out), '--train-per-class', '2', '--val-per-class', '1',
        '--seed', '5', '--label-map',
        str(label_map)
    ])
    train = load_annotations(str(out), split='train', num_keypoints=17)
    val = load_annotations(str(out), split='val', num_classes=NUM_CLASSES)
    assert len(train) == 2 * NUM_CLASSES and len(val) == NUM_CLASSES
    assert sorted(r['label'] for r in val) == list(range(NUM_CLASSES))
    assert label_map.read_text().splitlines() == list(CLASSES)
    assert f'{3 * NUM_CLASSES} coco2d clips' in capsys.readouterr().out

    cli.main([str(out), '--layout', 'ntu3d', '--train-per-class', '1',
              '--val-per-class', '1', '--num-classes', '3'])
    train = load_annotations(str(out), split='train', num_classes=3,
                             num_keypoints=25)
    assert [r['label'] for r in train] == [0, 1, 2]


# --- the classes are not separable by one trivial statistic ----------------


def _trivial_stats(r):
    """Length, mean joint speed (px/frame), median box height, mean y."""
    kp, ok = r['keypoint'][0], r['keypoint_score'][0] > 0
    both = ok[1:] & ok[:-1]
    speed = np.linalg.norm(np.diff(kp, axis=0), axis=-1)[both].mean()
    y = np.where(ok, kp[..., 1], np.nan)
    with warnings.catch_warnings():  # frames where every joint is missed
        warnings.simplefilter('ignore', RuntimeWarning)
        box = np.nanmedian(np.nanmax(y, axis=1) - np.nanmin(y, axis=1))
    return [r['total_frames'], speed, box, np.nanmean(y)]


def _rich_features(r):
    """Per-joint position, spread and speed, normalised to the torso."""
    kp = r['keypoint'][0].astype(np.float64)
    kp[r['keypoint_score'][0] == 0] = np.nan
    with warnings.catch_warnings():  # frames where every joint is missed
        warnings.simplefilter('ignore', RuntimeWarning)
        hip = np.nanmean(kp[:, [11, 12]], axis=1)
        torso = np.nanmean(kp[:, [5, 6]], axis=1) - hip
        x = (kp - np.nanmedian(hip, axis=0)) / np.nanmedian(
            np.linalg.norm(torso, axis=-1))
        speed = np.nanmean(np.abs(np.diff(x, axis=0)), axis=0)
        feats = [np.nanmean(x, 0), np.nanstd(x, 0), speed]
    return np.nan_to_num(np.concatenate([f.ravel() for f in feats]))


def _nearest_mean_accuracy(x_fit, y_fit, x_eval, y_eval):
    centres = np.stack([x_fit[y_fit == c].mean(0) for c in range(NUM_CLASSES)])
    dist = ((x_eval[:, None] - centres[None])**2).sum(-1)
    return (dist.argmin(1) == y_eval).mean()


def test_trivial_statistics_do_not_separate_classes(coco):
    annotations, split = coco
    train = set(split['train'])
    is_train = np.array([r['frame_dir'] in train for r in annotations])
    labels = np.array([r['label'] for r in annotations])
    chance = 1 / NUM_CLASSES

    stats = np.array([_trivial_stats(r) for r in annotations])
    for k, name in enumerate(('length', 'speed', 'box_height', 'mean_y')):
        x = stats[:, k:k + 1]
        # Fit and score on the same clips: an optimistic 1-D classifier.
        nearest = _nearest_mean_accuracy(x, labels, x, labels)
        # Best 1-D decision rule on 10 quantile bins (majority per bin).
        edges = np.quantile(x, np.linspace(0, 1, 11)[1:-1])
        bins = np.digitize(x[:, 0], edges)
        binned = sum(
            np.bincount(labels[bins == b]).max()
            for b in np.unique(bins)) / len(labels)
        assert nearest < 0.3, (name, nearest)
        assert binned < 0.45, (name, binned)

    # ...while a hand-made pose feature separates them well above chance.
    feats = np.array([_rich_features(r) for r in annotations])
    mu, sd = feats[is_train].mean(0), feats[is_train].std(0) + 1e-6
    feats = (feats - mu) / sd
    acc = _nearest_mean_accuracy(feats[is_train], labels[is_train],
                                 feats[~is_train], labels[~is_train])
    assert acc > 4 * chance, acc

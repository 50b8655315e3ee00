"""Score fusion arithmetic, accuracies, and tools/ensemble.py on five
hand-made dumps (EPP-Net's weights)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmactx.evaluation import (accuracy_report, fuse_scores,
                               load_predictions, save_predictions, softmax)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_fuse_scores_weights_and_softmax():
    a = np.array([[1., 0., 0.], [0., 2., 0.]])
    b = np.array([[0., 3., 0.], [0., 0., 1.]])
    np.testing.assert_allclose(fuse_scores([a, b]), a + b)
    np.testing.assert_allclose(fuse_scores([a, b], [2, 0.5]), 2 * a + 0.5 * b)
    np.testing.assert_allclose(
        fuse_scores([a, b], apply_softmax=True), softmax(a) + softmax(b))
    np.testing.assert_allclose(softmax(a).sum(1), 1)
    with pytest.raises(ValueError, match='2 weights for 1 streams'):
        fuse_scores([a], [1, 2])
    with pytest.raises(ValueError, match='different shapes'):
        fuse_scores([a, b[:1]])


def test_accuracy_report_by_hand():
    scores = np.array([[.1, .5, .4], [.6, .3, .1], [.2, .3, .5],
                       [.5, .4, .1]])
    labels = np.array([1, 1, 0, 2])
    r = accuracy_report(scores, labels)
    assert r['top1'] == pytest.approx(0.25)  # only sample 0
    assert r['top5'] == pytest.approx(1.0)  # 3 classes: top-3
    # class 0: 0/1, class 1: 1/2, class 2: 0/1
    assert r['mean_class_accuracy'] == pytest.approx(0.5 / 3)


def test_ensemble_eppnet_five_streams(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 40)
    streams = [rng.normal(0, 1, (40, 5)) for _ in range(5)]
    for s in streams[:2]:  # joint and bone streams know the truth
        s[np.arange(40), labels] += 2
    paths = []
    for i, s in enumerate(streams):
        paths.append(str(tmp_path / f's{i}.pkl'))
        save_predictions(paths[-1], [
            dict(pred_score=x.astype(np.float32), gt_label=int(y))
            for x, y in zip(s, labels)])
    out = subprocess.run(
        [sys.executable, 'tools/ensemble.py', *paths, '--weights', '2', '2',
         '1', '1', '2', '--json', '--out', str(tmp_path / 'f.pkl')],
        cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    fused = sum(w * s for w, s in zip((2, 2, 1, 1, 2), streams))
    assert report['fused']['top1'] == pytest.approx(
        float((fused.argmax(1) == labels).mean()))
    for r, s in zip(report['streams'], streams):
        assert r['top1'] == pytest.approx(float((s.argmax(1) == labels
                                                 ).mean()))
    got, got_labels = load_predictions(str(tmp_path / 'f.pkl'))
    np.testing.assert_allclose(got, fused, rtol=1e-5)
    np.testing.assert_array_equal(got_labels, labels)

    save_predictions(paths[0], [dict(pred_score=np.zeros(5, np.float32),
                                     gt_label=0)] * 40)
    bad = subprocess.run([sys.executable, 'tools/ensemble.py', *paths[:2]],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and 'labels differ' in bad.stderr

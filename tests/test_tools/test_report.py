"""tools/analysis/report.py against a hand-made dump."""
import csv

import cv2
import numpy as np
import pytest

from mmactx.evaluation import save_predictions
from mmactx.testing import load_script


def one_hot_dump(path, pairs, num_classes):
    """A dump whose argmax is ``pred`` for each (label, pred) pair."""
    items = []
    for label, pred in pairs:
        score = np.full(num_classes, 0.1, np.float32)
        score[pred] = 0.7
        items.append(dict(pred_score=score, gt_label=label))
    save_predictions(str(path), items)


def test_report_numbers_and_files(tmp_path, capsys):
    # class 0: 3 of 4 right (1 as "kick"); class 1: 1 of 2 right (1 as
    # "wave"); class 2 ("jump"): no samples, predicted once
    pairs = [(0, 0), (0, 0), (0, 2), (0, 0), (1, 1), (1, 0)]
    dump = tmp_path / 'scores.pkl'
    one_hot_dump(dump, pairs, 3)
    names = tmp_path / 'labels.txt'
    names.write_text('wave\nsquat\nkick\n')
    report = load_script('tools/analysis/report.py').main(
        [str(dump), '--label-map', str(names)])
    assert report['confusion'] == [[3, 0, 1], [1, 1, 0], [0, 0, 0]]
    by_name = {c['name']: c for c in report['classes']}
    assert by_name['wave']['accuracy'] == 0.75
    assert by_name['wave']['most_confused'] == 'kick'
    assert by_name['squat']['accuracy'] == 0.5
    assert by_name['squat']['most_confused'] == 'wave'
    assert by_name['kick']['samples'] == 0
    assert by_name['kick']['accuracy'] is None
    assert report['overall']['top1'] == pytest.approx(4 / 6)
    # mmaction's mean class accuracy (as test.py reports it) counts a class
    # that is predicted but has no samples as 0
    assert report['overall']['mean_class_accuracy'] == pytest.approx(
        (0.75 + 0.5 + 0) / 3)
    out = tmp_path / 'scores_report'
    with open(out / 'per_class.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['name'], r['samples'], r['accuracy']) for r in rows] == [
        ('wave', '4', '0.75'), ('squat', '2', '0.5'), ('kick', '0', '')]
    with open(out / 'predictions.csv') as f:
        preds = list(csv.DictReader(f))
    assert [(p['name'], p['index'], p['predicted_name'], p['correct'])
            for p in preds] == [
                ('wave', '0', 'wave', 'True'), ('wave', '1', 'wave', 'True'),
                ('wave', '2', 'kick', 'False'), ('wave', '3', 'wave', 'True'),
                ('squat', '4', 'squat', 'True'),
                ('squat', '5', 'wave', 'False')]
    assert (out / 'confusion_matrix.csv').read_text().splitlines()[1] == (
        'wave,3,0,1')
    png = cv2.imread(str(out / 'confusion_matrix.png'))
    assert png is not None and min(png.shape[:2]) > 300
    assert 'squat        2     0.500  wave (1)' in capsys.readouterr().out


def test_report_rejects_a_label_map_of_another_size(tmp_path):
    dump = tmp_path / 'scores.pkl'
    one_hot_dump(dump, [(0, 0), (1, 1)], 2)
    names = tmp_path / 'labels.txt'
    names.write_text('a\nb\nc\n')
    with pytest.raises(ValueError, match='names 3 classes, expected 2'):
        load_script('tools/analysis/report.py').main(
            [str(dump), '--label-map', str(names)])

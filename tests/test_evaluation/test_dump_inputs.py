"""Dumps and fusion weights that must be refused with a message naming the
file and the sample, and the one lenient case: a ``[1, K]`` score."""
import pickle

import numpy as np
import pytest

from mmactx.evaluation import (check_weights, fuse_scores, load_predictions,
                               save_predictions)
from mmactx.utils import InputError


def sample(score=None, label=0):
    return dict(pred_score=np.full(5, 0.2, np.float32) if score is None
                else score, gt_label=label)


def nan_at(i):
    score = np.full(5, 0.2, np.float32)
    score[i] = np.nan
    return score


# (items of the dump, or bytes of the file) -> message
BAD_DUMPS = [
    ([sample(), sample(), sample(nan_at(1))],
     r'sample 2: pred_score holds NaN or infinite'),
    ([sample(np.array([0, np.inf, 0, 0, 0], np.float32))],
     r'sample 0: pred_score holds NaN or infinite'),
    ([sample(), sample(label=7)],
     r'sample 1: gt_label 7 is outside 0\.\.4 \(the dump has 5 classes\)'),
    ([sample(label=-1)], r'sample 0: gt_label -1 is outside 0\.\.4'),
    ([sample(label=[])], r'sample 0: gt_label is empty; expected one class'),
    ([sample(), sample(label=np.array([1, 2]))],
     r'sample 1: gt_label holds 2 labels \(multi-label'),
    ([sample(label=1.5)], r'sample 0: gt_label is 1\.5; expected an integer'),
    ([sample(label='walk')], r"sample 0: gt_label is 'walk'; expected an "
     r'integer class index'),
    ([sample(label=None)], r'sample 0: gt_label is None'),
    ([sample(np.zeros((2, 5), np.float32))],
     r'sample 0: pred_score has shape \[2, 5\]; expected \[K\]'),
    ([sample(np.float32(3))], r'pred_score has shape \[\]'),
    ([sample(['a'] * 5)], r'pred_score is not an array of numbers'),
    ([sample(), sample(np.zeros(4, np.float32))],
     r'samples have different numbers of scores \(sample 0 has 5, sample 1 '
     r'has 4\)'),
    ([], 'expected a non-empty list of predictions'),
    ([dict(pred_score=np.zeros(5))], 'sample 0 lacks pred_score/gt_label'),
    (b'not a pickle at all', 'not a readable pickle'),
]


@pytest.mark.parametrize('content,message', BAD_DUMPS)
def test_bad_dump_is_refused_naming_file_and_sample(tmp_path, content,
                                                    message):
    path = tmp_path / 'joint.pkl'
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(pickle.dumps(content))
    with pytest.raises(InputError, match=message) as info:
        load_predictions(str(path))
    assert str(path) in str(info.value)


def test_missing_dump_or_folder(tmp_path):
    with pytest.raises(InputError, match=r'dump .*nope\.pkl does not exist'):
        load_predictions(str(tmp_path / 'nope.pkl'))
    with pytest.raises(InputError, match=r'is not a file'):
        load_predictions(str(tmp_path))


def test_a_score_with_a_batch_axis_of_one_is_read_as_k(tmp_path):
    """Decision: ``[1, K]`` (a dump written with its batch dimension) is
    squeezed, since it can only mean one thing; ``[2, K]`` is refused."""
    rng = np.random.default_rng(0)
    scores = rng.random((3, 5)).astype(np.float32)
    flat, batched = tmp_path / 'flat.pkl', tmp_path / 'batched.pkl'
    save_predictions(str(flat), [sample(s, i) for i, s in enumerate(scores)])
    save_predictions(str(batched), [sample(s[None], np.array([i]))
                                    for i, s in enumerate(scores)])
    got, labels = load_predictions(str(batched))
    assert got.shape == (3, 5) and labels.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(got, load_predictions(str(flat))[0])


@pytest.mark.parametrize('weights,message', [
    ([float('nan'), 1], r'weight 1 is nan; weights must be finite and >= 0'),
    ([1, float('inf')], r'weight 2 is inf'),
    ([1, -0.5], r'weight 2 is -0\.5; weights must be finite and >= 0'),
    ([0, 0], r'all weights are 0'),
    ([1], r'1 weights for 2 streams'),
    ([1, 1, 1], r'3 weights for 2 streams'),
])
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(InputError, match=message):
        check_weights(weights, 2)
    with pytest.raises(InputError, match=message):
        fuse_scores([np.zeros((2, 3))] * 2, weights)


def test_good_weights_pass():
    check_weights([0, 2.5], 2)
    np.testing.assert_allclose(
        fuse_scores([np.ones((1, 2)), 2 * np.ones((1, 2))], [0, 2.5]),
        5 * np.ones((1, 2)))


def test_confusion_csv_quotes_class_names_with_commas(tmp_path):
    import csv

    from mmactx.evaluation import write_confusion_csv
    names = ['wave', 'sit down, stand up']
    path = str(tmp_path / 'cm.csv')
    write_confusion_csv(dict(confusion=[[3, 1], [0, 2]]), names, path)
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    assert rows == [['true\\predicted', *names], ['wave', '3', '1'],
                    ['sit down, stand up', '0', '2']]

"""Bad annotation files, one table per entry point: load_annotations (and
so PoseDataset), save_annotations and the summary; and the fast NaN test."""
import pickle

import numpy as np
import pytest

from mmactx.datasets import PoseDataset
from mmactx.datasets.annotation_io import (AnnotationError,
                                           AnnotationFileNotFoundError,
                                           _first_not_finite, all_finite,
                                           check_records, load_annotations,
                                           save_annotations)
from mmactx.datasets.summary import summarize
from mmactx.utils.cli import InputError


def record(i, dims=2, persons=1, frames=6, joints=17):
    r = dict(frame_dir=f'S001C001P001R001A{i:03d}', label=i % 3,
             total_frames=frames,
             keypoint=np.random.default_rng(i).random(
                 (persons, frames, joints, dims)).astype(np.float16))
    if dims == 2:
        r.update(keypoint_score=np.ones((persons, frames, joints),
                                        np.float16),
                 img_shape=(1080, 1920), original_shape=(1080, 1920))
    return r


def write(path, records, split=None):
    if split is None:
        split = dict(train=[r['frame_dir'] for r in records[:3]],
                     val=[r['frame_dir'] for r in records[3:]])
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=records), f)
    return str(path)


def setitem(field, value, at=None):
    """A mutation of record 2: ``record[field] = value`` or, with ``at``,
    ``record[field][at] = value``."""

    def mutate(r):
        if at is None:
            r[field] = value
        else:
            r[field] = r[field].astype(np.float32)
            r[field][at] = value
    return mutate


# (mutation of record 2, expected message after "record 2 (frame_dir=...):")
BAD_RECORDS = [
    (setitem('keypoint', np.nan, (0, 3, 5, 1)),
     r"field 'keypoint': nan at person 0, frame 3, joint 5, coordinate 1 "
     r'\(1 values are NaN or inf\); write a missing joint as 0 with '
     r'keypoint_score 0'),
    (setitem('keypoint', np.inf, (0, 1, 0, 0)),
     r"field 'keypoint': inf at person 0, frame 1, joint 0"),
    (setitem('keypoint', -np.inf, (0, 5, 16, 1)),
     r"field 'keypoint': -inf at person 0, frame 5, joint 16"),
    (setitem('keypoint_score', np.nan, (0, 2, 3)),
     r"field 'keypoint_score': nan at person 0, frame 2, joint 3"),
    (setitem('keypoint', np.full((1, 6, 17, 2), 'x')),
     r"field 'keypoint': dtype <U1 is not a number type"),
    (setitem('keypoint', np.zeros((1, 6, 17, 2), dtype=object)),
     r"field 'keypoint': dtype object is not a number type"),
    (setitem('keypoint', np.zeros((1, 6, 0, 2))),
     r"field 'keypoint': shape \(1, 6, 0, 2\) has no joints"),
    (setitem('keypoint_score', np.ones((1, 6, 16))),
     r"field 'keypoint_score': shape \(1, 6, 16\) does not match keypoint "
     r'shape \(1, 6, 17\)'),
    (setitem('keypoint_score', [[1.0] * 17] * 6),
     r"field 'keypoint_score': expected an array of shape \(1, 6, 17\), got "
     r'list'),
    (setitem('keypoint_score', np.full((1, 6, 17), 'a')),
     r"field 'keypoint_score': dtype <U1 is not a number type"),
    (setitem('img_shape', 480),
     r"field 'img_shape': expected \(h, w\) > 0, got 480 \(a pair of "
     r'ints\)'),
    (setitem('img_shape', (480, 0)),
     r"field 'img_shape': expected \(h, w\) > 0, got \(480, 0\)"),
    (setitem('img_shape', (480.0, 640.0)),
     r"field 'img_shape': expected \(h, w\) > 0, got"),
    (setitem('img_shape', (480, 640, 3)),
     r"field 'img_shape': expected \(h, w\) > 0, got"),
    (setitem('original_shape', '1080x1920'),
     r"field 'original_shape': expected \(h, w\) > 0, got"),
    (setitem('total_frames', 6.0),
     r"field 'total_frames': expected an int, got float"),
    (setitem('label', np.float32(1)),
     r"field 'label': expected an int, got float32"),
    (setitem('label', True), r"field 'label': expected an int, got bool"),
]


@pytest.mark.parametrize('mutate, message', BAD_RECORDS)
def test_bad_record_names_file_record_frame_dir_and_field(
        tmp_path, mutate, message):
    records = [record(i) for i in range(5)]
    mutate(records[2])
    path = write(tmp_path / 'bad.pkl', records)
    where = r"bad\.pkl: record 2 \(frame_dir='S001C001P001R001A002'\): "
    with pytest.raises(AnnotationError, match=where + message):
        load_annotations(path, 'train', num_classes=3)
    with pytest.raises(AnnotationError, match=where + message):
        PoseDataset(path, pipeline=[], split='train', num_classes=3)


@pytest.mark.parametrize('frame_dir, shown', [
    (7, '7'), ('', "''"), (None, 'None')])
def test_frame_dir_must_be_a_string(tmp_path, frame_dir, shown):
    records = [record(i) for i in range(3)]
    records[1]['frame_dir'] = frame_dir
    path = write(tmp_path / 'f.pkl', records, split={})
    with pytest.raises(AnnotationError,
                       match=rf"f\.pkl: record 1.*field 'frame_dir': "
                       rf'expected a non-empty str, got {shown}'):
        load_annotations(path)


# (edit of the records and the split, expected message)
BAD_FILES = [
    (lambda recs, split: recs.append(dict(recs[1])),
     r"bad\.pkl: records 1 and 5 have the same frame_dir "
     r"'S001C001P001R001A001'; each sample must appear once"),
    (lambda recs, split: split['train'].append('S001C001P001R001A099'),
     r"bad\.pkl: split 'train' names 1 unknown frame_dirs, e\.g\. "
     r"'S001C001P001R001A099'"),
    (lambda recs, split: split['train'].append(split['train'][0]),
     r"bad\.pkl: split 'train' names frame_dir 'S001C001P001R001A000' twice"),
    (lambda recs, split: split.update(train='S001C001P001R001A000'),
     r"bad\.pkl: split 'train' must be a list of frame_dirs \(str\); it "
     r"holds str 'S001C001P001R001A000'"),
    (lambda recs, split: split['train'].append(3),
     r"bad\.pkl: split 'train' must be a list of frame_dirs \(str\); it "
     r'holds int 3'),
]


@pytest.mark.parametrize('edit, message', BAD_FILES)
def test_bad_files_are_refused_by_every_reader(tmp_path, edit, message):
    records = [record(i) for i in range(5)]
    split = dict(train=[r['frame_dir'] for r in records[:3]],
                 val=[r['frame_dir'] for r in records[3:]])
    edit(records, split)
    path = write(tmp_path / 'bad.pkl', records, split)
    with pytest.raises(AnnotationError, match=message):
        load_annotations(path, 'train')
    with pytest.raises(AnnotationError, match=message):
        PoseDataset(path, pipeline=[], split='train')
    with pytest.raises(AnnotationError, match=message):
        summarize(path)
    with pytest.raises(AnnotationError, match=message.replace(
            r'bad\.pkl', r'out\.pkl')):
        save_annotations(str(tmp_path / 'out.pkl'), records, split)
    assert not (tmp_path / 'out.pkl').exists()


@pytest.mark.parametrize('data, message', [
    (dict(split={}, annotations={'a': 1}),
     r"'annotations' must be a list of records, got dict"),
    (dict(split=['train'], annotations=[]),
     r"'split' must be a dict of split name -> frame_dirs, got list"),
    (42, r'expected a dict or a list at the top level, got int'),
])
def test_bad_layouts(tmp_path, data, message):
    path = tmp_path / 'layout.pkl'
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(AnnotationError, match=r'layout\.pkl: ' + message):
        load_annotations(str(path))


def test_missing_file_or_folder_is_an_input_error(tmp_path):
    for path, what in ((tmp_path / 'nope.pkl', 'does not exist'),
                       (tmp_path, 'is a folder')):
        with pytest.raises(AnnotationFileNotFoundError, match=what) as e:
            PoseDataset(str(path), pipeline=[])
        # one sentence from the tools, and still a FileNotFoundError
        assert isinstance(e.value, InputError)
        assert isinstance(e.value, FileNotFoundError)


def test_numpy_int_labels_become_ints_and_missing_joints_stay_valid(
        tmp_path):
    records = [record(i) for i in range(5)]
    records[0]['label'] = np.int64(2)
    records[1]['label'] = np.uint8(1)
    records[1]['total_frames'] = np.int32(6)
    del records[2]['total_frames']
    # the convention for a missing joint: exactly 0 with score 0
    records[3]['keypoint'][0, :, 4] = 0
    records[3]['keypoint_score'][0, :, 4] = 0
    records[4]['img_shape'] = np.array([480, 640])
    path = write(tmp_path / 'ok.pkl', records)
    loaded = load_annotations(path, num_classes=3)
    assert [type(r['label']) for r in loaded] == [int] * 5
    assert [r['label'] for r in loaded] == [2, 1, 2, 0, 1]
    assert loaded[2]['total_frames'] == 6

    # mmaction's PackActionInputs takes them now (it refused numpy ints)
    ds = PoseDataset(path, pipeline=[dict(type='PackActionInputs',
                                          collect_keys=('keypoint', ))],
                     split='train', num_classes=3)
    assert ds[0]['data_samples'].gt_label.item() == 2


def test_the_first_bad_record_is_named_among_many(tmp_path):
    records = [record(i) for i in range(40)]
    records[31]['keypoint'] = records[31]['keypoint'].copy()
    records[31]['keypoint'][0, 0, 0, 0] = np.nan
    records[17]['keypoint_score'] = records[17]['keypoint_score'].copy()
    records[17]['keypoint_score'][0, 1, 2] = np.inf
    with pytest.raises(AnnotationError, match="record 17.*'keypoint_score'"):
        check_records(records)
    records[17]['keypoint_score'][0, 1, 2] = 0
    with pytest.raises(AnnotationError, match="record 31.*'keypoint'"):
        check_records(records)


@pytest.mark.parametrize('dtype', [np.float16, np.float32, np.float64,
                                   np.dtype('>f4'), np.longdouble])
def test_all_finite_and_the_blocked_search_agree_with_isfinite(dtype):
    rng = np.random.default_rng(0)
    arrays = [(rng.normal(size=(1, int(rng.integers(1, 50)), 3, 2)) *
               1000).astype(dtype) for _ in range(300)]
    arrays.insert(7, np.zeros((1, 2, 3, 2), np.int64))  # ints are finite
    assert all(all_finite(a) for a in arrays)
    assert _first_not_finite(arrays, block=64) is None
    for bad, value in ((250, np.nan), (3, -np.inf), (299, np.inf)):
        broken = [a.copy() for a in arrays]
        broken[bad].flat[-1] = value
        assert not all_finite(broken[bad])
        assert _first_not_finite(broken, block=64) == bad
        assert _first_not_finite(broken) == bad

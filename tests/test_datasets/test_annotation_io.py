"""Safe loading, checking and saving of annotation files; PoseDataset."""
import os
import pickle

import numpy as np
import pytest

from mmactx.datasets import (AnnotationError, PoseDataset, UnsafePickleError,
                             load_annotations, safe_load_pickle,
                             save_annotations)


def record(i, label=0, persons=1, frames=10, joints=17, dims=2):
    r = dict(
        frame_dir=f'S001C001P001R001A{i:03d}',
        label=label,
        total_frames=frames,
        keypoint=np.random.rand(persons, frames, joints, dims).astype(
            np.float16))
    if dims == 2:
        r.update(
            keypoint_score=np.ones((persons, frames, joints), np.float16),
            img_shape=(1080, 1920),
            original_shape=(1080, 1920))
    return r


def write(path, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj, f)
    return str(path)


@pytest.fixture
def ann(tmp_path):
    records = [record(i, label=i % 3) for i in range(6)]
    split = dict(xsub_train=[r['frame_dir'] for r in records[:4]],
                 xsub_val=[r['frame_dir'] for r in records[4:]])
    path = str(tmp_path / 'ann.pkl')
    save_annotations(path, records, split, num_classes=3)
    return path


def test_round_trip_and_split(ann):
    train = load_annotations(ann, 'xsub_train', num_classes=3)
    val = load_annotations(ann, 'xsub_val')
    assert [r['frame_dir'][-3:] for r in train] == ['000', '001', '002',
                                                    '003']
    assert len(val) == 2
    assert train[1]['keypoint'].shape == (1, 10, 17, 2)
    assert len(load_annotations(ann)) == 6


def test_list_format_and_3d(tmp_path):
    path = write(tmp_path / 'list.pkl', [record(0, dims=3, joints=25)])
    records = load_annotations(path, num_keypoints=25)
    assert records[0]['keypoint'].shape[-1] == 3
    with pytest.raises(AnnotationError, match='without splits'):
        load_annotations(path, 'train')


class Evil:

    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null',))


def test_malicious_pickle_is_refused(tmp_path):
    path = write(tmp_path / 'evil.pkl', dict(split={}, annotations=[Evil()]))
    with pytest.raises(UnsafePickleError,
                       match=r'evil.pkl.*(os|posix).system'):
        safe_load_pickle(path)


def test_objects_other_than_numpy_are_refused(tmp_path):
    import collections
    path = write(tmp_path / 'deque.pkl', collections.deque([1]))
    with pytest.raises(UnsafePickleError, match='collections.deque'):
        safe_load_pickle(path)


def test_numpy_scalars_and_arrays_load(tmp_path):
    obj = dict(a=np.float32(1.5), b=np.arange(3, dtype=np.int64),
               c=np.zeros((2, 2), np.float16), d=(1, 'x', None, True))
    loaded = safe_load_pickle(write(tmp_path / 'np.pkl', obj))
    assert loaded['a'] == np.float32(1.5)
    np.testing.assert_array_equal(loaded['b'], [0, 1, 2])
    assert loaded['c'].dtype == np.float16 and loaded['d'][3] is True


@pytest.mark.parametrize('mutate, field', [
    (lambda r: r.pop('label'), "'label': missing"),
    (lambda r: r.pop('keypoint'), "'keypoint': missing"),
    (lambda r: r.update(keypoint=np.zeros((10, 17, 2))), "'keypoint'"),
    (lambda r: r.update(keypoint=np.zeros((1, 10, 17, 4))), "'keypoint'"),
    (lambda r: r.update(total_frames=11), "'total_frames'"),
    (lambda r: r.update(keypoint_score=np.ones((1, 9, 17))),
     "'keypoint_score'"),
    (lambda r: r.pop('img_shape'), "'img_shape': missing"),
    (lambda r: r.update(label=7), "'label': 7 is outside"),
    (lambda r: r.update(label=-1), "'label': -1 is outside"),
    (lambda r: r.update(label='walk'), "'label': expected an int"),
])
def test_bad_records_name_file_record_and_field(tmp_path, mutate, field):
    records = [record(i) for i in range(3)]
    mutate(records[2])
    path = write(tmp_path / 'bad.pkl',
                 dict(split=dict(train=[r.get('frame_dir') for r in records]),
                      annotations=records))
    with pytest.raises(AnnotationError) as info:
        load_annotations(path, 'train', num_classes=3)
    message = str(info.value)
    assert 'bad.pkl' in message and 'record 2' in message
    assert 'A002' in message and field in message


def test_wrong_joint_count(tmp_path):
    path = write(tmp_path / 'v.pkl', [record(0, joints=18)])
    with pytest.raises(AnnotationError, match="'keypoint'.*V=18.*17"):
        load_annotations(path, num_keypoints=17)


def test_unknown_split_and_bad_top_level(ann, tmp_path):
    with pytest.raises(AnnotationError, match=r"unknown split 'xview_train'.*"
                       r"\['xsub_train', 'xsub_val'\]"):
        load_annotations(ann, 'xview_train')
    path = write(tmp_path / 'top.pkl', dict(annotations=[]))
    with pytest.raises(AnnotationError, match="top.pkl.*no 'split' key"):
        load_annotations(path, 'train')
    with pytest.raises(FileNotFoundError, match='missing.pkl'):
        load_annotations(str(tmp_path / 'missing.pkl'))


def test_save_checks_and_is_atomic(tmp_path):
    path = str(tmp_path / 'out.pkl')
    with pytest.raises(AnnotationError, match='unknown frame_dirs'):
        save_annotations(path, [record(0)], dict(train=['nope']))
    bad = record(0)
    bad['label'] = 5
    with pytest.raises(AnnotationError, match="'label'"):
        save_annotations(path, [bad], num_classes=3)
    assert os.listdir(tmp_path) == []  # nothing half-written


def test_pose_dataset_checks_before_training(ann, tmp_path):
    ds = PoseDataset(ann, pipeline=[], split='xsub_train', num_classes=3)
    assert len(ds) == 4
    info = ds.get_data_info(1)
    assert info['modality'] == 'Pose' and info['label'] == 1
    with pytest.raises(AnnotationError, match="'label': 2 is outside"):
        PoseDataset(ann, pipeline=[], split='xsub_train', num_classes=2)

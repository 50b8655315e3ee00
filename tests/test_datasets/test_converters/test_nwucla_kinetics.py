"""NW-UCLA and Kinetics-skeleton json files to records, field by field."""
import json

import numpy as np
import pytest

from mmactx.datasets.converters import SkipSample
from mmactx.datasets.converters.kinetics import (convert_kinetics_file,
                                                 convert_release_file)
from mmactx.datasets.converters.nwucla import (build_splits,
                                               convert_nwucla_file)
from mmactx.skeletons import OPENPOSE18_TO_COCO17


def write_json(path, obj):
    path.write_text(json.dumps(obj))
    return str(path)


# ---------------------------------------------------------------- NW-UCLA
def ucla(tmp_path, name='a08_s02_e01_v03', frames=5, **fields):
    rng = np.random.default_rng(0)
    skel = rng.normal(0, 0.5, (frames, 20, 3)).round(4)
    data = dict(file_name=name, skeletons=skel.tolist(), label=7)
    data.update(fields)
    return write_json(tmp_path / f'{name}.json', data), skel


def test_nwucla_record(tmp_path):
    path, skel = ucla(tmp_path)
    rec = convert_nwucla_file(path)['3d']
    assert rec['frame_dir'] == 'a08_s02_e01_v03'
    assert rec['label'] == 6  # a08 is the 7th action
    assert rec['total_frames'] == 5 and 'img_shape' not in rec
    assert rec['keypoint'].shape == (1, 5, 20, 3)
    np.testing.assert_allclose(rec['keypoint'][0], skel, rtol=1e-6)
    # the field may also hold the action number of the name
    path, _ = ucla(tmp_path, name='a12_s01_e00_v01', label=12)
    assert convert_nwucla_file(path)['3d']['label'] == 9


def test_nwucla_split_and_labels():
    names = ['a01_s01_e00_v01', 'a02_s01_e00_v02', 'a12_s10_e04_v03']
    assert build_splits(names) == dict(xview_train=names[:2],
                                       xview_val=names[2:])


@pytest.mark.parametrize('name,fields,reason', [
    ('a07_s01_e00_v01', {}, 'bad_name'),
    ('x01_s01_e00_v01', {}, 'bad_name'),
    ('a01_s01_e00_v01', dict(label=5), 'label_mismatch'),
    ('a01_s01_e00_v01', dict(skeletons=[[[0, 0, 0]] * 19]), 'joint_count'),
    ('a01_s01_e00_v01', dict(skeletons=[]), 'joint_count'),
    ('a01_s01_e00_v01', dict(skeletons=[[['x', 0, 0]] * 20]), 'malformed'),
    ('a01_s01_e00_v01', dict(skeletons=[[[float('nan'), 0, 0]] * 20]),
     'nan'),
])
def test_nwucla_bad_files(tmp_path, name, fields, reason):
    fields.setdefault('label', 1)
    path, _ = ucla(tmp_path, name=name, **fields)
    with pytest.raises(SkipSample) as e:
        convert_nwucla_file(path)
    assert e.value.reason == reason


def test_nwucla_missing_field_and_bad_json(tmp_path):
    path = write_json(tmp_path / 'a01_s01_e00_v01.json', dict(label=1))
    with pytest.raises(SkipSample, match="'skeletons' is missing"):
        convert_nwucla_file(path)
    (tmp_path / 'a01_s01_e01_v01.json').write_text('{"skeletons": [')
    with pytest.raises(SkipSample, match='not readable json'):
        convert_nwucla_file(str(tmp_path / 'a01_s01_e01_v01.json'))


# ------------------------------------------------------- Kinetics-skeleton
def op_person(rng, score):
    pose = rng.uniform(0.05, 0.95, 36).round(3)
    conf = np.full(18, score).round(3)
    conf[4] = 0  # one missed joint
    pose[8:10] = 0
    return dict(pose=pose.tolist(), score=conf.tolist())


def kinetics_video(rng):
    """Frames 1..3; frame 2 has three persons, frame 3 nobody."""
    people = [[op_person(rng, 0.6)],
              [op_person(rng, 0.3), op_person(rng, 0.9),
               op_person(rng, 0.5)], []]
    return dict(
        data=[dict(frame_index=i + 1, skeleton=p)
              for i, p in enumerate(people)],
        label='clapping', label_index=4), people


def test_kinetics_record_coco_and_openpose(tmp_path):
    rng = np.random.default_rng(1)
    video, people = kinetics_video(rng)
    path = write_json(tmp_path / 'abc123.json', video)
    rec = convert_kinetics_file(path, layout='openpose')['2d']
    assert rec['frame_dir'] == 'abc123' and rec['label'] == 4
    assert rec['img_shape'] == rec['original_shape'] == (256, 340)
    assert rec['total_frames'] == 3
    kp, score = rec['keypoint'], rec['keypoint_score']
    assert kp.shape == (2, 3, 18, 2) and score.shape == (2, 3, 18)
    # frame 2: the two best persons by summed score, best first
    for slot, src in ((0, people[1][1]), (1, people[1][2])):
        pose = np.array(src['pose']).reshape(18, 2) * (340, 256)
        np.testing.assert_allclose(kp[slot, 1], pose, rtol=1e-3)
        np.testing.assert_allclose(score[slot, 1], src['score'], rtol=1e-3)
    assert (kp[1, 0] == 0).all() and (kp[:, 2] == 0).all()  # nobody
    assert (kp[0, 0, 4] == 0).all() and score[0, 0, 4] == 0  # missed

    coco = convert_kinetics_file(path)['2d']
    assert coco['keypoint'].shape == (2, 3, 17, 2)
    np.testing.assert_array_equal(coco['keypoint'],
                                  kp[:, :, list(OPENPOSE18_TO_COCO17)])
    one = convert_kinetics_file(path, max_persons=1)['2d']
    np.testing.assert_array_equal(one['keypoint'], coco['keypoint'][:1])


def test_kinetics_label_file_of_the_release(tmp_path):
    rng = np.random.default_rng(2)
    folder = tmp_path / 'kinetics_val'
    folder.mkdir()
    for vid in ('v1', 'v2', 'v3'):
        write_json(folder / f'{vid}.json', kinetics_video(rng)[0])
    write_json(tmp_path / 'kinetics_val_label.json', {
        'v1': dict(has_skeleton=True, label='x', label_index=7),
        'v2': dict(has_skeleton=False, label='x', label_index=7)})
    assert convert_release_file(str(folder / 'v1.json'))['2d']['label'] == 7
    with pytest.raises(SkipSample, match='has_skeleton: false'):
        convert_release_file(str(folder / 'v2.json'))
    with pytest.raises(SkipSample, match="lacks 'v3'"):
        convert_release_file(str(folder / 'v3.json'))


@pytest.mark.parametrize('video,reason', [
    (dict(data=[dict(frame_index=1, skeleton=[])], label_index=0),
     'no_skeleton'),
    (dict(data=[dict(frame_index=1, skeleton=[dict(pose=[0.1] * 34,
                                                   score=[1] * 17)])],
          label_index=0), 'joint_count'),
    (dict(data=[dict(skeleton=[])], label_index=0), 'malformed'),
    (dict(label_index=0), 'malformed'),
    (dict(data=[dict(frame_index=1, skeleton=[dict(pose=[0.1] * 36,
                                                   score=[1] * 18)])]),
     'no_label'),
])
def test_kinetics_bad_files(tmp_path, video, reason):
    path = write_json(tmp_path / 'bad.json', video)
    with pytest.raises(SkipSample) as e:
        convert_kinetics_file(path)
    assert e.value.reason == reason

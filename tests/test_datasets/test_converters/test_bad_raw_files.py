"""Raw files the converters must skip with a reason rather than write
wrong: one table per converter, plus the batch's own checks."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from mmactx.datasets.converters import ResumableBatch, SkipSample
from mmactx.datasets.converters.batch import (input_stamps, invalid_record,
                                              run_conversion)
from mmactx.datasets.converters.kinetics import (convert_kinetics_file,
                                                 read_label_file)
from mmactx.datasets.converters.ntu import (convert_ntu_file, parse_name,
                                            read_ignore_list)
from mmactx.datasets.converters.nwucla import (build_splits,
                                               convert_nwucla_file)
from mmactx.datasets.converters.nwucla import parse_name as ucla_name
from mmactx.testing import kinect_rows, write_ntu_sample
from mmactx.utils.cli import InputError


def upright(frames, seed=0):
    """[T, 25, 3] joints of a person 3 m in front of the camera."""
    rng = np.random.default_rng(seed)
    xyz = np.stack([rng.uniform(-0.2, 0.2, (frames, 25)),
                    np.tile(np.linspace(-0.8, 0.8, 25), (frames, 1)),
                    3 + rng.uniform(-0.1, 0.1, (frames, 25))], -1)
    return xyz


def ntu(tmp_path, name='S001C001P001R001A001', frames=4, rows=None):
    rows = kinect_rows(upright(frames)) if rows is None else rows
    return write_ntu_sample(str(tmp_path), name, [('a', 0, rows)], frames)


# ------------------------------------------------------------------ NTU
@pytest.mark.parametrize('name, match', [
    ('S001C001P001R001A999', 'action 999 is outside the actions 1..120'),
    ('S001C001P001R001A000', 'action 0 is outside the actions 1..120'),
    ('S001C004P001R001A001', 'camera 4 is outside the cameras 1..3'),
    ('S033C001P001R001A001', 'setup 33 is outside the setups 1..32'),
    ('S001C001P107R001A001', 'subject 107 is outside the subjects 1..106'),
])
def test_ntu_ids_outside_the_dataset_are_refused(tmp_path, name, match):
    with pytest.raises(SkipSample, match=match) as e:
        parse_name(name + '.skeleton')
    assert e.value.reason == 'bad_name'
    # and so is the file: no label 998 is ever written
    with pytest.raises(SkipSample, match=match):
        convert_ntu_file(ntu(tmp_path, name))


def test_ntu_ids_at_the_edges_are_accepted():
    assert parse_name('S032C003P106R002A120').label == 119
    assert parse_name('S001C001P001R001A001').label == 0


def big(rows, column, value):
    rows = rows.copy()
    rows[1, 7, column] = value
    return rows


@pytest.mark.parametrize('edit, reason, match', [
    (lambda text: text + '0 0 0\ngarbage\n', 'trailing_data',
     r"line 114: 2 more lines after the 4 frames the file announces: "
     r"'0 0 0'"),
    (lambda text: text + '\n\n  \n1\n', 'trailing_data',
     r"line 117: 4 more lines after the 4 frames"),
    (lambda text: text.replace('4\n', '3\n', 1), 'trailing_data',
     'after the 3 frames the file announces'),
])
def test_ntu_trailing_data_is_skipped(tmp_path, edit, reason, match):
    path = ntu(tmp_path)
    with open(path) as f:
        text = f.read()
    with open(path, 'w') as f:
        f.write(edit(text))
    with pytest.raises(SkipSample, match=match) as e:
        convert_ntu_file(path)
    assert e.value.reason == reason


def test_ntu_trailing_blank_lines_are_fine(tmp_path):
    path = ntu(tmp_path)
    with open(path, 'a') as f:
        f.write('\n \n\n')
    assert convert_ntu_file(path)['3d']['keypoint'].shape == (1, 4, 25, 3)


@pytest.mark.parametrize('column, value, match', [
    (2, 1e6, r'actor 0, frame 1, joint 7: camera-space coordinate 1e\+06 m '
     r'is beyond 100 m'),
    (0, -250.0, 'camera-space coordinate -250 m is beyond 100 m'),
    (5, 7e4, r'colour coordinate 70000 px is beyond 65000 px'),
])
def test_ntu_absurd_coordinates_are_skipped(tmp_path, column, value, match):
    rows = big(kinect_rows(upright(4)), column, value)
    with pytest.raises(SkipSample, match=match) as e:
        convert_ntu_file(ntu(tmp_path, rows=rows))
    assert e.value.reason == 'absurd_coordinates'


def test_ntu_missing_ignore_list_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match='ignore list .*nope.txt does not '
                       'exist'):
        read_ignore_list(str(tmp_path / 'nope.txt'))


# -------------------------------------------------------------- NW-UCLA
def ucla(tmp_path, name='a01_s01_e00_v01', skeletons=None):
    if skeletons is None:
        skeletons = np.random.default_rng(0).normal(0, 0.5, (5, 20, 3))
    path = tmp_path / f'{name}.json'
    path.write_text(json.dumps(dict(skeletons=np.asarray(skeletons).tolist(),
                                    label=1)))
    return str(path)


@pytest.mark.parametrize('view', [0, 4, 12])
def test_nwucla_views_other_than_1_to_3_are_skipped(tmp_path, view):
    name = f'a01_s01_e00_v{view:02d}'
    match = f"'{name}.json': view v{view:02d} is not one of the 3 NW-UCLA"
    with pytest.raises(SkipSample, match=match) as e:
        convert_nwucla_file(ucla(tmp_path, name))
    assert e.value.reason == 'bad_name'
    with pytest.raises(SkipSample, match='view'):
        build_splits([name])
    assert ucla_name('a01_s01_e00_v03')['view'] == 3


@pytest.mark.parametrize('value, reason, match', [
    (1e30, 'absurd_coordinates',
     r'frame 2, joint 4: coordinate 1e\+30 m is beyond 100 m'),
    (-101.0, 'absurd_coordinates', 'coordinate -101 m is beyond 100 m'),
    (1e39, 'absurd_coordinates', r'coordinate 1e\+39 m'),  # inf in f32
    (float('nan'), 'nan', 'frame 2 holds NaN or inf'),
])
def test_nwucla_absurd_coordinates_are_skipped(tmp_path, value, reason,
                                               match):
    skel = np.random.default_rng(0).normal(0, 0.5, (5, 20, 3))
    skel[2, 4, 1] = value
    with pytest.raises(SkipSample, match=match) as e:
        convert_nwucla_file(ucla(tmp_path, skeletons=skel))
    assert e.value.reason == reason


# ------------------------------------------------------------- Kinetics
def kinetics(tmp_path, pose=None, label_index=3):
    pose = np.random.default_rng(0).uniform(0, 1, 36) if pose is None \
        else np.asarray(pose, float)
    frames = [dict(frame_index=t + 1, skeleton=[dict(
        pose=pose.tolist(), score=[0.9] * 18)]) for t in range(3)]
    path = tmp_path / 'vid.json'
    path.write_text(json.dumps(dict(data=frames, label='x',
                                    label_index=label_index)))
    return str(path)


@pytest.mark.parametrize('pose, match', [
    (np.random.default_rng(1).uniform(0, 1920, 36),
     r'frame_index 1: coordinate 1\d+(\.\d+)? is outside -0.5..1.5; the '
     r'release normalises them to 0..1 of the 340x256 frame \(pixels\?\)'),
    ([0.5] * 35 + [-3.0], 'coordinate -3 is outside -0.5..1.5'),
    ([0.5] * 35 + [250.0], 'coordinate 250 is outside'),
])
def test_kinetics_pixel_coordinates_are_skipped(tmp_path, pose, match):
    with pytest.raises(SkipSample, match=match) as e:
        convert_kinetics_file(kinetics(tmp_path, pose))
    assert e.value.reason == 'not_normalised'


def test_kinetics_joints_just_past_the_edge_are_kept(tmp_path):
    pose = [1.04, 0.5] * 18  # OpenPose does this in the release
    rec = convert_kinetics_file(kinetics(tmp_path, pose))['2d']
    assert np.isfinite(rec['keypoint']).all()
    assert rec['keypoint'][..., 0].max() == pytest.approx(1.04 * 340, 0.01)


@pytest.mark.parametrize('label_index, num_classes, reason, match', [
    (5000, 400, 'bad_label', r'label_index 5000 is outside 0\.\.399 '
     r'\(400 classes\)'),
    (400, 400, 'bad_label', r'label_index 400 is outside 0\.\.399'),
    (7, 5, 'bad_label', r'label_index 7 is outside 0\.\.4 \(5 classes\)'),
    (True, 400, 'no_label', 'label_index is True'),
    (-1, 400, 'no_label', 'label_index is -1'),
])
def test_kinetics_labels_outside_the_classes_are_skipped(
        tmp_path, label_index, num_classes, reason, match):
    with pytest.raises(SkipSample, match=match) as e:
        convert_kinetics_file(kinetics(tmp_path, label_index=label_index),
                              num_classes=num_classes)
    assert e.value.reason == reason
    rec = convert_kinetics_file(kinetics(tmp_path, label_index=399))['2d']
    assert rec['label'] == 399


@pytest.mark.parametrize('text, match', [
    ('{"v1": ', 'not a readable json label file'),
    ('["v1"]', 'expected a json object of video ids'),
    ('{"v1": 3}', 'expected a json object of video ids'),
])
def test_kinetics_broken_label_file_is_an_input_error(tmp_path, text, match):
    path = tmp_path / f'kinetics_{abs(hash(text))}_label.json'
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_label_file(str(path))


# ---------------------------------------------------------------- batch
def fake(path):
    """Converter of text files holding one number: the keypoint value."""
    with open(path) as f:
        value = float(f.read())
    name = osp.splitext(osp.basename(path))[0]
    with np.errstate(over='ignore'):  # 1e6 is inf in float16
        kp = np.full((1, 1, 2, 3), value, np.float16)
    return {'3d': dict(frame_dir=name, label=0, total_frames=1, keypoint=kp)}


def test_records_a_converter_gets_wrong_cost_one_file(tmp_path):
    for name, value in (('a', '1'), ('b', '1e6'), ('c', 'nan')):
        (tmp_path / f'{name}.txt').write_text(value)
    paths = sorted(str(p) for p in tmp_path.glob('*.txt'))
    out = str(tmp_path / 'out.pkl')
    result = run_conversion(paths, fake, {'3d': (out, None)},
                            str(tmp_path / 'r.txt'), 't', {}, progress=False)
    assert result['skipped'] == {'invalid_record': 2}
    report = (tmp_path / 'r.txt').read_text()
    # 1e6 overflows float16 to inf
    assert ("b.txt\tinvalid_record\t3d record (frame_dir='b'): field "
            "'keypoint': inf at person 0, frame 0, joint 0") in report
    assert "c.txt\tinvalid_record\t3d record (frame_dir='c')" in report
    assert invalid_record(fake(paths[0])) is None


def test_a_changed_input_is_converted_again_on_resume(tmp_path):
    raw = tmp_path / 'raw'
    raw.mkdir()
    for i in range(4):
        (raw / f'f{i}.txt').write_text(str(i))
    paths = sorted(str(p) for p in raw.glob('*.txt'))
    parts = str(tmp_path / 'parts')
    stamp = input_stamps(paths)
    assert stamp[0][:2] == ('f0.txt', 1)
    first = ResumableBatch(parts, dict(files=stamp), chunk_size=2).run(
        paths, fake, progress=False)
    assert first[0]['records']['3d']['keypoint'].max() == 0

    # a fixed input: same name, another size and mtime
    (raw / 'f0.txt').write_text('0.5')
    os.utime(raw / 'f0.txt', ns=(1, 1))
    assert input_stamps(paths)[0] == ('f0.txt', 3, 1)
    again = ResumableBatch(parts, dict(files=input_stamps(paths)),
                           chunk_size=2).run(paths, fake, progress=False)
    assert again[0]['records']['3d']['keypoint'].max() == 0.5


def test_duplicate_names_the_first_file_and_the_copy(tmp_path):
    for folder, value in (('train', '1'), ('val', '2')):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / 'v.txt').write_text(value)
    out = str(tmp_path / 'out.pkl')
    run_conversion([str(tmp_path / 'train' / 'v.txt'),
                    str(tmp_path / 'val' / 'v.txt')], fake,
                   {'3d': (out, None)}, str(tmp_path / 'r.txt'), 't', {},
                   progress=False)
    report = (tmp_path / 'r.txt').read_text()
    assert ("v.txt\tduplicate\tframe_dir 'v' came before, from train/v.txt;"
            " this copy from val/v.txt is left out") in report

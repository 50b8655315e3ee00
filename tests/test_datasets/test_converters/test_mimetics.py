"""Mimetics pose results (IntegralAction's data.json files) to records, and
tools/data/convert_mimetics.py on a small release written in tmp_path."""
import json

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import check_records, load_annotations
from mmactx.datasets.converters.mimetics import parse_pose_data, read_pose_file
from mmactx.datasets.label_names import class_key
from mmactx.testing import load_script
from mmactx.utils.cli import InputError

CLASSES = ['playing guitar', 'archery', 'bowling', 'juggling balls']


def person(x0, y0, kp_score, joints=18):
    """One person's 54 numbers: joint j at (x0 + j, y0 + 2j)."""
    out = []
    for j in range(joints):
        out += [x0 + j, y0 + 2 * j, kp_score]
    return out


def write_pose(root, cls, video, pose, score):
    folder = root / cls / video
    folder.mkdir(parents=True)
    (folder / 'data.json').write_text(json.dumps(dict(pose=pose,
                                                      score=score)))
    return str(folder / 'data.json')


def write_video(path, frames=4, size=(32, 24)):
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             size)
    for t in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 * t, np.uint8))
    writer.release()
    assert path.is_file()


def write_frames(folder, frames=3, size=(40, 30)):
    folder.mkdir(parents=True)
    for t in range(frames):
        cv2.imwrite(str(folder / f'img_{t + 1:05d}.jpg'),
                    np.full((size[1], size[0], 3), 100, np.uint8))


# ------------------------------------------------------------- parsing
def test_class_key():
    assert class_key('Playing_Guitar') == class_key('playing  guitar')
    assert class_key('juggling_balls') == 'juggling balls'


def test_parse_coordinates_scores_and_ranking():
    pose = [
        person(1, 2, 0.5) + person(100, 50, 1.0) + person(7, 7, 0.1),
        None,
        person(3, 4, 0.8),
    ]
    score = [[0.4, 0.9, 1.0], None, [0.5]]
    kp, kp_score = parse_pose_data(dict(pose=pose, score=score), 'f.json',
                                   max_persons=2)
    assert kp.shape == (2, 3, 18, 2) and kp.dtype == np.float32
    assert kp_score.shape == (2, 3, 18) and kp_score.dtype == np.float32
    # frame 0: means 0.2, 0.9, 0.1 -> persons 1 then 0; person 2 dropped
    np.testing.assert_allclose(kp_score[:, 0, 0], [0.9, 0.2], rtol=1e-6)
    np.testing.assert_allclose(kp[0, 0, 3], [103, 56])
    np.testing.assert_allclose(kp[1, 0, 17], [18, 36])
    # the null frame is all zero
    assert not kp[:, 1].any() and not kp_score[:, 1].any()
    # frame 2: one person, slot 1 empty
    np.testing.assert_allclose(kp_score[0, 2], 0.4, rtol=1e-6)
    np.testing.assert_allclose(kp[0, 2, 1], [4, 6])
    assert not kp[1, 2].any() and not kp_score[1, 2].any()


def test_parse_zero_score_joint_and_empty_video():
    values = person(10, 10, 0.5)
    values[3 * 4 + 2] = 0  # joint 4 not found
    kp, kp_score = parse_pose_data(dict(pose=[values], score=[[1.0]]), 'f')
    assert kp_score[0, 0, 4] == 0 and not kp[0, 0, 4].any()
    assert kp[0, 0, 5].tolist() == [15, 20]
    # nobody in any frame: one empty slot
    kp, kp_score = parse_pose_data(dict(pose=[None, None],
                                        score=[None, None]), 'f')
    assert kp.shape == (1, 2, 18, 2) and not kp_score.any()


@pytest.mark.parametrize('data,match', [
    ([1, 2], 'expected a json object'),
    (dict(score=[None]), "field 'pose'.*missing"),
    (dict(pose=[None], score=5), "field 'score'.*not a list"),
    (dict(pose=[], score=[]), "field 'pose' has no frame"),
    (dict(pose=[None, None], score=[None]),
     "field 'score' has 1 frames but field 'pose' has 2"),
    (dict(pose=[None, [0] * 53], score=[None, [1]]),
     "frame 1: field 'pose' has 53 values, not a multiple of 54"),
    (dict(pose=[[0] * 108], score=[[1]]),
     "frame 0: field 'score' has 1 values but field 'pose' has 2 persons"),
    (dict(pose=[[0] * 54], score=[None]),
     "frame 0: field 'score' has None but field 'pose' has 1 persons"),
    (dict(pose=[None], score=[[0.5]]),
     "frame 0: field 'score' holds .* but field 'pose' is empty"),
    (dict(pose=[None, [0] * 53 + ['x']], score=[None, [1]]),
     "frame 1: field 'pose': value 53 is 'x', not a number"),
    (dict(pose=[[0] * 54, [0] * 53 + [float('nan')]], score=[[1], [1]]),
     "frame 1: field 'pose': value 53 is nan"),
    (dict(pose=[[0] * 54], score=[[float('inf')]]),
     "frame 0: field 'score': value 0 is inf"),
    (dict(pose=[7], score=[[1]]), "frame 0: field 'pose' is a int"),
])
def test_parse_bad_data(data, match):
    with pytest.raises(InputError, match=r'^bad\.json: ' + match):
        parse_pose_data(data, 'bad.json')


def test_read_bad_json(tmp_path):
    path = tmp_path / 'data.json'
    path.write_text('{"pose": [')
    with pytest.raises(InputError, match='data.json: not a readable json'):
        read_pose_file(str(path))
    # NaN written by Python's json is refused with its frame and field
    path.write_text('{"pose": [[' + ', '.join(['NaN'] * 54) +
                    ']], "score": [[1]]}')
    with pytest.raises(InputError, match="frame 0: field 'pose': value 0"):
        read_pose_file(str(path))


# ------------------------------------------------------------ the tool
@pytest.fixture
def release(tmp_path):
    """Pose results of 4 videos in 3 class folders (named differently from
    the class list), their videos (mp4, avi, a frame folder) and one
    video without a pose file."""
    poses = tmp_path / 'pose_results'
    videos = tmp_path / 'videos'
    write_pose(poses, 'Playing_Guitar', 'v1',
               [person(5, 6, 0.5) + person(1, 1, 1.0), None, person(2, 3, 1)],
               [[1.0, 0.2], None, [0.9]])
    write_video(videos / 'Playing_Guitar' / 'v1.mp4', frames=3)
    write_pose(poses, 'archery', 'v2', [person(1, 1, 1)] * 4, [[1]] * 4)
    write_video(videos / 'archery' / 'v2.avi', frames=4, size=(48, 36))
    write_pose(poses, 'juggling_balls', 'v3', [None] * 3, [None] * 3)
    write_frames(videos / 'juggling_balls' / 'v3', frames=3)
    write_video(videos / 'archery' / 'v4.mp4')  # no pose file
    (poses / 'archery' / 'v5').mkdir()  # a pose folder without data.json
    classes = tmp_path / 'classes.txt'
    classes.write_text('\n'.join(CLASSES) + '\n')
    return tmp_path, poses, videos, classes


def run(release, *extra, out='out/mimetics.pkl'):
    tmp_path, poses, videos, classes = release
    out = tmp_path / out
    tool = load_script('tools/data/convert_mimetics.py')
    summary = tool.main([str(poses), '--videos', str(videos), '--classes',
                         str(classes), '--out', str(out), *extra])
    return out, summary


def test_convert_tool(release, capsys):
    out, summary = run(release)
    records = load_annotations(str(out), split='test', num_classes=4,
                               num_keypoints=18)
    check_records(records)
    by_name = {r['frame_dir']: r for r in records}
    assert sorted(by_name) == ['Playing_Guitar/v1', 'archery/v2',
                               'juggling_balls/v3']
    v1 = by_name['Playing_Guitar/v1']
    assert v1['label'] == 0 and v1['total_frames'] == 3
    assert v1['img_shape'] == v1['original_shape'] == (24, 32)
    assert v1['filename'] == 'Playing_Guitar/v1.mp4'
    assert v1['keypoint'].shape == (2, 3, 18, 2)
    assert v1['keypoint'].dtype == np.float32
    np.testing.assert_allclose(v1['keypoint_score'][:, 0, 0], [0.5, 0.2],
                               rtol=1e-6)
    np.testing.assert_allclose(v1['keypoint'][0, 0, 2], [7, 10])
    np.testing.assert_allclose(v1['keypoint_score'][0, 2], 0.9, rtol=1e-6)
    assert not v1['keypoint_score'][:, 1].any()
    v2 = by_name['archery/v2']
    assert v2['label'] == 1 and v2['img_shape'] == (36, 48)
    assert v2['filename'] == 'archery/v2.avi'
    v3 = by_name['juggling_balls/v3']
    assert v3['label'] == 3 and v3['img_shape'] == (30, 40)
    assert 'filename' not in v3 and v3['keypoint'].shape == (1, 3, 18, 2)
    assert summary['skipped'] == {'archery/v4': 'no_pose_file',
                                  'archery/v5': 'no_pose_file'}
    assert summary['no_person'] == ['juggling_balls/v3']
    printed = capsys.readouterr().out
    assert '3 videos of 3 of the 4 classes' in printed
    assert 'skipped: 2 (no_pose_file: 2)' in printed
    report = (out.parent / 'mimetics_report.txt').read_text()
    assert 'archery/v4\tno_pose_file' in report
    assert 'juggling_balls/v3\tno_person' in report


def test_max_persons_option(release):
    out, _ = run(release, '--max-persons', '1')
    v1 = {r['frame_dir']: r for r in load_annotations(str(out))}[
        'Playing_Guitar/v1']
    assert v1['keypoint'].shape == (1, 3, 18, 2)
    np.testing.assert_allclose(v1['keypoint_score'][0, 0, 0], 0.5,
                               rtol=1e-6)


def test_unknown_class(release):
    _, poses, videos, _ = release
    write_pose(poses, 'playing_guittar', 'v6', [None], [None])
    write_video(videos / 'playing_guittar' / 'v6.mp4', frames=1)
    with pytest.raises(InputError,
                       match="class folder 'playing_guittar' is not a class"
                       ".*closest: 'playing guitar'.*--skip-unknown"):
        run(release)
    out, summary = run(release, '--skip-unknown')
    assert summary['skipped']['playing_guittar/v6'] == 'unknown_class'
    assert len(load_annotations(str(out))) == 3


def test_missing_video_and_frame_count(release):
    _, poses, videos, _ = release
    write_pose(poses, 'bowling', 'v7', [None] * 10, [None] * 10)
    (videos / 'bowling').mkdir()
    (videos / 'bowling' / 'v7.webm').write_bytes(b'not a video' * 50)
    write_pose(poses, 'bowling', 'v8', [None], [None])  # no video at all
    write_pose(poses, 'bowling', 'v9', [None] * 10, [None] * 10)
    write_video(videos / 'bowling' / 'v9.mkv', frames=2)
    out, summary = run(release)
    assert summary['skipped']['bowling/v7'] == 'unreadable_video'
    assert summary['skipped']['bowling/v8'] == 'no_video'
    assert 'bowling/v9' in {r['frame_dir'] for r in load_annotations(str(
        out))}
    assert summary['frame_count_differs'] == {'bowling/v9': (10, 2)}


def test_bad_pose_file_names_file_frame_field(release):
    _, poses, videos, _ = release
    write_pose(poses, 'bowling', 'bad', [None, [0] * 55], [None, [1]])
    write_video(videos / 'bowling' / 'bad.mp4', frames=2)
    with pytest.raises(InputError, match=r"bowling/bad/data\.json: frame 1: "
                       r"field 'pose' has 55 values"):
        run(release)


def test_tool_errors(release):
    tmp_path, poses, videos, classes = release
    tool = load_script('tools/data/convert_mimetics.py')
    with pytest.raises(InputError, match='--classes .*nope.txt does not '
                       'exist'):
        tool.main([str(poses), '--videos', str(videos), '--classes',
                   str(tmp_path / 'nope.txt')])
    with pytest.raises(InputError, match='pose root .* is not a folder'):
        tool.main([str(tmp_path / 'none'), '--videos', str(videos),
                   '--classes', str(classes)])
    with pytest.raises(InputError, match='--videos .* is not a folder'):
        tool.main([str(poses), '--videos', str(tmp_path / 'none'),
                   '--classes', str(classes), '--out',
                   str(tmp_path / 'o.pkl')])
    with pytest.raises(InputError, match='would replace the input'):
        tool.main([str(poses), '--videos', str(videos), '--classes',
                   str(classes), '--out', str(classes)])
    with pytest.raises(InputError, match='no video to convert'):
        tool.main([str(poses), '--videos', str(tmp_path), '--classes',
                   str(classes), '--out', str(tmp_path / 'o.pkl')])
    assert not (tmp_path / 'o.pkl').exists()
    with pytest.raises(SystemExit):
        tool.main([str(poses), '--classes', str(classes)])  # no --videos
    with pytest.raises(SystemExit):
        tool.main([str(poses), '--videos', str(videos), '--classes',
                   str(classes), '--max-persons', '0'])
    dup = tmp_path / 'dup.txt'
    dup.write_text('archery\nplaying_guitar\nPlaying guitar\n')
    with pytest.raises(InputError, match="'playing_guitar' .line 2. and "
                       "'Playing guitar' .line 3. are the same class"):
        tool.main([str(poses), '--videos', str(videos), '--classes',
                   str(dup), '--out', str(tmp_path / 'o.pkl')])

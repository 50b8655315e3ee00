"""NTU .skeleton parsing, denoising, actor assignment and records, on small
files written in the exact format."""
import pickle

import numpy as np
import pytest

from mmactx.datasets.converters import SkipSample
from mmactx.datasets.converters.ntu import (NTU120_XSUB_TRAIN, build_splits,
                                            convert_ntu_file, denoise,
                                            format_skeleton, parse_name,
                                            read_skeleton)
from mmactx.skeletons import NTU25_TO_COCO17
from mmactx.testing import kinect_rows, write_ntu_sample

NAME = 'S002C003P008R001A010'


def person(frames, x=0.0, z=3.0, sway=0.05, seed=0):
    """[T, 25, 3] joints of an upright person (tall, narrow) who sways."""
    rng = np.random.default_rng(seed)
    base = np.stack([
        rng.uniform(-0.2, 0.2, 25),  # narrow in x
        np.linspace(-0.8, 0.8, 25),  # tall in y
        rng.uniform(-0.1, 0.1, 25)
    ], 1)
    t = np.arange(frames)[:, None]
    xyz = np.repeat(base[None], frames, 0)
    xyz[..., 0] += x + sway * np.sin(t / 5)
    xyz[..., 2] += z
    return xyz


def lying(frames, seed=0):
    """A body wider than tall: every frame is "noisy" for the spread rule."""
    xyz = person(frames, seed=seed)
    xyz[..., [0, 1]] = xyz[..., [1, 0]]
    return xyz


def write(tmp_path, bodies, frames, name=NAME):
    return write_ntu_sample(str(tmp_path), name, bodies, frames)


def test_parse_name_and_splits():
    name = parse_name(NAME + '.skeleton')
    assert name == (2, 3, 8, 1, 10) and name.label == 9
    assert name.in_ntu60() and not parse_name('S018C001P001R001A001'
                                              ).in_ntu60()
    with pytest.raises(SkipSample, match='not an NTU name'):
        parse_name('S1C1P1R1A1.skeleton')
    dirs = ['S001C001P001R001A001', 'S001C002P003R001A001',
            'S002C003P045R001A061']
    split60 = build_splits(dirs[:2], 'ntu60')
    assert split60 == dict(
        xsub_train=dirs[:1], xsub_val=dirs[1:2], xview_train=dirs[1:2],
        xview_val=dirs[:1])
    split120 = build_splits(dirs, 'ntu120')
    assert split120['xsub_train'] == [dirs[0], dirs[2]]  # P045 trains
    assert split120['xset_train'] == [dirs[2]]  # even setups train
    assert split120['xset_val'] == dirs[:2]
    assert len(NTU120_XSUB_TRAIN) == 53


def test_single_body_record_field_by_field(tmp_path):
    xyz = person(30)
    state = np.full((30, 25), 2)
    state[:, 5] = 1  # inferred: score 0.5
    state[:, 8] = 0  # not tracked: score 0
    rows = kinect_rows(xyz, state)
    path = write(tmp_path, [('72057594037931691', 0, rows)], 30)
    out = convert_ntu_file(path)

    rec3d = out['3d']
    assert rec3d['frame_dir'] == NAME and rec3d['label'] == 9
    assert rec3d['total_frames'] == 30 and 'img_shape' not in rec3d
    assert rec3d['keypoint'].dtype == np.float16
    assert rec3d['keypoint'].shape == (1, 30, 25, 3)
    expected = xyz - xyz[0, 1]  # centred on SpineMid of the first frame
    np.testing.assert_allclose(rec3d['keypoint'][0], expected, atol=2e-3)

    rec2d = out['2d']
    assert rec2d['img_shape'] == rec2d['original_shape'] == (1080, 1920)
    assert rec2d['keypoint'].shape == (1, 30, 17, 2)
    color = rows[..., 5:7]
    for coco, ntu in enumerate(NTU25_TO_COCO17):
        got_kp = rec2d['keypoint'][0, :, coco]
        got_score = rec2d['keypoint_score'][0, :, coco]
        if ntu is None:  # eyes and ears: missing
            assert (got_kp == 0).all() and (got_score == 0).all()
            continue
        np.testing.assert_allclose(got_kp, color[:, ntu], rtol=1e-3)
        want = {5: 0.5, 8: 0.0}.get(ntu, 1.0)
        assert (got_score == want).all(), (coco, ntu)


def test_ntu_2d_layout_keeps_25_joints(tmp_path):
    rows = kinect_rows(person(15))
    path = write(tmp_path, [('1', 0, rows)], 15)
    rec = convert_ntu_file(path, layout_2d='ntu')['2d']
    assert rec['keypoint'].shape == (1, 15, 25, 2)
    np.testing.assert_allclose(rec['keypoint'][0], rows[..., 5:7], rtol=1e-3)


RECORD_2D_KEYS = {'frame_dir', 'label', 'total_frames', 'video_frame_inds',
                  'keypoint', 'keypoint_score', 'img_shape', 'original_shape'}


def test_depth_is_the_raw_camera_z_and_zero_where_missing(tmp_path):
    big = person(30, x=-0.5, z=2.5, sway=0.3, seed=1)  # actor 1
    small = person(15, x=0.8, z=3.7, sway=0.05, seed=2)  # actor 2, 0-14
    state = np.full((30, 25), 2)
    state[:, 7] = 0  # not tracked: score 0, depth 0
    state[:, 4] = 1  # inferred: score 0.5, depth kept
    path = write(tmp_path, [('big', 0, kinect_rows(big, state)),
                            ('small', 0, kinect_rows(small))], 30)
    out = convert_ntu_file(path, layout_2d='ntu', with_depth=True)
    rec = out['2d']
    assert set(rec) == RECORD_2D_KEYS | {'keypoint_depth'}
    depth = rec['keypoint_depth']
    assert depth.dtype == np.float32 and depth.shape == (2, 30, 25)
    # the file's z in metres, not the centred 3D record's
    want = big[..., 2].copy()
    want[:, 7] = 0
    np.testing.assert_allclose(depth[0], want, rtol=1e-6)
    np.testing.assert_allclose(depth[1, :15], small[..., 2], rtol=1e-6)
    assert (depth[1, 15:] == 0).all()  # actor 2 absent
    np.testing.assert_array_equal(depth == 0, rec['keypoint_score'] == 0)
    assert abs(out['3d']['keypoint'][0, 0, 1, 2]) < 1e-3  # 3D is centred
    assert 'keypoint_depth' not in out['3d']

    # COCO-17: the depth follows the joints; eyes and ears are missing
    coco = convert_ntu_file(path, with_depth=True)['2d']
    for c, ntu in enumerate(NTU25_TO_COCO17):
        want = 0 if ntu is None else depth[:, :, ntu]
        np.testing.assert_array_equal(coco['keypoint_depth'][:, :, c], want)


@pytest.mark.parametrize('layout', ['coco', 'ntu'])
def test_records_without_depth_are_unchanged(tmp_path, layout):
    path = write(tmp_path, [('1', 0, kinect_rows(person(12)))], 12)
    plain = convert_ntu_file(path, layout_2d=layout)
    assert set(plain['2d']) == RECORD_2D_KEYS
    assert set(plain['3d']) == RECORD_2D_KEYS - {
        'keypoint_score', 'img_shape', 'original_shape'}
    deep = convert_ntu_file(path, layout_2d=layout, with_depth=True)
    assert pickle.dumps(plain['3d']) == pickle.dumps(deep['3d'])
    del deep['2d']['keypoint_depth']
    assert pickle.dumps(plain['2d']) == pickle.dumps(deep['2d'])


def test_frames_without_bodies_are_removed(tmp_path):
    rows = kinect_rows(person(20))
    # frames 0-1 and 12-14 of the 25 hold no body
    frames = [[] for _ in range(25)]
    kept = [f for f in range(25) if f not in (0, 1, 12, 13, 14)]
    for i, f in enumerate(kept):
        frames[f].append(('7', rows[i]))
    path = tmp_path / f'{NAME}.skeleton'
    path.write_text(format_skeleton(frames))
    path = str(path)
    bodies = read_skeleton(path)
    np.testing.assert_array_equal(bodies['7'].frames, np.arange(20))
    rec = convert_ntu_file(path)['3d']
    assert rec['total_frames'] == 20
    np.testing.assert_array_equal(rec['video_frame_inds'], kept)
    np.testing.assert_allclose(
        rec['keypoint'][0], rows[..., :3] - rows[0, 1, :3], atol=2e-3)


def test_short_and_spread_noise_bodies_are_dropped(tmp_path):
    actor = kinect_rows(person(60, sway=0.02))
    short = kinect_rows(person(11, x=1.0, sway=0.5, seed=1))  # <= 11 frames
    flat = kinect_rows(lying(40, seed=2))  # noisy in every frame
    path = write(tmp_path, [('a', 0, actor), ('b', 10, short),
                            ('c', 5, flat)], 60)
    bodies = read_skeleton(path)
    assert list(bodies) == ['a', 'c', 'b']  # order of first appearance
    kept = denoise(bodies)
    assert len(kept) == 1 and kept[0].frames.size == 60
    rec = convert_ntu_file(path)['3d']
    assert rec['keypoint'].shape == (1, 60, 25, 3)


def test_a_single_tracking_id_is_never_denoised(tmp_path):
    path = write(tmp_path, [('a', 0, kinect_rows(lying(8)))], 8)
    rec = convert_ntu_file(path)['3d']
    assert rec['keypoint'].shape == (1, 8, 25, 3)


def test_motion_orders_actors_and_spread_lowers_motion(tmp_path):
    calm = person(50, x=-0.8, sway=0.01, seed=3)
    lively = person(50, x=0.8, sway=0.3, seed=4)
    path = write(tmp_path, [('calm', 0, kinect_rows(calm)),
                            ('lively', 0, kinect_rows(lively))], 50)
    rec = convert_ntu_file(path)['3d']
    assert rec['keypoint'].shape == (2, 50, 25, 3)
    origin = lively[0, 1]  # actor 1 is the most moving body
    np.testing.assert_allclose(rec['keypoint'][0], lively - origin,
                               atol=3e-3)
    np.testing.assert_allclose(rec['keypoint'][1], calm - origin, atol=3e-3)

    # a body that is noisy (wide) in 40% of its frames, where all its
    # motion is, and still otherwise: its motion drops to that of its valid
    # frames, below the calm body's (same shape, slight sway)
    calm = person(50, x=-0.8, sway=0.01, seed=4)
    jumpy = person(50, x=0.8, sway=0.0, seed=4)
    jumpy[:20] = lying(20, seed=5)
    jumpy[:20, :, 0] *= 3
    bodies = {'calm': kinect_rows(calm), 'jumpy': kinect_rows(jumpy)}
    path = write(tmp_path, [(k, 0, v) for k, v in bodies.items()], 50,
                 name='S001C001P001R001A001')
    order = denoise(read_skeleton(path))
    assert [b.frames.size for b in order] == [50, 50]
    np.testing.assert_allclose(order[0].xyz, calm, atol=1e-6)


def test_actor_slots_follow_intervals(tmp_path):
    big = person(40, sway=0.4, seed=6)  # the most motion: actor 1
    mid = person(40, x=1.0, sway=0.2, seed=7)
    later = person(30, x=0.2, sway=0.1, seed=8)
    small = person(40, x=-1.0, sway=0.05, seed=9)
    # big: frames 0-39; mid: 0-39 (overlaps, actor 2); later: 40-69, after
    # big (actor 1 again); small: overlaps both actors, dropped
    path = write(tmp_path, [('big', 0, kinect_rows(big)),
                            ('mid', 0, kinect_rows(mid)),
                            ('later', 40, kinect_rows(later)),
                            ('small', 0, kinect_rows(small))], 70)
    rec = convert_ntu_file(path)['3d']['keypoint']
    assert rec.shape == (2, 70, 25, 3)
    origin = big[0, 1]
    np.testing.assert_allclose(rec[0, :40], big - origin, atol=3e-3)
    np.testing.assert_allclose(rec[0, 40:], later - origin, atol=3e-3)
    np.testing.assert_allclose(rec[1, :40], mid - origin, atol=3e-3)
    assert (rec[1, 40:] == 0).all()  # actor 2 absent there


@pytest.mark.parametrize('text,reason,match', [
    ('3\n1\n', 'truncated', 'ends in frame 1 of 3'),
    ('x\n', 'malformed', 'line 1: expected the frame count'),
    ('1\n1\n1 2 3\n', 'malformed', 'body line has 3 values'),
    ('1\n1\n' + '1 ' * 10 + '\n24\n', 'joint_count', '24 joints'),
    ('2\n0\n0\n', 'no_skeleton', 'no frame has a body'),
])
def test_bad_files_are_skipped_with_a_reason(tmp_path, text, reason, match):
    path = tmp_path / f'{NAME}.skeleton'
    path.write_text(text)
    with pytest.raises(SkipSample, match=match) as e:
        convert_ntu_file(str(path))
    assert e.value.reason == reason


@pytest.mark.parametrize('edit,reason,match', [
    (lambda lines: lines.__setitem__(10, lines[10] + ' 7'), 'malformed',
     'line 11 has 13 values'),
    (lambda lines: lines.__setitem__(
        12, lines[12].replace(lines[12].split()[0], 'nan', 1)), 'nan',
     'line 13 holds NaN'),
    (lambda lines: lines.__setitem__(9, 'a b c d e f g h i j k l'),
     'malformed', 'line 10 holds a non-number'),
    (lambda lines: lines.__delitem__(slice(40, None)), 'truncated',
     'ends in frame 2 of 4, inside a body'),
])
def test_bad_joint_lines_name_the_line(tmp_path, edit, reason, match):
    path = write(tmp_path, [('a', 0, kinect_rows(person(4)))], 4)
    with open(path) as f:
        lines = f.read().split('\n')
    edit(lines)
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    with pytest.raises(SkipSample, match=match) as e:
        convert_ntu_file(path)
    assert e.value.reason == reason


def test_file_cut_inside_the_last_joint_line_is_truncated(tmp_path):
    path = write(tmp_path, [('a', 0, kinect_rows(person(2)))], 2)
    with open(path) as f:
        text = f.read().rstrip()
    with open(path, 'w') as f:
        f.write(text[:-12])
    # 1 + 2 frames x (count, body, joint count, 25 joints) = 57 lines
    with pytest.raises(SkipSample, match='ends inside line 57') as e:
        convert_ntu_file(path)
    assert e.value.reason == 'truncated'

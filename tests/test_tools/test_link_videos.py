"""tools/data/link_videos.py on Kinetics-skeleton records (made by the
Kinetics converter) and tiny mp4 videos in tmp_path."""
import json

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import (load_annotations, safe_load_pickle,
                                           save_annotations)
from mmactx.datasets.converters.kinetics import convert_kinetics_file
from mmactx.testing import load_script
from mmactx.utils.cli import InputError


def write_video(path, frames, size=(32, 24)):
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             size)
    for t in range(frames):
        writer.write(np.full((size[1], size[0], 3), 30 * t, np.uint8))
    writer.release()
    assert cv2.VideoCapture(str(path)).get(cv2.CAP_PROP_FRAME_COUNT) == \
        frames


def kinetics_record(tmp_path, video_id, frames, label=0):
    """A record of the Kinetics converter (OpenPose-18 layout) whose frame
    t has score (t + 1) / 10."""
    data = dict(data=[dict(frame_index=t + 1, skeleton=[dict(
        pose=[0.5] * 36, score=[(t + 1) / 10] * 18)])
        for t in range(frames)], label='x', label_index=label)
    path = tmp_path / 'json' / f'{video_id}.json'
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data))
    return convert_kinetics_file(str(path), layout='openpose')['2d']


@pytest.fixture
def dataset(tmp_path):
    videos = tmp_path / 'videos'
    write_video(videos / 'archery' / 'abcdefghijk_000010_000020.mp4', 5)
    write_video(videos / 'bowling' / 'Zz-_9x_y1Aa_000001_000011.mp4', 3)
    write_video(videos / 'val' / 'qqq_000000_000010.mp4', 4)
    (videos / 'notes.txt').write_text('not a video')
    (videos / 'bowling' / 'broken_000000_000010.mp4').write_bytes(b'x' * 99)
    records = [
        kinetics_record(tmp_path, 'abcdefghijk', 3),  # padded to 5
        kinetics_record(tmp_path, 'Zz-_9x_y1Aa', 6, label=1),  # cut to 3
        kinetics_record(tmp_path, 'qqq_000000_000010', 4),  # full name
        kinetics_record(tmp_path, 'missing', 2),
        kinetics_record(tmp_path, 'broken', 2),
    ]
    ann = tmp_path / 'k.pkl'
    save_annotations(str(ann), records, dict(
        train=['abcdefghijk', 'Zz-_9x_y1Aa', 'missing', 'broken'],
        val=['qqq_000000_000010']))
    return tmp_path, ann, videos


def run(ann, videos, out, *extra):
    return load_script('tools/data/link_videos.py').main(
        [str(ann), str(videos), '--out', str(out), '--workers', '2',
         *extra])


def test_link(dataset, capsys):
    tmp_path, ann, videos = dataset
    out = tmp_path / 'out' / 'linked.pkl'
    summary = run(ann, videos, out)
    train = load_annotations(str(out), split='train', num_keypoints=18)
    val = load_annotations(str(out), split='val')
    assert [r['frame_dir'] for r in train] == ['abcdefghijk', 'Zz-_9x_y1Aa']
    a, z = train
    assert a['filename'] == 'archery/abcdefghijk_000010_000020.mp4'
    assert z['filename'] == 'bowling/Zz-_9x_y1Aa_000001_000011.mp4'
    assert val[0]['filename'] == 'val/qqq_000000_000010.mp4'
    # padded: frames 3, 4 are zero with score 0; the others unchanged
    assert a['total_frames'] == 5 and a['keypoint'].shape == (1, 5, 18, 2)
    assert a['keypoint_score'].shape == (1, 5, 18)
    np.testing.assert_allclose(a['keypoint_score'][0, :, 0],
                               [0.1, 0.2, 0.3, 0, 0], rtol=1e-3)
    assert (a['keypoint'][0, :3] == [170, 128]).all()  # 0.5 of 340x256
    assert not a['keypoint'][0, 3:].any()
    assert a['keypoint'].dtype == np.float16
    # cut: the first 3 of 6 frames
    assert z['total_frames'] == 3 and z['label'] == 1
    np.testing.assert_allclose(z['keypoint_score'][0, :, 0],
                               [0.1, 0.2, 0.3], rtol=1e-3)
    assert val[0]['total_frames'] == 4
    assert a['img_shape'] == (256, 340)  # keypoints stay in 340x256 pixels
    assert summary['kept'] == 3 and summary['cut'] == 1
    assert summary['padded'] == 1 and summary['same'] == 1
    assert sorted(summary['dropped']) == ['broken', 'missing']
    report = (tmp_path / 'out' / 'linked_report.txt').read_text()
    assert 'converted: 3' in report and 'skipped: 2' in report
    assert 'missing\tno_video' in report
    assert 'broken\tunreadable_video' in report
    splits = safe_load_pickle(str(out))['split']
    assert splits == dict(train=['abcdefghijk', 'Zz-_9x_y1Aa'],
                          val=['qqq_000000_000010'])
    printed = capsys.readouterr().out
    assert '3 of 5 records linked (1 cut, 1 padded' in printed
    assert 'train: 2 of 4' in printed


def test_mmdecode_reads_linked_record(dataset):
    from mmactx.datasets.transforms.video import MMDecode
    tmp_path, ann, videos = dataset
    out = tmp_path / 'linked.pkl'
    run(ann, videos, out)
    record = load_annotations(str(out), split='train')[0]
    results = dict(record, modality=['RGB', 'Pose'],
                   RGB_inds=np.arange(5), Pose_inds=np.arange(5))
    results = MMDecode(video_root=str(videos), max_shortfall=0)(results)
    assert len(results['imgs']) == 5
    assert results['imgs'][0].shape == (24, 32, 3)
    # keypoints rescaled from 340x256 to 32x24
    np.testing.assert_allclose(results['keypoint'][0, 0, 0],
                               [16, 12], rtol=1e-3)


def test_plain_list_and_no_score(tmp_path):
    videos = tmp_path / 'v'
    write_video(videos / 'a_000000_000010.mp4', 4)
    rec = dict(frame_dir='a', label=0, img_shape=(24, 32),
               keypoint=np.ones((1, 2, 17, 2), np.float32))
    save_annotations(str(tmp_path / 'a.pkl'), [rec])
    run(tmp_path / 'a.pkl', videos, tmp_path / 'b.pkl')
    (out, ) = safe_load_pickle(str(tmp_path / 'b.pkl'))
    assert out['total_frames'] == 4
    assert out['keypoint_score'][0, :, 0].tolist() == [1, 1, 0, 0]


def test_errors(dataset):
    tmp_path, ann, videos = dataset
    out = tmp_path / 'o.pkl'
    write_video(videos / 'other' / 'qqq_000000_000010.mp4', 2)
    with pytest.raises(InputError, match=r"record 'qqq_000000_000010': two "
                       r'videos .* match it: other/qqq_000000_000010\.mp4 '
                       r'and val/qqq_000000_000010\.mp4'):
        run(ann, videos, out)
    (videos / 'other' / 'qqq_000000_000010.mp4').unlink()
    with pytest.raises(InputError, match='would replace the input'):
        run(ann, videos, ann)
    with pytest.raises(InputError, match='video_root .* is not a folder'):
        run(ann, tmp_path / 'none', out)
    with pytest.raises(InputError, match='ann_file .* does not exist'):
        run(tmp_path / 'none.pkl', videos, out)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(InputError, match='no video'):
        run(ann, tmp_path / 'empty', out)
    lone = tmp_path / 'lone.pkl'
    save_annotations(str(lone), [dict(
        frame_dir='nothing', label=0, img_shape=(2, 2),
        keypoint=np.ones((1, 2, 17, 2), np.float32))])
    with pytest.raises(InputError, match='none of the 1 records'):
        run(lone, videos, out)
    inds = tmp_path / 'inds.pkl'
    save_annotations(str(inds), [dict(
        frame_dir='abcdefghijk', label=0, img_shape=(2, 2),
        video_frame_inds=np.arange(2),
        keypoint=np.ones((1, 2, 17, 2), np.float32))])
    with pytest.raises(InputError, match="field 'video_frame_inds'"):
        run(inds, videos, out)
    assert not out.exists()


def test_frame_folders(tmp_path):
    """--frames: IntegralAction's extracted frames (``%06d.jpg`` from 1);
    the frame_dir becomes the folder, which MMDecode(backend='frames')
    reads."""
    from mmactx.datasets.transforms.video import MMDecode
    frames = tmp_path / 'frames'
    for video_id, count in (('abc', 4), ('xyz', 2)):
        folder = frames / 'archery' / f'{video_id}_000010_000020'
        folder.mkdir(parents=True)
        for t in range(count):
            cv2.imwrite(str(folder / f'{t + 1:06d}.jpg'),
                        np.full((24, 32, 3), 40 * t, np.uint8))
    (frames / 'archery' / 'notes.txt').write_text('no images here')
    records = [kinetics_record(tmp_path, 'abc', 3),
               kinetics_record(tmp_path, 'xyz', 3, label=1),
               kinetics_record(tmp_path, 'gone', 3)]
    ann = tmp_path / 'k.pkl'
    save_annotations(str(ann), records, dict(train=['abc', 'gone'],
                                             val=['xyz']))
    out = tmp_path / 'linked.pkl'
    summary = run(ann, frames, out, '--frames')
    assert summary['padded'] == 1 and summary['cut'] == 1
    data = safe_load_pickle(str(out))
    assert data['split'] == dict(train=['archery/abc_000010_000020'],
                                 val=['archery/xyz_000010_000020'])
    abc = load_annotations(str(out), split='train')[0]
    assert abc['total_frames'] == 4 and 'filename' not in abc
    results = dict(abc, modality=['RGB', 'Pose'], RGB_inds=np.arange(4),
                   Pose_inds=np.arange(4))
    results = MMDecode(backend='frames', filename_tmpl='{:06d}.jpg',
                       video_root=str(frames), max_shortfall=0)(results)
    assert [int(f.mean()) for f in results['imgs']] == [0, 40, 80, 120]
    with pytest.raises(InputError, match='no frame folder'):
        run(ann, tmp_path / 'json', tmp_path / 'none.pkl', '--frames')

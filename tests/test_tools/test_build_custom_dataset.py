"""tools/data/build_custom_dataset.py on videos made from real photos
(MediaPipe poses), with a corrupt video and one nobody is in."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import load_annotations
from mmactx.video_annotations import (VideoItem, parse_video_list,
                                      stratified_split)
from mmactx.testing import load_script


def photo_video(path, photo_name, frames=5, shift=6, blank=False):
    import skimage
    photo = cv2.imread(
        osp.join(osp.dirname(skimage.__file__), 'data', photo_name))
    if blank:
        photo = np.full_like(photo, 90)
    h, w = photo.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (w, h))
    for t in range(frames):
        writer.write(np.roll(photo, shift * t, axis=1))
    writer.release()


@pytest.mark.slow
def test_build_from_videos_with_failures(tmp_path, monkeypatch):
    monkeypatch.setenv('MMACTX_CACHE', str(tmp_path / 'cache'))
    (tmp_path / 'a').mkdir()
    photo_video(tmp_path / 'a' / 'cam1.mp4', 'camera.png')
    photo_video(tmp_path / 'a' / 'cam2.mp4', 'camera.png', shift=-6)
    photo_video(tmp_path / 'astro1.mp4', 'astronaut.png')
    photo_video(tmp_path / 'astro2.mp4', 'astronaut.png', shift=4)
    photo_video(tmp_path / 'empty.mp4', 'camera.png', blank=True)
    (tmp_path / 'broken.mp4').write_bytes(b'not a video' * 100)
    (tmp_path / 'labels.txt').write_text('filming\nspacewalk\n')
    (tmp_path / 'videos.txt').write_text(
        '# video label [split]\n'
        'a/cam1.mp4 filming\n'
        'a/cam2.mp4 0\n'
        'astro1.mp4 spacewalk val\n'
        'astro2.mp4 1\n'
        'empty.mp4 0\n'
        'broken.mp4 1 train\n')
    out = tmp_path / 'out' / 'custom_2d.pkl'
    result = load_script('tools/data/build_custom_dataset.py').main([
        str(tmp_path / 'videos.txt'), '--out', str(out), '--label-map',
        str(tmp_path / 'labels.txt'), '--workers', '2'  # spawned workers
    ])
    assert result['converted'] == 4
    assert result['skipped'] == {'no_person': 1, 'undecodable': 1}
    report = (tmp_path / 'out' / 'custom_2d_report.txt').read_text()
    assert 'converted: 4' in report and 'skipped: 2' in report
    assert 'broken.mp4\tundecodable' in report
    assert 'empty.mp4\tno_person' in report
    records = load_annotations(str(out))
    assert [r['frame_dir'] for r in records] == [
        'a/cam1', 'a/cam2', 'astro1', 'astro2']
    assert [r['label'] for r in records] == [0, 0, 1, 1]
    for r in records:
        M = r['keypoint'].shape[0]
        assert r['keypoint'].shape == (M, 5, 17, 2) and 1 <= M <= 2
        assert r['keypoint_score'].shape == (M, 5, 17)
        assert r['img_shape'] == (512, 512) and r['total_frames'] == 5
        # person 0 is seen in every frame, its nose inside the image
        assert (r['keypoint_score'][0, :, 0] > 0.5).all()
        assert ((r['keypoint'][0, :, 0] > 0) &
                (r['keypoint'][0, :, 0] < 512)).all()
    # the scene pans right by 24 px in cam1: so does the tracked nose
    nose_x = records[0]['keypoint'][0, :, 0, 0]
    assert 12 < nose_x[-1] - nose_x[0] < 36
    split = load_annotations(str(out), split='val')
    assert sorted(r['frame_dir'] for r in split) == ['a/cam1', 'astro1'] or \
        sorted(r['frame_dir'] for r in split) == ['a/cam2', 'astro1']
    assert not (tmp_path / 'out' / 'custom_2d.parts').exists()


def test_video_list_errors_name_the_line(tmp_path):
    lst = tmp_path / 'v.txt'
    lst.write_text('a.mp4 0\nb.mp4\n')
    with pytest.raises(ValueError, match=r'v.txt, line 2: expected'):
        parse_video_list(str(lst))
    lst.write_text('a.mp4 jump\n')
    with pytest.raises(ValueError, match="line 1: label 'jump' is neither"):
        parse_video_list(str(lst), ['walk'])
    lst.write_text('a.mp4 3\n')
    with pytest.raises(ValueError, match=r'label 3 outside 0..1'):
        parse_video_list(str(lst), ['walk', 'run'])
    lst.write_text('a.mp4 0 test\n')
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        parse_video_list(str(lst))
    lst.write_text('x/a.mp4 0\nx/a.mp4 1\n')
    with pytest.raises(ValueError, match='listed twice'):
        parse_video_list(str(lst))
    lst.write_text('"my videos/a b.mp4" 1  # quoted path, comment\n')
    (item, ) = parse_video_list(str(lst))
    assert item.frame_dir == 'my videos/a b' and item.label == 1
    assert item.path == str(tmp_path / 'my videos' / 'a b.mp4')


def test_stratified_split_keeps_given_splits_and_every_class():
    items = [VideoItem(f'{c}{i}', c, None, f'{c}{i}')
             for c in range(3) for i in range(5)]
    items[0] = items[0]._replace(split='val')
    dirs = [it.frame_dir for it in items]
    split = stratified_split(items, dirs, 0.2, seed=0)
    assert sorted(split['train'] + split['val']) == sorted(dirs)
    assert '00' in split['val']
    for c in range(3):
        assert sum(d.startswith(str(c)) for d in split['val']) >= 1
    assert split == stratified_split(items, dirs, 0.2, seed=0)
    assert stratified_split(items, dirs, 0., seed=0)['val'] == ['00']

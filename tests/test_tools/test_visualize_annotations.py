"""tools/visualize_annotations.py on 2D and 3D records of several
layouts."""
import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import save_annotations
from mmactx.datasets.synthetic import generate_sample
from mmactx.testing import load_script
from mmactx.utils import InputError


def read_frames(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.fixture(scope='module')
def vis():
    return load_script('tools/visualize_annotations.py')


def test_2d_and_3d_records_of_several_layouts(vis, tmp_path):
    rng = np.random.default_rng(0)
    coco = generate_sample(rng, 0, frame_dir='coco', num_frames=12,
                           img_shape=(240, 320))
    ntu = generate_sample(rng, 1, layout='ntu3d', frame_dir='ntu',
                          num_frames=10)
    openpose = dict(frame_dir='openpose', label=2, total_frames=8,
                    img_shape=(100, 100), original_shape=(100, 100),
                    keypoint=rng.uniform(10, 90, (1, 8, 18, 2)).astype(
                        np.float32),
                    keypoint_score=np.ones((1, 8, 18), np.float32))
    ann = tmp_path / 'ann.pkl'
    save_annotations(str(ann), [coco, ntu, openpose])
    labels = tmp_path / 'labels.txt'
    labels.write_text('wave\nclap\nkick\n')
    out = tmp_path / 'vis'
    written = vis.main([str(ann), '--out-dir', str(out), '--records', '0',
                        'ntu', 'openpose', '--label-map', str(labels),
                        '--size', '160'])
    assert [p.split('/')[-1] for p in written] == [
        'coco.mp4', 'ntu.mp4', 'openpose.mp4']
    shapes = {'coco': (120, 160), 'ntu': (160, 160), 'openpose': (160, 160)}
    lengths = {'coco': 12, 'ntu': 10, 'openpose': 8}
    for name in shapes:
        frames = read_frames(out / f'{name}.mp4')
        assert len(frames) == lengths[name]
        assert frames[0].shape[:2] == shapes[name]
        # person-slot colours (saturated, unlike the grey background and
        # the white text and joints) are drawn in the lower part
        hsv = cv2.cvtColor(frames[-1], cv2.COLOR_BGR2HSV)
        assert (hsv[shapes[name][0] // 3:, :, 1] > 120).sum() > 20


def test_bad_record_and_layout_are_reported(vis, tmp_path):
    rec = generate_sample(np.random.default_rng(1), 0, num_frames=5)
    ann = tmp_path / 'ann.pkl'
    save_annotations(str(ann), [rec])
    with pytest.raises(InputError, match="no record 'nope'"):
        vis.main([str(ann), '--out-dir', str(tmp_path), '--records',
                  'nope'])
    with pytest.raises(ValueError, match="layout 'nturgb\\+d' has 25 "):
        vis.main([str(ann), '--out-dir', str(tmp_path), '--layout',
                  'nturgb+d'])
    assert not list(tmp_path.glob('*.mp4'))

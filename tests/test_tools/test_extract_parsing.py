"""tools/data/extract_parsing.py on videos it renders: crops from the 2D
skeletons, a parser plugged in from its factory and weights-only
checkpoint, resuming, a broken video, and the maps ParsingDataset reads."""
import os
import os.path as osp
import sys

import cv2
import numpy as np
import torch

from mmactx.apis import load_parser, person_boxes
from mmactx.datasets import save_annotations
from mmactx.datasets.parsing import list_label_maps, read_label_map
from mmactx.registry import DATASETS
from mmactx.testing.parsing import BrightnessParser

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'data'))
import extract_parsing  # noqa: E402

FACTORY = 'mmactx.testing.parsing:build_brightness_parser'


def render(path, frames=8, size=(96, 128)):
    """A dark video with a bright 20x40 'person' at x 40..60, y 30..70."""
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 10,
                             size[::-1])
    for _ in range(frames):
        img = np.full(size + (3, ), 20, np.uint8)
        img[30:70, 40:60] = 230
        writer.write(img)
    writer.release()


def record(name, frames=8):
    """COCO joints on the 'person' (in a 2x larger annotation frame)."""
    kp = np.zeros((1, frames, 17, 2), np.float32)
    kp[0, :, :, 0] = np.linspace(84, 116, 17)
    kp[0, :, :, 1] = np.linspace(64, 136, 17)
    score = np.ones((1, frames, 17), np.float32)
    score[0, 3] = 0  # frame 3: no usable joint
    return dict(frame_dir=name, label=0, total_frames=frames, keypoint=kp,
                keypoint_score=score, img_shape=(192, 256),
                video_frame_inds=np.arange(frames, dtype=np.int32) + 1)


def test_person_boxes_cover_the_joints():
    boxes, valid = person_boxes(record('a')['keypoint'] / 2,
                                record('a')['keypoint_score'], (96, 128),
                                margin=0.0)
    assert valid.tolist() == [True] * 3 + [False] + [True] * 4
    assert boxes[0].tolist() == [42, 32, 59, 69]  # x0 y0 x1 y1, end + 1


def test_extract(tmp_path, capsys):
    videos = tmp_path / 'videos'
    videos.mkdir()
    for name in ('S001', 'S002'):
        render(str(videos / f'{name}_rgb.avi'), frames=10)
    (videos / 'S003_rgb.avi').write_bytes(b'not a video')
    ann = str(tmp_path / 'ann.pkl')
    save_annotations(ann, [record('S001'), record('S002'), record('S003'),
                           record('S004')],
                     dict(train=['S001', 'S002', 'S003', 'S004'],
                          val=['S001']))
    ckpt = str(tmp_path / 'parser.pth')
    model = BrightnessParser()
    model.threshold.data.fill_(0.5)
    torch.save(model.state_dict(), ckpt)
    out = str(tmp_path / 'parsing')
    args = [ann, str(videos), out, '--parser', FACTORY, '--checkpoint', ckpt,
            '--input-size', '64', '--margin', '0.1']

    result = extract_parsing.main(args)
    assert result == dict(parsed=2, skipped=2, maps=14)
    report = open(osp.join(out, 'report.txt')).read().split('\n')
    assert report[0] == 'parsed 2 samples (14 label maps), skipped 2'
    assert report[1].startswith('S003\t') and report[1].endswith(
        'S003_rgb.avi cannot be opened')
    assert report[2].startswith('S004\t') and 'not found' in report[2]
    files = list_label_maps(osp.join(out, 'S001'))
    # video frames 1..8 annotated; frame 3 of the record (video 4) has no
    # joints
    assert [osp.basename(f) for f in files] == [
        f'{i:05d}.png' for i in (1, 2, 3, 5, 6, 7, 8)]
    labels = read_label_map(files[0])
    assert labels.shape == (16, 16)  # 64 / 4, the parser's resolution
    # the crop is mostly the bright person: upper-clothes (5) dominates,
    # the letterbox padding is background
    assert set(np.unique(labels)) == {0, 5} and (labels == 5).mean() > 0.3

    capsys.readouterr()
    again = extract_parsing.main(args)
    assert 'resuming: 2 of 4 samples' in capsys.readouterr().out
    assert again['parsed'] == 0 and again['skipped'] == 2
    assert sorted(os.listdir(out)) == ['S001', 'S002', 'report.txt']

    dataset = DATASETS.build(dict(type='ParsingDataset', ann_file=ann,
                                  parsing_root=out, split='val',
                                  pipeline=[]))
    assert dataset[0]['parsing_dir'] == osp.join(out, 'S001')


def test_load_parser_weights_only(tmp_path):
    ckpt = str(tmp_path / 'p.pth')
    torch.save({'state_dict': {'threshold': torch.tensor(0.25)}}, ckpt)
    parser = load_parser(FACTORY, ckpt, input_size=32)
    assert parser.model.threshold.item() == 0.25
    crop = np.zeros((10, 30, 3), np.uint8)
    crop[:, 10:20] = 255
    (labels, ) = parser([crop])
    assert labels.shape == (8, 8) and labels.dtype == np.uint8
    assert labels[4, 4] == 5 and labels[0, 0] == 0  # bright centre

"""tools/data/export_stid_descriptors.py and tools/visualize_stid.py on
annotation files written here (NTU-25 from the synthetic generator,
NW-UCLA-20 by hand)."""
import json
import os

import cv2
import numpy as np
import pytest

from mmactx.datasets.annotation_io import save_annotations
from mmactx.datasets.synthetic import generate_dataset
from mmactx.datasets.transforms import STIDDescriptors
from mmactx.testing import load_script
from mmactx.utils import InputError

DESCRIPTORS = ('gd', 'jdd', 'add', 'lad', 'fdd')


@pytest.fixture(scope='module')
def export():
    return load_script('tools/data/export_stid_descriptors.py')


@pytest.fixture(scope='module')
def visualize():
    return load_script('tools/visualize_stid.py')


@pytest.fixture(scope='module')
def ntu(tmp_path_factory):
    """3 classes x (2 train, 1 val) NTU-25 3D records."""
    records, split = generate_dataset(2, 1, 'ntu3d', seed=1, num_classes=3)
    path = str(tmp_path_factory.mktemp('ntu') / 'ntu3d.pkl')
    save_annotations(path, records, split, num_classes=3)
    return path, records, split


def test_export_writes_the_reference_layout(export, ntu, tmp_path):
    path, records, split = ntu
    out = str(tmp_path / 'out')
    written = export.main([path, out, '--split', 'val'])
    val = [r for r in records if r['frame_dir'] in split['val']]
    assert len(written) == len(val) * 5
    assert sorted(os.listdir(out)) == sorted(DESCRIPTORS + ('export.json', ))
    transform = STIDDescriptors(descriptors=DESCRIPTORS)
    for i, record in enumerate(val):
        expected = transform(dict(keypoint=record['keypoint']))['imgs']
        for k, name in enumerate(DESCRIPTORS):
            png = cv2.imread(os.path.join(out, name,
                                          f'{i}_{record["label"] + 1}.png'))
            np.testing.assert_array_equal(png[..., ::-1], expected[k])
    meta = json.loads((tmp_path / 'out' / 'export.json').read_text())
    assert meta['split'] == 'val' and meta['layout'] == 'nturgb+d'


def test_export_resumes_and_refuses_another_export(export, ntu, tmp_path,
                                                   capsys):
    path = ntu[0]
    out = str(tmp_path / 'out')
    export.main([path, out, '--split', 'val', '--descriptors', 'jdd'])
    removed = os.path.join(out, 'jdd', '1_2.png')
    os.remove(removed)
    # a temporary of a killed run is not taken for an image
    stale = os.path.join(out, 'jdd', f'.1_2.png.{2 ** 22 + 1}-x.tmp.png')
    open(stale, 'w').close()
    assert export.main([path, out, '--split', 'val', '--descriptors',
                        'jdd']) == [removed]
    assert sorted(os.listdir(os.path.join(out, 'jdd'))) == [
        '0_1.png', '1_2.png', '2_3.png']
    with pytest.raises(InputError, match='holds another export '
                       r'\(different descriptors, split'):
        export.main([path, out, '--split', 'train'])


def test_export_nwucla_layout_from_its_joints(export, tmp_path):
    rng = np.random.default_rng(0)
    records = [dict(frame_dir=f'a0{i}_s01_e01_v03', label=i,
                    total_frames=t, keypoint=rng.normal(
                        0, 0.3, (1, t, 20, 3)).astype(np.float32))
               for i, t in enumerate((1, 30))]  # NW-UCLA has 1-frame clips
    path = str(tmp_path / 'nwucla_3d.pkl')
    names = [r['frame_dir'] for r in records]
    save_annotations(path, records, {'xview_val': names})
    out = tmp_path / 'out'
    export.main([path, str(out), '--split', 'xview_val'])
    assert json.loads((out / 'export.json').read_text())['layout'] == (
        'nw-ucla')
    add = cv2.imread(str(out / 'add' / '0_1.png'))
    assert add.shape == (112, 112, 3) and not add.any()  # no motion in 1


def test_export_refuses_2d_records(export, tmp_path):
    from mmactx.datasets.synthetic import generate_sample
    rec = generate_sample(np.random.default_rng(0), 0, num_frames=5)
    path = str(tmp_path / 'coco.pkl')
    save_annotations(path, [rec])
    with pytest.raises(InputError, match=r'coco\.pkl: STID needs 3D '
                       r'keypoints \[M, T, V, 3\]'):
        export.main([path, str(tmp_path / 'out')])
    assert not (tmp_path / 'out').exists()


def test_visualize_draws_one_row_per_record(visualize, ntu, tmp_path):
    path, records, _ = ntu
    labels = tmp_path / 'labels.txt'
    labels.write_text('wave\narm_circles\nclap\n')
    out = str(tmp_path / 'stid.png')
    visualize.main([path, '--out', out, '--records', '0', records[4][
        'frame_dir'], '--label-map', str(labels), '--scale', '1'])
    sheet = cv2.imread(out)
    # 2 rows of 112-pixel images under the titles, 5 columns after the
    # names
    assert sheet.shape == (26 + 2 * (112 + 8), 190 + 5 * (112 + 8), 3)
    first = sheet[26:26 + 112, 190:190 + 112]  # GD of record 0
    gd = STIDDescriptors(descriptors=('gd', ))(
        dict(keypoint=records[0]['keypoint']))['imgs'][0]
    np.testing.assert_array_equal(first[..., ::-1], gd)
    with pytest.raises(InputError, match="no record 'nope'"):
        visualize.main([path, '--out', out, '--records', 'nope'])
    with pytest.raises(SystemExit):
        visualize.main([path, '--out', str(tmp_path / 'stid.jpg')])

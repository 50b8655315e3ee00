"""tools/data/build_class_subset.py: Kinetics50-style subsets of small
annotation files written in tmp_path."""
import numpy as np
import pytest

from mmactx.datasets.annotation_io import (load_annotations, safe_load_pickle,
                                           save_annotations)
from mmactx.testing import load_script
from mmactx.utils.cli import InputError

FULL = ['abseiling', 'air drumming', 'archery', 'playing guitar', 'bowling',
        'juggling balls']


def record(name, label, frames=3):
    return dict(frame_dir=name, label=label, total_frames=frames,
                img_shape=(256, 340), original_shape=(256, 340),
                keypoint=np.full((1, frames, 18, 2), label, np.float16),
                keypoint_score=np.ones((1, frames, 18), np.float16))


@pytest.fixture
def files(tmp_path):
    records = [record('a0', 0), record('a1', 2), record('a2', 3),
               record('a3', 5), record('b0', 3), record('b1', 1),
               record('b2', 2)]
    ann = tmp_path / 'k400.pkl'
    save_annotations(str(ann), records,
                     dict(train=['a0', 'a1', 'a2', 'a3'],
                          val=['b0', 'b1', 'b2']))
    label_map = tmp_path / 'k400_label_map.txt'
    label_map.write_text('\n'.join(FULL) + '\n')
    classes = tmp_path / 'k3.txt'
    classes.write_text('Playing_Guitar\narchery\njuggling_balls\n')
    return tmp_path, ann, label_map, classes


def run(ann, label_map, classes, out, *extra):
    tool = load_script('tools/data/build_class_subset.py')
    return tool.main([str(ann), '--label-map', str(label_map), '--classes',
                      str(classes), '--out', str(out), *extra])


def test_subset(files, capsys):
    tmp_path, ann, label_map, classes = files
    out = tmp_path / 'sub' / 'k3.pkl'
    summary = run(ann, label_map, classes, out, '--out-label-map',
                  str(tmp_path / 'sub' / 'k3_label_map.txt'))
    train = load_annotations(str(out), split='train', num_classes=3)
    val = load_annotations(str(out), split='val', num_classes=3)
    assert [(r['frame_dir'], r['label']) for r in train] == [
        ('a1', 1), ('a2', 0), ('a3', 2)]
    assert [(r['frame_dir'], r['label']) for r in val] == [('b0', 0),
                                                           ('b2', 1)]
    # the arrays are the input's; the input file is unchanged
    assert train[0]['keypoint'][0, 0, 0, 0] == 2
    assert [r['label'] for r in load_annotations(str(ann))] == [
        0, 2, 3, 5, 3, 1, 2]
    assert sorted(safe_load_pickle(str(out))['split']) == ['train', 'val']
    assert (tmp_path / 'sub' / 'k3_label_map.txt').read_text() == \
        'playing guitar\narchery\njuggling balls\n'
    assert summary['train'] == dict(kept=3, total=4, empty_classes=[])
    assert summary['val'] == dict(kept=2, total=3,
                                  empty_classes=['juggling_balls'])
    printed = capsys.readouterr().out
    assert '5 of 7 records, 3 classes' in printed
    assert 'train: kept 3 of 4' in printed
    assert 'val: kept 2 of 3; no record for 1 classes: juggling_balls' \
        in printed


def test_plain_list_file(tmp_path, files):
    _, _, label_map, classes = files
    ann = tmp_path / 'list.pkl'
    save_annotations(str(ann), [record('x', 4), record('y', 5)])
    summary = run(ann, label_map, classes, tmp_path / 'o.pkl')
    records = safe_load_pickle(str(tmp_path / 'o.pkl'))
    assert isinstance(records, list)
    assert [(r['frame_dir'], r['label']) for r in records] == [('y', 2)]
    assert summary['(all records)']['empty_classes'] == ['Playing_Guitar',
                                                         'archery']


def test_errors(files):
    tmp_path, ann, label_map, classes = files
    out = tmp_path / 'o.pkl'
    bad = tmp_path / 'bad.txt'
    bad.write_text('archery\nplaying guittar\n')
    with pytest.raises(InputError, match=r"bad\.txt line 2: class 'playing "
                       r"guittar' is not a class of .*k400_label_map\.txt "
                       r"\(closest: 'playing guitar'"):
        run(ann, label_map, bad, out)
    bad.write_text('archery\nzzzzzz\n')
    with pytest.raises(InputError, match="'zzzzzz' .*no close name"):
        run(ann, label_map, bad, out)
    bad.write_text('archery\nArchery\n')
    with pytest.raises(InputError, match='are the same class'):
        run(ann, label_map, bad, out)
    with pytest.raises(InputError, match='would replace the input'):
        run(ann, label_map, classes, ann)
    with pytest.raises(InputError, match='would replace the input'):
        run(ann, label_map, classes, out, '--out-label-map', str(classes))
    with pytest.raises(InputError, match='--label-map .*nope does not exist'):
        run(ann, tmp_path / 'nope', classes, out)
    # a label past the label map names the record
    big = tmp_path / 'big.pkl'
    save_annotations(str(big), [record('a', 1), record('far', 6)])
    with pytest.raises(InputError, match=r"record 1 \(frame_dir='far'\): "
                       r"field 'label': 6 is outside the 6 classes"):
        run(big, label_map, classes, out)
    assert not out.exists()


def test_label_map_from_the_kinetics_release_label_file(files):
    """The release's kinetics_train_label.json names the classes of its
    videos: a user with only a class list can build the subset."""
    import json

    from mmactx.datasets.converters.kinetics import release_class_names
    tmp_path, ann, label_map, classes = files
    release = tmp_path / 'kinetics_train_label.json'
    release.write_text(json.dumps({
        f'vid{i}': dict(has_skeleton=True, label=name, label_index=i)
        for i, name in enumerate(FULL) if name != 'air drumming'}))
    names = release_class_names(str(release))
    assert names[1] == '(label 1: no video)'
    assert names[:1] + names[2:] == FULL[:1] + FULL[2:]
    run(ann, release, classes, tmp_path / 'from_json.pkl')
    run(ann, label_map, classes, tmp_path / 'from_txt.pkl')
    a = safe_load_pickle(str(tmp_path / 'from_json.pkl'))
    b = safe_load_pickle(str(tmp_path / 'from_txt.pkl'))
    assert a['split'] == b['split']
    assert [r['label'] for r in a['annotations']] == [
        r['label'] for r in b['annotations']]

    release = tmp_path / 'kinetics_val_label.json'
    release.write_text(json.dumps({
        'x': dict(label='archery', label_index=2),
        'y': dict(label='bowling', label_index=2)}))
    with pytest.raises(InputError, match="label_index 2 is named both "
                       "'archery' and 'bowling'"):
        release_class_names(str(release))

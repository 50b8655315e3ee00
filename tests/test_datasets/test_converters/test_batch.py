"""Resumable parallel conversion, the report, and atomic outputs."""
import functools
import os
import os.path as osp

import numpy as np
import pytest

from mmactx.datasets import load_annotations
from mmactx.datasets.converters import ResumableBatch, SkipSample
from mmactx.datasets.converters.batch import run_conversion


def fake_convert(path, log=None, stop_at=None):
    """Converter of text files holding an int: skips odd ones, logs calls,
    can be interrupted at a given file."""
    name = osp.basename(path)
    if name == stop_at:
        raise KeyboardInterrupt
    if log is not None:
        with open(log, 'a') as f:
            f.write(name + '\n')
    with open(path) as f:
        value = int(f.read())
    if value % 2:
        raise SkipSample('odd', f'value {value} is odd')
    if value == 4:
        raise RuntimeError('an unexpected bug')
    record = dict(frame_dir=name.split('.')[0], label=value % 3,
                  total_frames=2,
                  keypoint=np.full((1, 2, 3, 3), value, np.float32))
    return {'a': record, 'b': dict(record, label=0)}


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / 'raw'
    folder.mkdir()
    paths = []
    for i in range(20):
        p = folder / f'f{i:02d}.txt'
        p.write_text(str(i))
        paths.append(str(p))
    return paths


def logged(log):
    with open(log) as f:
        return f.read().split()


@pytest.mark.parametrize('workers', [0, 2])
def test_outcomes_in_order(tmp_path, files, workers):
    batch = ResumableBatch(str(tmp_path / 'parts'), {}, chunk_size=3)
    out = batch.run(files, fake_convert, workers=workers, progress=False)
    assert [o['file'] for o in out] == [osp.basename(p) for p in files]
    assert out[1]['skip'] == ('odd', 'value 1 is odd')
    assert out[4]['skip'] == ('error', 'RuntimeError: an unexpected bug')
    assert out[2]['skip'] is None and out[2]['records']['a']['label'] == 2


def test_an_interrupted_run_resumes_without_redoing_chunks(tmp_path, files):
    log = str(tmp_path / 'log')
    parts = str(tmp_path / 'parts')
    first = functools.partial(fake_convert, log=log, stop_at='f10.txt')
    with pytest.raises(KeyboardInterrupt):
        ResumableBatch(parts, {'opt': 1}, chunk_size=4).run(
            files, first, progress=False)
    done = logged(log)  # chunks 0, 1 finished; chunk 2 died at f10
    assert done == [f'f{i:02d}.txt' for i in range(10)]
    assert sorted(os.listdir(parts)) == [
        'chunk_000000.pkl', 'chunk_000001.pkl', 'manifest.json']

    os.remove(log)
    again = functools.partial(fake_convert, log=log)
    out = ResumableBatch(parts, {'opt': 1}, chunk_size=4).run(
        files, again, progress=False)
    assert logged(log) == [f'f{i:02d}.txt' for i in range(8, 20)]
    assert len(out) == 20

    # other options: the old parts are not mixed in
    os.remove(log)
    ResumableBatch(parts, {'opt': 2}, chunk_size=4).run(
        files, again, progress=False)
    assert len(logged(log)) == 20


def test_run_conversion_writes_outputs_report_and_cleans_up(tmp_path, files):
    out_a, out_b = str(tmp_path / 'a.pkl'), str(tmp_path / 'b.pkl')
    report = str(tmp_path / 'report.txt')

    def halves(frame_dirs):
        return dict(train=frame_dirs[::2], val=frame_dirs[1::2])

    result = run_conversion(
        files, fake_convert, {'a': (out_a, halves), 'b': (out_b, None)},
        report, 'test run', {}, workers=2,
        skipped=[('f99.txt', 'ignore_list', 'listed')], progress=False)
    assert result == dict(converted=9, skipped={'error': 1, 'ignore_list': 1,
                                                'odd': 10},
                          outputs={'a': 9, 'b': 9})
    a = load_annotations(out_a)
    assert [r['frame_dir'] for r in a] == [
        f'f{i:02d}' for i in range(0, 20, 2) if i != 4]
    assert len(load_annotations(out_a, 'val')) == 4
    assert all(r['label'] == 0 for r in load_annotations(out_b))
    with open(report) as f:
        text = f.read()
    assert text.startswith('test run\nconverted: 9\nskipped: 12\n')
    assert '  odd: 10\n' in text
    assert 'f01.txt\todd\tvalue 1 is odd\n' in text
    assert 'f99.txt\tignore_list\tlisted\n' in text
    assert not osp.exists(str(tmp_path / 'report.parts'))
    assert sorted(os.listdir(tmp_path)) == ['a.pkl', 'b.pkl', 'raw',
                                            'report.txt']


def test_nothing_converted_writes_no_output(tmp_path, files):
    odd = [p for i, p in enumerate(files) if i % 2]
    out = str(tmp_path / 'a.pkl')
    with pytest.raises(RuntimeError, match='none of the 10 files'):
        run_conversion(odd, fake_convert, {'a': (out, None)},
                       str(tmp_path / 'r.txt'), 't', {}, progress=False)
    assert not osp.exists(out) and osp.exists(str(tmp_path / 'r.txt'))


def test_duplicate_frame_dirs_are_skipped(tmp_path, files):
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'f00.txt').write_text('0')
    out = str(tmp_path / 'a.pkl')
    result = run_conversion(files[:1] + [str(other / 'f00.txt')],
                            fake_convert, {'a': (out, None)},
                            str(tmp_path / 'r.txt'), 't', {}, progress=False)
    assert result['skipped'] == {'duplicate': 1}

"""tools/analysis/benchmark_rgbpose_pipeline.py on the real NTU pair, with
one repeat.

Only the report's structure and the outputs' agreement are checked, never
speeds. Where decord is not installed (mmaction2's MMDecode needs it), the
reference runs with its decord reader swapped for OpenCV's frames, so that
the rest of mmaction2's pipeline still runs as released and the outputs
can be compared.
"""
import importlib.util
import json
import os
import random

import numpy as np
import pytest
from mmaction.datasets import transforms as mma

from mmactx.testing import load_script
from mmactx.testing.videos import decode_all

NTU = 'ntu_sample/S001C001P001R001A001'
HAS_DECORD = importlib.util.find_spec('decord') is not None


def load_benchmark():
    return load_script('tools/analysis/benchmark_rgbpose_pipeline.py')


@pytest.fixture(scope='module')
def bench():
    return load_benchmark()


@pytest.fixture(scope='module')
def ntu_pair(shared_data):
    """The real NTU video and skeleton (module scope: one benchmark run for
    all the tests)."""
    return (shared_data(NTU + '_rgb.avi'), shared_data(NTU + '.skeleton'))


@pytest.fixture(scope='module')
def report(bench, ntu_pair, tmp_path_factory):
    video, skeleton = ntu_pair
    out = tmp_path_factory.mktemp('bench') / 'result.json'
    mp = pytest.MonkeyPatch()
    if not HAS_DECORD:
        cache = {}

        def frames_of(path):
            if path not in cache:
                cache[path] = decode_all(path)
            return cache[path]

        mp.setattr(mma.MMDecode, '_get_video_reader',
                   lambda self, filename: frames_of(filename))
        mp.setattr(mma.MMDecode, '_decord_load_frames',
                   lambda self, reader, inds: list(reader[inds]))
        mp.setattr(bench, 'reference_available', lambda: True)
    had_inf = hasattr(np, 'Inf')
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        returned = bench.main(['--video', video, '--skeleton', skeleton,
                               '--repeats', '1', '--no-memory', '--json',
                               str(out)])
    finally:
        mp.undo()
    # running in-process leaves numpy and the global generators alone
    assert hasattr(np, 'Inf') == had_inf
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert random.getstate() == py_state
    with open(out) as f:
        written = json.load(f)
    assert [p for p in os.listdir(out.parent) if p.endswith('.tmp')] == []
    return returned, written


def test_rows_cover_every_case_and_installed_backend(bench, report):
    returned, written = report
    backends = bench.installed_backends()
    assert 'opencv' in backends
    assert written['backends'] == backends
    assert written['reference'] is True
    assert written['settings']['inputs'] == ['raw', 'compressed']
    assert [(r['input'], r['case'], r['backend'])
            for r in written['rows']] == [
        (video, case, b) for video in ('raw', 'compressed')
        for case in ('train', 'test') for b in backends]
    for row in written['rows']:
        assert row['ref_ms'] > 0 and row['ours_ms'] > 0
        assert row['ratio'] == pytest.approx(row['ref_ms'] / row['ours_ms'])
        assert len(row['ours_ms_all']) == 1
    shapes = {r['case']: r['shapes'] for r in written['rows']}
    assert all(r['shapes'] == shapes[r['case']] for r in written['rows'])
    # 1 clip of 8 RGB frames at 224^2, 32 heatmap frames at 56^2 (train);
    # 10 clips at 256^2 and 64^2 (test)
    assert shapes['train'] == dict(imgs=[1, 3, 8, 224, 224],
                                   heatmap_imgs=[1, 17, 32, 56, 56])
    assert shapes['test'] == dict(imgs=[10, 3, 8, 256, 256],
                                  heatmap_imgs=[10, 17, 32, 64, 64])
    assert written['rows'] == json.loads(json.dumps(returned['rows']))


def test_outputs_agree_with_mmaction(report):
    _, written = report
    assert written['outputs_agree'] is True
    for row in written['rows']:
        assert row['pose_max_abs_diff'] <= written['pose_tolerance']
        if row['backend'] == 'opencv' and not HAS_DECORD:
            # the reference read the same OpenCV frames
            assert row['rgb_max_abs_diff'] == 0
        else:  # decoders and decord's seeks may round differently
            assert row['rgb_mean_abs_diff'] <= 2


def test_goals_are_reported_not_asserted(bench, report):
    _, written = report
    goals = written['goals']
    assert [(g['input'], g['case'], g['goal']) for g in goals] == [
        (video, case, goal) for video in ('raw', 'compressed')
        for case in ('train', 'test')
        for goal in ('default backend', 'fastest backend')]
    for g in goals:
        assert g['met'] == (g['ratio'] >= g['target'])
        assert g['target'] == (1. if g['goal'] == 'default backend' else 2.)
    rows = {(r['input'], r['case'], r['backend']): r
            for r in written['rows']}
    for g in goals:
        if g['goal'] == 'fastest backend':
            fastest = min((r for r in written['rows']
                           if r['case'] == g['case']
                           and r['input'] == g['input']),
                          key=lambda r: r['ours_ms'])
            assert g['backend'] == fastest['backend']
        else:
            assert g['backend'] == 'opencv'
            assert g['ratio'] == rows[(g['input'], g['case'],
                                       'opencv')]['ratio']


def test_table_lists_each_row(bench, report):
    _, written = report
    rows = [bench.Row(**r) for r in written['rows']]
    table = bench.format_table(rows)
    lines = table.splitlines()
    assert 'mmaction2 ms' in lines[0] and 'speed-up' in lines[0]
    assert len(lines) == 2 + len(rows)
    assert 'opencv (default)' in lines[2]
    text = bench.format_goals(written['goals'])
    assert len(text.splitlines()) == 8
    assert '540p mp4 video' in text.splitlines()[-1]
    assert all('met' in line.lower() for line in text.splitlines())


def test_without_reference_only_mmactx_is_timed(bench, ntu_pair,
                                                monkeypatch, capsys):
    video, skeleton = ntu_pair
    monkeypatch.setattr(bench, 'reference_available', lambda: False)
    result = bench.main(['--video', video, '--skeleton', skeleton,
                         '--repeats', '1', '--cases', 'train',
                         '--inputs', 'raw',
                         '--backends', 'opencv', '--no-memory'])
    assert result['reference'] is False
    (row, ) = result['rows']
    assert row['ref_ms'] is None and row['ratio'] is None
    assert row['ours_ms'] > 0
    assert all(g['met'] is None for g in result['goals'])
    assert "mmaction2's MMDecode cannot run" in capsys.readouterr().out


def test_peak_memory_of_a_test_sample(bench, ntu_pair):
    video, skeleton = ntu_pair
    mem = bench.measure_memory('mmactx', 'opencv', video, skeleton)
    assert mem['side'] == 'mmactx' and mem['backend'] == 'opencv'
    assert mem['input'] == 'raw'
    assert mem['rss_peak_mb'] >= mem['rss_before_mb'] > 0
    assert mem['rss_increase_mb'] == pytest.approx(
        mem['rss_peak_mb'] - mem['rss_before_mb'])
    # at least the 10 clips' 256^2 frames and 64^2 heatmaps as float32
    assert mem['tracemalloc_peak_mb'] > (10 * 3 * 8 * 256 * 256 +
                                         10 * 17 * 32 * 64 * 64) * 4 / 2**20
    assert 'tracemalloc' in bench.format_memory([mem])


def test_bad_arguments(bench, ntu_pair, tmp_path):
    video, skeleton = ntu_pair
    with pytest.raises(SystemExit):
        bench.parse_args(['--cases', 'nope'])
    with pytest.raises(SystemExit):
        bench.parse_args(['--repeats', '0'])
    with pytest.raises(SystemExit):
        bench.parse_args(['--inputs', 'h265'])
    with pytest.raises(SystemExit):
        bench.parse_args(['--video', str(tmp_path / 'none.avi')])


def test_compressed_copy_is_the_configs_video(bench, ntu_pair, tmp_path):
    """The compressed input: 960x540 .mp4 with every frame, its keypoints
    rescaled to it by both sides' MMDecode."""
    video, skeleton = ntu_pair
    path = bench.compressed_copy(video, str(tmp_path))
    assert path.endswith('S001C001P001R001A001_rgb.mp4')
    frames = decode_all(path)
    assert frames.shape == (103, 540, 960, 3)


def test_record_refuses_non_identity_frame_map(bench, ntu_pair,
                                               monkeypatch):
    """mmaction2 cannot follow ``video_frame_inds``; a pair whose skeleton
    skips video frames is refused rather than compared wrongly."""
    video, skeleton = ntu_pair
    rec = bench.load_record(video, skeleton)
    assert 'video_frame_inds' not in rec
    assert rec['modality'] == ['RGB', 'Pose'] and rec['filename'] == video
    from mmactx.datasets.converters import ntu
    real = ntu.convert_ntu_file

    def shifted(path):
        out = real(path)
        out['2d']['video_frame_inds'] = out['2d']['video_frame_inds'] + 1
        return out

    monkeypatch.setattr(ntu, 'convert_ntu_file', shifted)
    with pytest.raises(ValueError, match='mmaction2 cannot decode'):
        bench.load_record(video, skeleton)

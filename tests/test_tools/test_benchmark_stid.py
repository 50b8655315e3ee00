"""tools/analysis/benchmark_stid.py on tiny settings.

Only the report's structure and the agreement of the loop and vectorised
descriptors are checked, never speeds: wall-clock times depend on the
machine and its load.
"""
import json
import os
import random

import numpy as np
import pytest

from mmactx.datasets.transforms import stid
from mmactx.testing import load_script
from mmactx.testing.scripts import ROOT


@pytest.fixture(scope='module')
def bench():
    return load_script('tools/analysis/benchmark_stid.py')


@pytest.fixture(scope='module')
def report(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp('bench') / 'result.json'
    np_state, py_state = np.random.get_state(), random.getstate()
    returned = bench.main(['--samples', '2', '--repeats', '1', '--frames',
                           '12', '--size', '16', '--warmup-ms', '0',
                           '--train-config', 'none', '--json', str(out)])
    # running in-process must leave the global generators alone
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert random.getstate() == py_state
    with open(out) as f:
        written = json.load(f)
    assert [p for p in os.listdir(out.parent) if p.endswith('.tmp')] == []
    return returned, written


def test_json_structure_and_agreement(report):
    returned, written = report
    assert written['settings'] == dict(samples=2, repeats=1, frames=12,
                                       size=16, seed=0, warmup_ms=0,
                                       train_config='none', train_batch=2)
    assert written['training'] is None
    timing = written['timing']
    for side in ('loop', 'loop_lists', 'mmactx'):
        assert timing[f'{side}_ms'] > 0
        assert len(timing[f'{side}_ms_per_sample']) == 2
    assert timing['ratio'] == pytest.approx(
        timing['loop_ms'] / timing['mmactx_ms'], rel=1e-9)
    assert timing['ratio_lists'] == pytest.approx(
        timing['loop_lists_ms'] / timing['mmactx_ms'], rel=1e-9)
    assert timing['target'] == 50
    assert timing['met'] == (timing['ratio'] >= 50)
    agreement = written['agreement']
    assert agreement['agree'] is True and written['outputs_agree'] is True
    assert set(agreement['matrix_max_abs_diff']) == {'gd', 'jdd', 'add',
                                                     'lad'}
    for diff in agreement['matrix_max_abs_diff'].values():
        assert 0 <= diff <= written['tolerance']
    assert agreement['matrix_shapes'] == dict(
        gd=[50, 12, 3], jdd=[64, 12], add=[50, 11], lad=[28, 12])
    assert agreement['image_max_abs_diff'] <= 1
    assert written['timing'] == json.loads(json.dumps(returned['timing']))


def test_samples_are_ntu_two_body(bench):
    samples = bench.make_samples(2, 30, 0)
    assert [s['keypoint'].shape for s in samples] == [(2, 30, 25, 3)] * 2
    assert all(s['keypoint'].dtype == np.float32 for s in samples)


@pytest.mark.parametrize('python_floats', [False, True])
def test_loop_matches_vectorised_on_degenerate_clips(bench, python_floats):
    """The two implementations share the definitions, padding included."""
    kp = bench.make_samples(1, 9, 3)[0]['keypoint'].astype(np.float64)
    late = kp.copy()
    late[1, :4] = 0  # body 1 appears in frame 4
    late[0, 6] = 0  # body 0 missing in frame 6
    missing = kp.copy()
    missing[1] = 0
    clips = [kp, late, missing, kp[:, :1], np.ones((1, 3, 25, 3))]
    spec = stid.NTU25_STID
    for clip in clips:
        ours = stid.stid_matrices(clip, spec)
        loop = bench.loop_matrices(clip, spec, python_floats)
        for name in bench.MATRICES:
            assert loop[name].shape == ours[name].shape
            np.testing.assert_allclose(loop[name], ours[name],
                                       atol=bench.TOLERANCE)


def test_loop_side_makes_the_same_images(bench):
    sample = bench.make_samples(1, 20, 1)[0]
    loop = bench.LoopSTID(32)(dict(keypoint=sample['keypoint']))['imgs']
    ours = stid.STIDDescriptors(size=32)(
        dict(keypoint=sample['keypoint']))['imgs']
    assert loop.shape == ours.shape == (5, 32, 32, 3)
    assert np.abs(loop.astype(int) - ours).max() <= 1


@pytest.mark.parametrize('argv', [['--samples', '0'], ['--frames', '0'],
                                  ['--size', '0'], ['--warmup-ms', '-1']])
def test_bad_arguments_are_rejected(bench, argv):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)


def test_training_iteration_is_timed(bench, tmp_path):
    """The comparison with a training iteration, on a CPU-sized width."""
    config = tmp_path / 'small_fuse5.py'
    config.write_text(
        "_base_ = ['{}']\n"
        "model = dict(backbone=dict(base_channels=4),\n"
        "             cls_head=dict(in_channels=16))\n".format(
            os.path.join(ROOT, 'configs', 'stid', 'ntu60_xsub_fuse5.py')))
    result = bench.time_training(str(config), batch=2, device='cpu',
                                 iterations=1)
    assert result['descriptors'] == 5 and result['batch'] == 2
    assert result['device'] == 'cpu'
    assert result['per_sample_ms'] == pytest.approx(
        result['iteration_ms'] / 2)

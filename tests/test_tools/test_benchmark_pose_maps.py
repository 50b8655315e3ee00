"""tools/analysis/benchmark_pose_maps.py on tiny settings.

Only the report's structure and the agreement of the loop and vectorised
pose maps are checked, never speeds: wall-clock times depend on the
machine and its load.
"""
import json
import os
import random

import numpy as np
import pytest
import torch

from mmactx.rendering import PoseMapSpec, render_pose_maps
from mmactx.skeletons import NTU25, OPENPOSE18
from mmactx.testing import load_script


@pytest.fixture(scope='module')
def bench():
    return load_script('tools/analysis/benchmark_pose_maps.py')


@pytest.fixture(scope='module')
def report(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp('bench') / 'result.json'
    np_state, py_state = np.random.get_state(), random.getstate()
    returned = bench.main(['--clips', '2', '--frames', '2', '--persons',
                           '3', '--top-k', '2', '--repeats', '1',
                           '--warmup-ms', '0', '--no-cuda', '--json',
                           str(out)])
    # running in-process must leave the global generators alone
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert random.getstate() == py_state
    with open(out) as f:
        written = json.load(f)
    assert [p for p in os.listdir(out.parent) if p.endswith('.tmp')] == []
    return returned, written


def test_json_structure_and_agreement(report):
    returned, written = report
    assert written['settings'] == dict(clips=2, frames=2, persons=3,
                                       layout='openpose', img_size=224,
                                       grid=56, top_k=2, repeats=1,
                                       warmup_ms=0, seed=0)
    timing = written['timing']
    for side in ('loop', 'numpy', 'torch_cpu'):
        assert timing[f'{side}_ms'] > 0
        assert len(timing[f'{side}_ms_all']) == 1
    for side in ('numpy', 'torch_cpu'):
        assert timing[f'ratio_{side}'] == pytest.approx(
            timing['loop_ms'] / timing[f'{side}_ms'], rel=1e-9)
    # --no-cuda: said, not measured
    assert timing['cuda_measured'] is False
    assert timing['torch_cuda_ms'] is None
    assert timing['ratio_torch_cuda'] is None
    agreement = written['agreement']
    assert agreement['agree'] is True and written['outputs_agree'] is True
    assert agreement['shape'] == [2, 2, 52, 56, 56]
    assert agreement['nonzero_paf_cells'] > 0
    assert set(agreement['max_abs_diff']) == {'numpy', 'torch_cpu'}
    for diff in agreement['max_abs_diff'].values():
        assert diff['heatmaps'] <= written['tolerance']
        assert diff['pafs'] <= written['tolerance']
    assert set(written['environment']) >= {'numpy', 'torch', 'cpu_count'}
    # the returned report is what was written
    assert json.loads(json.dumps(returned)) == written


def test_loop_matches_the_renderer_on_hand_layouts(bench):
    """The loop is an independent rendering of the same definitions: on
    both layouts and with top-k, it agrees with mmactx."""
    rng = np.random.default_rng(3)
    for layout in (OPENPOSE18, NTU25):
        batch = bench.make_batch(rng, 2, 3, 4, layout, 160)
        assert batch.shape == (2, 3, 4, layout.num_joints, 3)
        assert batch.dtype == np.float32
        assert np.isnan(batch).any() and (batch[..., 2] == 0).any()
        spec = PoseMapSpec(layout, (160, 160), grid=40, top_k=3)
        loop = bench.loop_pose_maps(batch, spec)
        np.testing.assert_allclose(render_pose_maps(batch, spec), loop,
                                   rtol=0, atol=bench.TOLERANCE)
        np.testing.assert_allclose(
            render_pose_maps(torch.from_numpy(batch), spec).numpy(), loop,
            rtol=0, atol=bench.TOLERANCE)


def test_bad_arguments(bench, capsys):
    with pytest.raises(SystemExit, match='2'):
        bench.parse_args(['--repeats', '0'])
    assert '--repeats must be positive' in capsys.readouterr().err
    with pytest.raises(SystemExit, match='2'):
        bench.parse_args(['--warmup-ms', '-1'])
    assert '--warmup-ms must not be negative' in capsys.readouterr().err

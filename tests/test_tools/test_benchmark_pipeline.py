"""tools/analysis/benchmark_pipeline.py on tiny settings.

Only the report's structure and the outputs' agreement are checked, never
speeds: wall-clock times depend on the machine and its load.
"""
import json
import os
import random

import numpy as np
import pytest

from mmactx.testing import load_script

CASES = ['train-joint', 'heatmap-limb']


def load_benchmark():
    return load_script('tools/analysis/benchmark_pipeline.py')


@pytest.fixture(scope='module')
def bench():
    return load_benchmark()


@pytest.fixture(scope='module')
def report(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp('bench') / 'result.json'
    had_inf = hasattr(np, 'Inf')
    np_state, py_state = np.random.get_state(), random.getstate()
    returned = bench.main(['--samples', '1', '--repeats', '1', '--frames',
                           '60', '--warmup-ms', '0', '--cases', *CASES,
                           '--json', str(out)])
    # running in-process must leave numpy and the global generators alone
    assert hasattr(np, 'Inf') == had_inf
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert random.getstate() == py_state
    with open(out) as f:
        written = json.load(f)
    assert [p for p in os.listdir(out.parent) if p.endswith('.tmp')] == []
    return returned, written


def test_json_has_every_case_with_sane_numbers(report):
    returned, written = report
    assert written['settings']['samples'] == 1
    assert written['settings']['warmup_ms'] == 0
    assert set(written['cases']) == set(CASES)
    for key in CASES:
        case = written['cases'][key]
        assert case['ref_ms'] > 0 and case['ours_ms'] > 0
        assert case['ratio'] == pytest.approx(
            case['ref_ms'] / case['ours_ms'], rel=1e-9)
        assert case['max_abs_diff'] <= 1e-5
        assert case['met'] == (case['ratio'] >= case['target'])
        assert len(case['ref_ms_per_sample']) == 1
    assert written['cases']['train-joint']['output_shape'] == [
        1, 17, 48, 56, 56]
    assert written['outputs_agree'] is True
    assert written['cases'] == json.loads(json.dumps(returned['cases']))


def test_reference_is_mmaction_even_in_mmactx_scope(bench):
    """mmengine builds from the default scope's registry; the benchmark
    must not end up comparing mmactx with itself."""
    steps = bench.load_steps(bench.JOINT_CONFIG, 'train')
    ref = bench.build_transforms(steps, 'mmaction')
    ours = bench.build_transforms(steps, 'mmactx')
    for step, r, o in zip(steps, ref, ours):
        if step['type'] in bench.REPLACED:
            assert type(r).__module__.startswith('mmaction.')
            assert type(o).__module__.startswith('mmactx.')
        else:
            assert type(r) is type(o)


def test_unknown_case_is_rejected(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(['--cases', 'nope'])


def test_negative_warmup_is_rejected(bench):
    with pytest.raises(SystemExit):
        bench.parse_args(['--warmup-ms', '-1'])


def test_warm_up_runs_at_least_once_and_until_the_time_is_spent(
        bench, monkeypatch):
    clock = iter(range(0, 10**6, 2))  # a fake clock: 2 ms per reading
    monkeypatch.setattr(bench.time, 'perf_counter', lambda: next(clock) / 1e3)
    calls = []

    def pipeline(data):
        calls.append(data['x'])
        return dict(imgs=np.zeros(1))

    assert bench.warm_up(pipeline, dict(x=1), seed=0, min_ms=0) == 1
    assert calls == [1]
    # each call reads the clock twice: 2 ms per call
    assert bench.warm_up(pipeline, dict(x=2), seed=0, min_ms=9) == 5
    assert calls == [1] + [2] * 5


def test_spread_case_renders_long_limbs(bench):
    """The spread case's joints cover the whole heatmap after the pipeline,
    and both pipelines still agree on them."""
    from mmactx.rendering.rules import window
    from mmactx.skeletons import COCO_POSEC3D_LIMBS
    case = bench.CASE_BY_KEY['heatmap-limb-spread']
    assert case.inputs == 'spread' and case.heatmap_only
    pixels = {}
    for kind in ('ntu', 'spread'):
        samples = bench.make_inputs(kind, 1, 60, 0)
        with bench.preserved_global_rngs():
            _, _, inputs = bench.prepare_case(case, samples)
        kp = inputs[0]['keypoint'].astype(np.float32)
        a, b = (kp[:, :, [limb[i] for limb in COCO_POSEC3D_LIMBS]]
                for i in (0, 1))
        sx, lx = window(np.minimum(a, b)[..., 0], np.maximum(a, b)[..., 0],
                        0.6, 56)
        sy, ly = window(np.minimum(a, b)[..., 1], np.maximum(a, b)[..., 1],
                        0.6, 56)
        pixels[kind] = np.clip((lx - sx + 1) * (ly - sy + 1), 0, None).sum()
    assert pixels['spread'] > 3 * pixels['ntu']
    with bench.preserved_global_rngs(), bench.mmaction_numpy2_compat():
        result = bench.run_case(case, bench.make_inputs('spread', 1, 60, 0),
                                repeats=1, warmup_ms=0)
    assert result.max_abs_diff <= bench.TOLERANCE
    assert result.output_shape == [48, 17, 56, 56]  # the heatmap step's

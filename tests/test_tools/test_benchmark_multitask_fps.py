"""tools/analysis/benchmark_multitask_fps.py on a tiny multitask config.

Only the report's structure is checked (one row per prediction block,
positive speeds), never speeds: wall-clock times depend on the machine
and its load.
"""
import json

import pytest

from mmactx.testing import load_script
from mmactx.utils.cli import InputError

CONFIG = '''
input_size = (64, 64)
model = dict(
    type='MultitaskRecognizer',
    backbone=dict(type='SPNet', num_joints=5, num_pyramids=2, num_levels=3,
                  with_depth=True, stem_channels=8, growth=8,
                  kernel_size=3),
    action_head=dict(
        type='MultitaskActionHead', num_classes=3, pose_dim=3,
        feat_channels=24, num_blocks=2, appearance_channels=8,
        pose_cfg=dict(stem_widths=(4, 4, 4), branch_widths=(8, 8),
                      branch_mid=4)))
'''


@pytest.fixture(scope='module')
def bench():
    return load_script('tools/analysis/benchmark_multitask_fps.py')


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    path = tmp_path_factory.mktemp('fps') / 'tiny.py'
    path.write_text(CONFIG)
    return path


def test_table_and_json_one_row_per_block(bench, config, capsys):
    out = config.parent / 'fps.json'
    returned = bench.main([str(config), '--clips', '3', '--batch', '2',
                           '--clip-len', '2', '--device', 'cpu',
                           '--warmup', '0', '--json', str(out)])
    written = json.loads(out.read_text())
    assert not list(config.parent.glob('*.tmp'))
    for result in (returned, written):
        rows = result['pose']
        assert [r['block'] for r in rows] == [1, 2, 3, 4]
        assert [r['level'] for r in rows] == [1, 2, 1, 0]
        for row in rows + [result['action']]:
            assert row['frames_per_s'] > 0 and row['ms_per_clip'] > 0
        assert rows[-1]['relative'] == pytest.approx(1)
        assert result['clips_timed'] == 4  # 3 clips: two batches of 2
        assert result['settings']['input_size'] == [64, 64]
    table = capsys.readouterr().out
    assert 'block k' in table and 'frames/s' in table and 'vs k=4' in table
    lines = table.splitlines()
    header = next(i for i, line in enumerate(lines) if 'block k' in line)
    body = [line.split() for line in lines[header + 1:header + 6]]
    assert [cells[0] for cells in body] == ['1', '2', '3', '4', 'action']
    for cells in body:
        assert float(cells[2]) > 0 and float(cells[3]) > 0


def test_missing_input_size_falls_back_to_256(bench, tmp_path):
    cfg = tmp_path / 'no_size.py'
    cfg.write_text(CONFIG.replace('input_size = (64, 64)\n', ''))
    from mmengine.config import Config

    from mmactx.apis.multitask import input_size_of
    with pytest.warns(UserWarning, match='no top-level input_size'):
        assert input_size_of(Config.fromfile(str(cfg))) == (256, 256)


def test_errors(bench, tmp_path):
    with pytest.raises(InputError, match='config .*nope.py does not exist'):
        bench.main([str(tmp_path / 'nope.py'), '--device', 'cpu'])
    bad = tmp_path / 'bad_size.py'
    bad.write_text(CONFIG.replace('(64, 64)', '(64, -1)'))
    with pytest.raises(InputError, match='input_size must be'):
        bench.main([str(bad), '--device', 'cpu'])
    other = tmp_path / 'other.py'
    other.write_text("input_size = (64, 64)\nmodel = dict(type='SPNet', "
                     "num_joints=5, num_levels=3, stem_channels=8, "
                     "growth=8, kernel_size=3)\n")
    with pytest.raises(InputError, match='not a MultitaskRecognizer'):
        bench.main([str(other), '--device', 'cpu'])
    with pytest.raises(SystemExit):
        bench.parse_args([str(other), '--clips', '0'])


def test_timed_calls_are_interleaved(bench):
    import torch
    order = []
    fns = [lambda i=i: order.append(i) for i in range(3)]
    spent = bench.time_interleaved(fns, calls=3, warmup=1,
                                   device=torch.device('cpu'))
    assert len(spent) == 3 and all(s >= 0 for s in spent)
    # warm-up: each once; then rounds in rotating order
    assert order == [0, 1, 2] + [0, 1, 2] + [1, 2, 0] + [2, 0, 1]

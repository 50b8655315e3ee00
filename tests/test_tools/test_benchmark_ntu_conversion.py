"""tools/analysis/benchmark_ntu_conversion.py on a few files: the report's
fields and the agreement of the joints read; never its speeds."""
import json

import pytest

from mmactx.testing import load_script


def test_report(tmp_path, capsys):
    bench = load_script('tools/analysis/benchmark_ntu_conversion.py')
    out = tmp_path / 'r.json'
    result = bench.main(['--files', '6', '--repeats', '1', '--workers', '4',
                         '--json', str(out)])
    assert json.loads(out.read_text()) == result
    assert result['files'] == 6 and result['workers'] == 4
    for key in ('mmactx_ms', 'mmaction2_ms', 'speedup',
                'projected_ntu120_min'):
        assert result[key] > 0
    assert result['projected_ntu120_min'] == pytest.approx(
        114480 * result['mmactx_ms'] / 1e3 / 4 / 60)
    # both read the same joints (mmactx stores float16 metres)
    assert result['max_joint_difference_m'] < 4e-3
    assert 'speed-up (mmaction2 / mmactx)' in capsys.readouterr().out

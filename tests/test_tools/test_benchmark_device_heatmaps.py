"""tools/analysis/benchmark_device_heatmaps.py on tiny settings: the report's
structure and the byte counts (never the speeds)."""
from mmactx.testing import load_script


def test_report_structure_and_bytes(tmp_path):
    bench = load_script('tools/analysis/benchmark_device_heatmaps.py')
    out = tmp_path / 'device.json'
    report = bench.main(['--batch', '2', '--repeats', '1', '--kinds',
                         'joint', '--skip-memory', '--json', str(out)])
    assert out.exists() and report['device'] == 'cpu'
    train = report['kinds']['joint']['train']
    # a 48x17x56x56 float32 volume vs 1 clip x 2 persons x 48 x 17 x 3
    assert train['cpu']['bytes_per_sample'] == 48 * 17 * 56 * 56 * 4
    assert train['device']['bytes_per_sample'] == 2 * 48 * 17 * 3 * 4
    assert train['bytes_ratio'] > 100
    for path in ('cpu', 'device'):
        assert train[path]['data_path_ms'] > 0
    assert 0 < train['device']['render_ms']

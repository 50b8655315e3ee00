"""Benchmark NTU ``.skeleton`` conversion: mmactx vs mmaction2's script.

Writes synthetic raw files with NTU-like statistics (50-130 frames, a
second body in a fifth of them), then times, on the same files in one
process (one worker):

* mmactx: :func:`mmactx.datasets.converters.ntu.convert_ntu_file` (parse,
  denoise, actors, centring, the 3D and the 2D record);
* mmaction2 1.2.0: ``read_xyz`` of its ``tools/data/skeleton/
  gen_ntu_rgbd_raw.py`` (parse, pick two bodies by motion; 3D only, no
  denoising), as shipped in the wheel's ``.mim`` folder.

It prints ms per file, files per second per worker, the ratio, and the
projected time of all 114,480 NTU120 files with ``--workers`` processes
(conversion is per file, so it scales with workers until the disk is the
limit). On single-body files both must read the same joints: the largest
difference (after undoing mmactx's centring and float16 storage) is
printed.

    python tools/analysis/benchmark_ntu_conversion.py --files 200
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import tempfile
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

NTU120_FILES = 114480


def load_mmaction_script():
    """mmaction2's gen_ntu_rgbd_raw.py as a module (None if absent)."""
    import mmaction
    path = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools', 'data',
                    'skeleton', 'gen_ntu_rgbd_raw.py')
    if not osp.isfile(path):
        return None
    spec = importlib.util.spec_from_file_location('gen_ntu_rgbd_raw', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_files(folder: str, num: int, seed: int) -> List[str]:
    """NTU-like raw files: lengths 50-130, two bodies in 20% of them."""
    from mmactx.datasets.synthetic import CLASSES, generate_sample
    from mmactx.testing import kinect_rows, write_ntu_sample
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(num):
        persons = 2 if rng.random() < 0.2 else 1
        rec = generate_sample(rng, i % len(CLASSES), 'ntu3d',
                              num_frames=int(rng.integers(50, 131)),
                              num_persons=persons)
        bodies = [(f'7205759403793{i:04d}{m}', 0, kinect_rows(kp))
                  for m, kp in enumerate(rec['keypoint'])]
        name = f'S001C001P{1 + i % 40:03d}R{1 + i // 2400:03d}A' \
            f'{1 + i % 60:03d}'
        paths.append(write_ntu_sample(folder, name, bodies,
                                      rec['total_frames']))
    return paths


def time_per_file(fn: Callable[[str], object], paths: Sequence[str],
                  repeats: int) -> float:
    """Median over repeats of the mean seconds per file."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for p in paths:
            fn(p)
        runs.append((time.perf_counter() - start) / len(paths))
    return float(np.median(runs))


def max_joint_difference(paths: Sequence[str], ref) -> float:
    """Largest |mmactx - mmaction2| joint coordinate on single-body files."""
    from mmactx.datasets.converters.ntu import convert_ntu_file, read_skeleton
    worst = 0.0
    for p in paths:
        bodies = read_skeleton(p)
        if len(bodies) != 1:
            continue
        raw = next(iter(bodies.values())).xyz
        ours = convert_ntu_file(p)['3d']['keypoint'].astype(np.float64)
        theirs = ref.read_xyz(p)
        origin = raw[0, 1]
        restored = np.where(ours == 0, raw, ours + origin)  # undo centring
        worst = max(worst, float(np.abs(restored[None] - theirs).max()))
    return worst


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--files', type=int, default=200,
                        help='synthetic raw files (default 200)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed passes; the median is kept (default 3)')
    parser.add_argument('--workers', type=int, default=os.cpu_count() or 1,
                        help='workers of the projection (default: CPUs)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args(argv)

    from mmactx.datasets.converters.ntu import convert_ntu_file
    from mmactx.utils import atomic_write_text
    ref = load_mmaction_script()
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(folder, args.files, args.seed)
        size = sum(osp.getsize(p) for p in paths) / len(paths) / 2**10
        ours = time_per_file(convert_ntu_file, paths, args.repeats)
        theirs = None if ref is None else time_per_file(
            ref.read_xyz, paths, args.repeats)
        diff = None if ref is None else max_joint_difference(paths, ref)

    result = dict(
        files=args.files, mean_file_kib=round(size, 1),
        mmactx_ms=ours * 1e3, mmactx_files_per_s=1 / ours,
        mmaction2_ms=None if theirs is None else theirs * 1e3,
        mmaction2_files_per_s=None if theirs is None else 1 / theirs,
        speedup=None if theirs is None else theirs / ours,
        max_joint_difference_m=diff, workers=args.workers,
        projected_ntu120_min=NTU120_FILES * ours / args.workers / 60)
    print(f'{args.files} synthetic NTU files, {size:.0f} KiB each on '
          f'average; one worker, median of {args.repeats} passes')
    print(f'{"":28s}{"ms/file":>10s}{"files/s":>10s}')
    print(f'{"mmactx convert_ntu_file":28s}{ours * 1e3:10.2f}'
          f'{1 / ours:10.1f}')
    if theirs is None:
        print('mmaction2 gen_ntu_rgbd_raw.py not found in the wheel')
    else:
        print(f'{"mmaction2 read_xyz (3D only)":28s}{theirs * 1e3:10.2f}'
              f'{1 / theirs:10.1f}')
        print(f'speed-up (mmaction2 / mmactx): {theirs / ours:.2f}x; '
              f'largest joint difference on single-body files: '
              f'{diff:.4f} m (float16 storage)')
    print(f'projected for all {NTU120_FILES} NTU120 files with '
          f'{args.workers} worker(s): {result["projected_ntu120_min"]:.1f} '
          'min')
    if args.json:
        atomic_write_text(json.dumps(result, indent=2) + '\n', args.json)
    return result


if __name__ == '__main__':
    main()

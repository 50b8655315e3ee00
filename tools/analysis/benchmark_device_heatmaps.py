"""Benchmark PoseC3D's two data paths: heatmaps rendered by the CPU
transform in the DataLoader, or rendered on the model's device.

In one run, on the same NTU-like synthetic samples
(:func:`mmactx.testing.poses.ntu_like_samples`: 2 persons, COCO-17,
1080x1920 pixels) and the NTU60 XSub configs (CPU: ``configs/posec3d``,
device: ``configs/posec3d/device``):

* per batch of ``--batch`` training samples: the bytes of the inputs that
  pass through the DataLoader, the time of the whole data path (pipeline of
  every sample, collate, data preprocessor), and the time of the rendering
  on the device (its part of the device path);
* for one 10-clip x 2-flip test sample: the peak memory of testing with all
  20 views at once (CPU-rendered volumes) and with views rendered and run in
  chunks (``max_testing_views``), each measured in a fresh subprocess (peak
  resident memory above the state before the test step; on CUDA, the peak
  allocated GPU memory);
* on a CUDA machine, training iterations per second of each config (joints,
  limbs) with each data path: the CPU transform in the loop (volumes copied
  to the GPU) or keypoints rendered on the GPU (``--iters``; data
  preparation included, in this one process).

Ratios are printed beside the targets of the issue: DataLoader bytes at
least 100x fewer, the device path on CPU no slower than the CPU transform,
test peak memory at least 5x lower.

    python tools/analysis/benchmark_device_heatmaps.py --json out.json
"""
import argparse
import copy
import json
import os
import os.path as osp
import random
import subprocess
import sys
import time
from typing import Dict, Optional, Sequence

import numpy as np

from mmactx.testing.poses import ntu_like_samples

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CPU_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'ntu60_xsub_{}.py')
DEVICE_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'device',
                         'ntu60_xsub_{}.py')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='CPU vs on-device heatmap rendering for PoseC3D')
    parser.add_argument('--batch', type=int, default=16,
                        help='training samples per batch (default 16)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed batches per path; the median is kept')
    parser.add_argument('--kinds', nargs='+', default=['joint', 'limb'],
                        choices=['joint', 'limb'])
    parser.add_argument('--device', default=None,
                        help='torch device of the rendering and the model '
                        '(default: cuda if available, else cpu)')
    parser.add_argument('--iters', type=int, default=20,
                        help='training iterations timed per path on CUDA '
                        '(0: none)')
    parser.add_argument('--skip-memory', action='store_true',
                        help='skip the test-memory subprocesses')
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--memory-child', nargs=2,
                        metavar=('KIND', 'MODE'), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def pipeline_of(cfg, split: str):
    from mmengine.dataset import Compose

    from mmactx.registry import TRANSFORMS
    ds = cfg[f'{split}_dataloader'].dataset
    if split == 'train':
        ds = ds.dataset
    return Compose([TRANSFORMS.build(t) for t in ds.pipeline])


def run_samples(pipeline, records, seed: int = 0) -> list:
    out = []
    for i, rec in enumerate(records):
        np.random.seed(seed + i)
        random.seed(seed + i)
        out.append(pipeline(copy.deepcopy(rec)))
    return out


def sync(device: str) -> None:
    import torch
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def data_path(kind: str, records, device: str, repeats: int) -> Dict:
    """Bytes and times of both training data paths for one batch."""
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from mmactx.registry import MODELS
    result = {}
    for path_name, config in (('cpu', CPU_CONFIG), ('device',
                                                    DEVICE_CONFIG)):
        cfg = Config.fromfile(config.format(kind))
        pipeline = pipeline_of(cfg, 'train')
        model_pre = cfg.model.get('data_preprocessor') or dict(
            type='ActionDataPreprocessor')
        pre = MODELS.build(model_pre).to(device)
        samples = run_samples(pipeline, records)
        nbytes = sum(s['inputs'].numel() * s['inputs'].element_size()
                     for s in samples) / len(samples)

        def whole():
            batch = pseudo_collate(run_samples(pipeline, records))
            pre(batch, training=True)
            sync(device)

        whole()  # warm-up
        entry = dict(bytes_per_sample=nbytes,
                     data_path_ms=median_ms(whole, repeats))
        if path_name == 'device':
            batch = pseudo_collate(samples)
            cast = pre.cast_data(batch)
            clips = torch.stack(cast['inputs'])
            img_shape, double = pre.batch_meta(cast['data_samples'])

            def render():
                pre.render(clips, img_shape, double)
                sync(device)

            render()
            entry['render_ms'] = median_ms(render, repeats)
        result[path_name] = entry
    result['bytes_ratio'] = (result['cpu']['bytes_per_sample'] /
                             result['device']['bytes_per_sample'])
    result['time_ratio'] = (result['cpu']['data_path_ms'] /
                            result['device']['data_path_ms'])
    return result


def memory_child(kind: str, mode: str) -> Dict:
    """Peak memory of one test step (run in a fresh process)."""
    import resource

    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from mmactx.registry import MODELS
    from mmactx.utils import register_all_modules
    register_all_modules()
    device = os.environ.get('BENCH_DEVICE', 'cpu')
    config = CPU_CONFIG if mode == 'all_at_once' else DEVICE_CONFIG
    cfg = Config.fromfile(config.format(kind))
    torch.manual_seed(0)  # the same weights in both modes
    model = MODELS.build(cfg.model).to(device).eval()
    rec = ntu_like_samples(1)[0]
    pipeline = pipeline_of(cfg, 'test')

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # the model and a first small step are in place before measuring
    with torch.no_grad():
        base_rss = rss_mb()
        if device.startswith('cuda'):
            torch.cuda.reset_peak_memory_stats()
            base_gpu = torch.cuda.memory_allocated()
        start = time.perf_counter()
        batch = pseudo_collate([pipeline(copy.deepcopy(rec))])
        scores = model.test_step(batch)[0].pred_score
        sync(device)
        elapsed = time.perf_counter() - start
    out = dict(peak_rss_mb=rss_mb() - base_rss, seconds=elapsed,
               scores=scores.float().cpu().numpy().round(6).tolist()[:5])
    if device.startswith('cuda'):
        out['peak_gpu_mb'] = (torch.cuda.max_memory_allocated() -
                              base_gpu) / 2**20
    return out


def test_memory(kind: str, device: str) -> Dict:
    result = {}
    for mode in ('all_at_once', 'chunked'):
        env = dict(os.environ, BENCH_DEVICE=device)
        out = subprocess.run(
            [sys.executable, __file__, '--memory-child', kind, mode],
            capture_output=True, text=True, env=env, cwd=ROOT)
        if out.returncode:
            raise RuntimeError(f'{mode} test step failed:\n'
                               f'{out.stderr[-3000:]}')
        result[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    key = 'peak_gpu_mb' if device.startswith('cuda') else 'peak_rss_mb'
    result['memory_ratio'] = (result['all_at_once'][key] /
                              max(result['chunked'][key], 1e-6))
    result['measure'] = key
    return result


def train_speed(kind: str, records, device: str, iters: int) -> Dict:
    """Training iterations per second of each data path, data preparation
    included, with the published optimizer on a batch of ``records``.

    Returns:
        dict: ``cpu`` (CPU transform) and ``device`` (rendering on
        ``device``) iterations/s, and ``ratio`` (device / cpu).
    """
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper

    from mmactx.registry import MODELS
    result = {}
    for name, config in (('cpu', CPU_CONFIG), ('device', DEVICE_CONFIG)):
        cfg = Config.fromfile(config.format(kind))
        model = MODELS.build(cfg.model).to(device)
        optim = build_optim_wrapper(model, cfg.optim_wrapper)
        pipeline = pipeline_of(cfg, 'train')

        def step():
            batch = pseudo_collate(run_samples(pipeline, records))
            model.train_step(batch, optim)

        step()  # warm-up (cuDNN's algorithm search, allocator)
        sync(device)
        start = time.perf_counter()
        for _ in range(iters):
            step()
        sync(device)
        result[name] = iters / (time.perf_counter() - start)
    result['ratio'] = result['device'] / result['cpu']
    return result


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    from mmactx.utils import register_all_modules
    register_all_modules()
    if args.memory_child:
        print(json.dumps(memory_child(*args.memory_child)))
        return {}
    import torch
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    records = ntu_like_samples(args.batch)
    print(f'PoseC3D data paths, NTU60 XSub configs, batch {args.batch}, '
          f'device {device}, torch threads {torch.get_num_threads()}')
    report = dict(device=device, batch=args.batch, kinds={})
    for kind in args.kinds:
        entry = dict(train=data_path(kind, records, device, args.repeats))
        t = entry['train']
        print(f'\n{kind}: per training sample through the DataLoader: '
              f'CPU {t["cpu"]["bytes_per_sample"] / 2**20:.2f} MiB, device '
              f'{t["device"]["bytes_per_sample"] / 2**10:.1f} KiB -> '
              f'{t["bytes_ratio"]:.0f}x fewer (target >= 100x)')
        print(f'{kind}: data path per batch of {args.batch}: CPU transform '
              f'{t["cpu"]["data_path_ms"]:.1f} ms, device path '
              f'{t["device"]["data_path_ms"]:.1f} ms (rendering '
              f'{t["device"]["render_ms"]:.1f} ms) -> CPU / device '
              f'{t["time_ratio"]:.2f} (target >= 1)')
        if not args.skip_memory:
            entry['test'] = m = test_memory(kind, device)
            key = m['measure']
            print(f'{kind}: one 10-clip x 2-flip test sample, {key}: all at '
                  f'once {m["all_at_once"][key]:.0f} MB, chunked '
                  f'{m["chunked"][key]:.0f} MB -> {m["memory_ratio"]:.1f}x '
                  f'lower (target >= 5x); same scores: '
                  f'{np.allclose(m["all_at_once"]["scores"], m["chunked"]["scores"], atol=1e-5)}')  # noqa: E501
        if device.startswith('cuda') and args.iters > 0:
            entry['train_speed'] = s = train_speed(kind, records, device,
                                                   args.iters)
            print(f'{kind}: training iterations/s on {device}, batch '
                  f'{args.batch}: CPU transform {s["cpu"]:.2f}, rendering '
                  f'on {device} {s["device"]:.2f} -> {s["ratio"]:.2f}x')
        report['kinds'][kind] = entry
    if args.json:
        from mmactx.utils.fileio import atomic_write_text
        atomic_write_text(json.dumps(report, indent=1), args.json)
        print(f'\nresults written to {args.json}')
    return report


if __name__ == '__main__':
    main()

"""Benchmark mmactx's RGB+pose (RGBPose-Conv3D) data pipelines against
mmaction2's, on a real NTU RGB+D video and its skeleton.

Two videos of the same sample are read: the raw NTU file (1920x1080 H.264
.avi) and, as the configs read it, that file re-encoded by
``tools/data/compress_ntu_videos.py``'s function (short side 540, OpenCV's
mp4v .mp4, written to a temporary folder); ``--inputs`` picks them.

Both sides are built from the step dicts of the published config
(``configs/rgbpose/ntu60_xsub_rgbpose.py``: the train pipeline and the
10-clip test pipeline), each in its own registry scope, and run in one
process on the same record with the same random draws. mmaction2's side is
its own ``MMUniformSampleFrames`` / ``MMDecode`` (decord, seeking with
``get_batch``) / ``MMCompact`` (``np.Inf`` patched back in for numpy 2,
during the run only); mmactx's side is its drop-ins with ``MMDecode``'s
``backend`` set to each installed decoder: ``opencv`` (the default, always
installed), ``pyav`` and ``decord`` where importable. Every other step
(Resize, Flip, GeneratePoseTarget, ...) is each side's own registry's.

The table gives ms per sample (median over repeats), the speed-up
(mmaction2 / mmactx) and how far the outputs agree: the pose heatmaps
(max|diff|, float32 rounding expected) and the RGB frames (max and mean
|diff| in grey levels: decoders may round differently, and decord's
``get_batch`` was measured to corrupt part of the last frame of this .avi
now and then). Goals (issue 14): mmactx with the default backend at least
as fast as mmaction2, and >= 2x with the fastest installed backend; they
are printed as met / not met, never asserted.

Without decord, mmaction2's ``MMDecode`` cannot run: its rows say so and
only mmactx's timings are given.

The peak memory of one 10-clip test sample is measured in a fresh
subprocess per pipeline: the RSS high-water mark (Linux's ``VmHWM``, reset
to the current RSS just before the sample; ``getrusage``'s ``ru_maxrss``
elsewhere) before and after one sample, and, in a
second call of the same process, the peak of Python-tracked allocations
(``tracemalloc``, which counts numpy's arrays but not the decoders' own
buffers).

Example::

    python tools/analysis/benchmark_rgbpose_pipeline.py --repeats 3 \\
        --json work_dirs/benchmark_rgbpose_pipeline.json
    PYTHONPATH=/path/to/decord_and_av python \\
        tools/analysis/benchmark_rgbpose_pipeline.py
"""
import argparse
import contextlib
import copy
import importlib.util
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from mmactx.testing.benchmarking import (loadavg, mmaction_numpy2_compat,
                                         preserved_global_rngs, seed_globals,
                                         timed_run, warm_up,
                                         write_json_atomic)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'rgbpose', 'ntu60_xsub_rgbpose.py')
NTU_NAME = 'S001C001P001R001A001'
DEFAULT_VIDEO = osp.join(ROOT, '..', 'shared', 'data', 'ntu_sample',
                         NTU_NAME + '_rgb.avi')
DEFAULT_SKELETON = osp.join(ROOT, '..', 'shared', 'data', 'ntu_sample',
                            NTU_NAME + '.skeleton')
# The transforms mmactx re-implements for RGB+pose; the benchmark checks
# that each side built its own.
REPLACED = ('MMUniformSampleFrames', 'MMDecode', 'MMCompact',
            'GeneratePoseTarget')
#: mmactx backend -> module it needs; 'opencv' is mmactx's default
BACKEND_MODULES = {'opencv': 'cv2', 'pyav': 'av', 'decord': 'decord'}
DEFAULT_BACKEND = 'opencv'
#: split -> printed name
CASES = {'train': 'train', 'test': 'test 10-clip'}
#: input videos: the raw NTU file, and as the RGBPose configs read it
#: (tools/data/compress_ntu_videos.py: short side 540, mp4v)
INPUTS = {'raw': 'raw', 'compressed': '540p mp4'}
COMPRESSED_SHORT_SIDE = 540
# the heatmaps agree to float32 rounding
POSE_TOLERANCE = 1e-4
# speed-up goals of issue 14
DEFAULT_TARGET = 1.
FASTEST_TARGET = 2.


@dataclass
class Row:
    """One mmactx backend against mmaction2 in one case.

    Times are medians over repeats of the one sample, in ms; ``ref_ms``,
    ``ratio`` and the differences are None where mmaction2 could not run.
    """
    case: str
    input: str
    backend: str
    ref_ms: Optional[float]
    ours_ms: float
    ratio: Optional[float]
    pose_max_abs_diff: Optional[float]
    rgb_max_abs_diff: Optional[float]
    rgb_mean_abs_diff: Optional[float]
    shapes: Dict[str, List[int]] = field(default_factory=dict)
    ref_ms_all: List[float] = field(default_factory=list)
    ours_ms_all: List[float] = field(default_factory=list)


def installed_backends() -> List[str]:
    """mmactx's decoding backends whose module can be imported here."""
    return [b for b, m in BACKEND_MODULES.items()
            if importlib.util.find_spec(m) is not None]


def reference_available() -> bool:
    """Whether mmaction2's ``MMDecode`` can run: it needs decord."""
    return importlib.util.find_spec('decord') is not None


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time mmactx and mmaction2 RGB+pose pipelines side by '
        'side on a real NTU video and skeleton.')
    parser.add_argument('--video', default=DEFAULT_VIDEO,
                        help='the RGB video (default: the NTU sample of '
                        '../shared/data/ntu_sample)')
    parser.add_argument('--skeleton', default=DEFAULT_SKELETON,
                        help='its NTU .skeleton file')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs of each pipeline; the median is '
                        'kept (default 3)')
    parser.add_argument('--cases', nargs='+', choices=list(CASES),
                        default=list(CASES), metavar='CASE',
                        help='pipelines to run, of: ' + ', '.join(CASES) +
                        ' (default all)')
    parser.add_argument('--inputs', nargs='+', choices=list(INPUTS),
                        default=list(INPUTS), metavar='INPUT',
                        help='videos to run on: raw (the --video file) '
                        'and/or compressed (it re-encoded as '
                        'tools/data/compress_ntu_videos.py does, short side '
                        f'{COMPRESSED_SHORT_SIDE}, as the configs read; '
                        'made in a temporary folder) (default both)')
    parser.add_argument('--backends', nargs='+',
                        choices=list(BACKEND_MODULES), metavar='BACKEND',
                        help='mmactx backends to time (default: every '
                        'installed one of ' + ', '.join(BACKEND_MODULES) +
                        ')')
    parser.add_argument('--warmup-ms', type=float, default=0.,
                        help='untimed warm-up before each block of timed '
                        'calls, at least one call (default 0: one call)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random draws (default 0)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory subprocesses')
    parser.add_argument('--json', metavar='OUT',
                        help='also write the results as JSON to OUT')
    # internal: the peak-memory child process
    parser.add_argument('--memory-child', nargs=2, metavar=('SIDE', 'BACKEND'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error('--repeats must be positive')
    if args.warmup_ms < 0:
        parser.error('--warmup-ms must not be negative')
    if args.backends is None:
        args.backends = installed_backends()
    else:
        missing = [b for b in args.backends if b not in installed_backends()]
        if missing:
            parser.error(f'backend(s) {missing} not importable here')
    for path in (args.video, args.skeleton):
        if not osp.isfile(path):
            parser.error(f'{path} not found (give --video and --skeleton)')
    return args


# ---------------------------------------------------------------- inputs


def load_record(video: str, skeleton: str) -> Dict:
    """The RGB+pose record of an NTU video and its ``.skeleton``: the NTU
    converter's 2D (COCO-17, colour pixels) record with the video as
    ``filename``.

    mmaction2 does not know ``video_frame_inds`` (the video frame of each
    skeleton frame); it is dropped, which is only exact where it is the
    identity (every frame has a body, as in the default sample): otherwise
    this raises, as the two sides would decode different frames.
    """
    from mmactx.datasets.converters.ntu import convert_ntu_file
    rec = convert_ntu_file(skeleton)['2d']
    inds = rec.pop('video_frame_inds', None)
    if inds is not None and not np.array_equal(
            inds, np.arange(rec['total_frames'])):
        raise ValueError(f'{skeleton}: frames without a body, the video '
                         'frames are not the skeleton frames; mmaction2 '
                         'cannot decode this pair')
    rec.update(filename=video, modality=['RGB', 'Pose'])
    return rec


def compressed_copy(video: str, folder: str) -> str:
    """``video`` re-encoded into ``folder`` as
    ``tools/data/compress_ntu_videos.py`` does (short side 540, OpenCV's
    mp4v): the files the RGBPose configs read. The keypoints stay in the
    annotation's 1920x1080 pixels; both sides' ``MMDecode`` rescale them."""
    from mmactx.datasets.converters.videos import compress_video
    dst = osp.join(folder, osp.splitext(osp.basename(video))[0] + '.mp4')
    compress_video(video, dst, COMPRESSED_SHORT_SIDE)
    return dst


# ------------------------------------------------------------- pipelines


def load_steps(split: str, config: str = CONFIG) -> List[Dict]:
    """The step dicts of the config's train or 10-clip test pipeline."""
    from mmengine import Config
    cfg = Config.fromfile(config)
    if split == 'train':
        steps = cfg.train_dataloader.dataset.pipeline
    elif split == 'test':
        steps = cfg.test_dataloader.dataset.pipeline
    else:
        raise ValueError(f'unknown split {split!r}')
    return [step.to_dict() for step in steps]


def build_pipeline(steps: Sequence[Dict], scope: str,
                   backend: Optional[str] = None) -> Callable[[Dict], Dict]:
    """mmengine ``Compose`` of ``steps`` built in ``scope`` (``'mmactx'``
    or ``'mmaction'``), with mmactx's ``MMDecode`` on ``backend``.

    The scope is put in each step: mmengine builds from the *default*
    scope's registry, so a bare ``mmaction.registry`` build would silently
    give mmactx's transforms and compare mmactx with itself.
    """
    from mmaction.registry import TRANSFORMS as MMA_TRANSFORMS
    from mmengine.dataset import Compose

    from mmactx.registry import TRANSFORMS
    registry = TRANSFORMS if scope == 'mmactx' else MMA_TRANSFORMS
    transforms = []
    for step in steps:
        step = dict(copy.deepcopy(step), _scope_=scope)
        if step['type'] == 'MMDecode' and scope == 'mmactx' and backend:
            step['backend'] = backend
        transform = registry.build(step)
        if step['type'] in REPLACED:
            module = type(transform).__module__
            if module.split('.')[0] != scope:
                raise RuntimeError(f'{step["type"]} built in scope {scope!r} '
                                   f'comes from {module}')
        transforms.append(transform)
    return Compose(transforms)


def outputs_of(results: Dict) -> Dict[str, np.ndarray]:
    """The packed inputs (``imgs``, ``heatmap_imgs``) as numpy arrays."""
    return {k: v.numpy() for k, v in results['inputs'].items()}


def compare(ref: Dict[str, np.ndarray], ours: Dict[str, np.ndarray]
            ) -> Dict[str, Optional[float]]:
    """max|diff| of the heatmaps, max and mean |diff| of the frames
    (infinite where the shapes differ)."""
    out = {}
    for key, name in (('heatmap_imgs', 'pose'), ('imgs', 'rgb')):
        a, b = ref[key], ours[key]
        if a.shape != b.shape:
            out[f'{name}_max'] = out[f'{name}_mean'] = float('inf')
            continue
        diff = np.abs(a.astype(np.float64) - b)
        out[f'{name}_max'] = float(diff.max()) if diff.size else 0.
        out[f'{name}_mean'] = float(diff.mean()) if diff.size else 0.
    return out


# ----------------------------------------------------------------- timing


def run_case(split: str, record: Dict, backends: Sequence[str],
             repeats: int, seed: int = 0, warmup_ms: float = 0.,
             with_reference: bool = True, input: str = 'raw') -> List[Row]:
    """Check the outputs of mmaction2's and mmactx's pipelines (one per
    backend) against each other, then time each.

    As in ``benchmark_pipeline.py``: every call uses the same seed, so all
    do the same work; each pipeline is timed in a block of its own calls
    after untimed warm-up, as a DataLoader worker runs it; the order of the
    blocks rotates between repeats, so that drifting load favours none.
    """
    steps = load_steps(split)
    pipes = {}
    if with_reference:
        pipes['mmaction2'] = build_pipeline(steps, 'mmaction')
    for backend in backends:
        pipes[backend] = build_pipeline(steps, 'mmactx', backend)
    outputs = {name: timed_run(pipe, record, seed, outputs_of)[0]
               for name, pipe in pipes.items()}
    times: Dict[str, List[float]] = {name: [] for name in pipes}
    names = list(pipes)
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            warm_up(pipes[name], record, seed, warmup_ms)
            times[name].append(timed_run(pipes[name], record, seed)[1])
    ref_ms = float(np.median(times['mmaction2'])) if with_reference else None
    rows = []
    for backend in backends:
        ours_ms = float(np.median(times[backend]))
        diff = (compare(outputs['mmaction2'], outputs[backend])
                if with_reference else {})
        rows.append(Row(
            case=split, input=input, backend=backend, ref_ms=ref_ms,
            ours_ms=ours_ms,
            ratio=None if ref_ms is None else ref_ms / ours_ms,
            pose_max_abs_diff=diff.get('pose_max'),
            rgb_max_abs_diff=diff.get('rgb_max'),
            rgb_mean_abs_diff=diff.get('rgb_mean'),
            shapes={k: list(v.shape) for k, v in outputs[backend].items()},
            ref_ms_all=list(times.get('mmaction2', [])),
            ours_ms_all=times[backend]))
    return rows


# ------------------------------------------------------------ peak memory


def memory_child(side: str, backend: str, video: str,
                 skeleton: str) -> Dict:
    """In a fresh process: the memory one 10-clip test sample takes.

    Returns ``rss_before_mb`` (the RSS after the imports and building the
    pipeline; the high-water mark is reset to it where Linux allows),
    ``rss_peak_mb`` (the high-water mark after one sample) and their
    difference, and ``tracemalloc_peak_mb``: the peak of Python-
    tracked allocations (numpy arrays included, decoder buffers not) during
    a second call.
    """
    import resource
    import tracemalloc

    from mmactx.utils import register_all_modules
    register_all_modules()

    def hwm_mb() -> float:
        """The RSS high-water mark: /proc's VmHWM where there is one (a
        child's ru_maxrss keeps its parent's RSS at the fork), else
        ru_maxrss (KiB on Linux)."""
        try:
            with open('/proc/self/status') as f:
                for line in f:
                    if line.startswith('VmHWM:'):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def reset_hwm() -> None:
        """Lower the high-water mark to the current RSS (Linux)."""
        with contextlib.suppress(OSError):
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')

    record = load_record(video, skeleton)
    steps = load_steps('test')
    with mmaction_numpy2_compat():
        pipe = (build_pipeline(steps, 'mmaction') if side == 'mmaction2'
                else build_pipeline(steps, 'mmactx', backend))
        data = copy.deepcopy(record)
        reset_hwm()
        before = hwm_mb()
        seed_globals(0)
        pipe(data)
        peak = hwm_mb()
        data = copy.deepcopy(record)
        seed_globals(0)
        tracemalloc.start()
        pipe(data)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return dict(side=side, backend=backend, rss_before_mb=before,
                rss_peak_mb=peak, rss_increase_mb=peak - before,
                tracemalloc_peak_mb=traced)


def measure_memory(side: str, backend: str, video: str,
                   skeleton: str, input: str = 'raw') -> Dict:
    """Run :func:`memory_child` in a fresh interpreter (so that earlier
    samples do not hold the high-water mark) and return its result."""
    cmd = [sys.executable, osp.abspath(__file__), '--video', video,
           '--skeleton', skeleton, '--memory-child', side, backend]
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (ROOT, env.get('PYTHONPATH')) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f'peak-memory run of {side}/{backend} failed:\n'
                           f'{proc.stderr[-2000:]}')
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]),
                input=input)


# ----------------------------------------------------------------- report


def _fmt(value: Optional[float], spec: str) -> str:
    return '-' if value is None else format(value, spec)


def format_table(rows: Sequence[Row]) -> str:
    """The timings as a fixed-width text table."""
    head = (f'{"case":<13} {"video":<9} {"mmactx backend":<16} '
            f'{"mmaction2 ms":>12} '
            f'{"mmactx ms":>10} {"speed-up":>9}  {"pose max|d|":>11} '
            f'{"rgb max|d|":>10} {"rgb mean|d|":>11}')
    lines = [head, '-' * len(head)]
    for row in rows:
        name = row.backend + (' (default)' if row.backend == DEFAULT_BACKEND
                              else '')
        ratio = '-' if row.ratio is None else f'{row.ratio:.2f}x'
        lines.append(
            f'{CASES[row.case]:<13} {INPUTS[row.input]:<9} {name:<16} '
            f'{_fmt(row.ref_ms, ".1f"):>12} {row.ours_ms:>10.1f} '
            f'{ratio:>9}  {_fmt(row.pose_max_abs_diff, ".1e"):>11} '
            f'{_fmt(row.rgb_max_abs_diff, ".0f"):>10} '
            f'{_fmt(row.rgb_mean_abs_diff, ".3f"):>11}')
    return '\n'.join(lines)


def goals(rows: Sequence[Row]) -> List[Dict]:
    """Issue 14's goals per video and case: the default backend >= 1x, the
    fastest installed backend >= 2x (``met`` None without mmaction2)."""
    out = []
    for input, split in ((i, c) for i in INPUTS for c in CASES):
        case_rows = [r for r in rows if r.case == split and r.input == input]
        if not case_rows:
            continue
        fastest = min(case_rows, key=lambda r: r.ours_ms)
        default = [r for r in case_rows if r.backend == DEFAULT_BACKEND]
        for what, row, target in (('default backend', default[0]
                                   if default else None, DEFAULT_TARGET),
                                  ('fastest backend', fastest,
                                   FASTEST_TARGET)):
            if row is None:
                continue
            out.append(dict(
                case=split, input=input, goal=what, backend=row.backend,
                ratio=row.ratio,
                target=target,
                met=None if row.ratio is None else bool(row.ratio >= target)))
    return out


def format_goals(items: Sequence[Dict]) -> str:
    lines = []
    for g in items:
        status = ('mmaction2 not timed' if g['met'] is None else
                  'met' if g['met'] else 'NOT MET')
        ratio = '-' if g['ratio'] is None else f'{g["ratio"]:.2f}x'
        lines.append(f'goal {CASES[g["case"]]}, {INPUTS[g["input"]]} video, '
                     f'{g["goal"]} '
                     f'({g["backend"]}): {ratio} vs >={g["target"]:g}x: '
                     f'{status}')
    return '\n'.join(lines)


def format_memory(items: Sequence[Dict]) -> str:
    head = (f'{"pipeline (1 test sample, 10 clips)":<36} {"video":<9} '
            f'{"RSS before MB":>13} {"RSS peak MB":>11} {"increase MB":>11} '
            f'{"tracemalloc peak MB":>19}')
    lines = [head, '-' * len(head)]
    for m in items:
        name = ('mmaction2 (decord)' if m['side'] == 'mmaction2' else
                f'mmactx ({m["backend"]})')
        lines.append(f'{name:<36} {INPUTS[m["input"]]:<9} '
                     f'{m["rss_before_mb"]:>13.0f} '
                     f'{m["rss_peak_mb"]:>11.0f} {m["rss_increase_mb"]:>11.0f}'
                     f' {m["tracemalloc_peak_mb"]:>19.0f}')
    return '\n'.join(lines)


def agreement(rows: Sequence[Row]) -> bool:
    """Whether every compared pose output agrees to float32 rounding."""
    return all(r.pose_max_abs_diff is None
               or r.pose_max_abs_diff <= POSE_TOLERANCE for r in rows)


def environment() -> Dict:
    """Versions and machine facts printed with the table."""
    import cv2
    import mmaction
    import mmengine
    env = dict(python=platform.python_version(), numpy=np.__version__,
               mmaction2=mmaction.__version__, mmengine=mmengine.__version__,
               opencv=cv2.__version__, cpu_count=os.cpu_count(),
               machine=platform.machine())
    for name, module in (('pyav', 'av'), ('decord', 'decord')):
        if importlib.util.find_spec(module) is not None:
            env[name] = __import__(module).__version__
        else:
            env[name] = None
    return env


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the benchmark, print the tables and return the results.

    Returns:
        dict: ``rows`` (one per video, case and backend), ``goals``,
        ``memory`` (one per video and pipeline),
        ``backends`` (timed) and ``backends_missing``, ``reference``
        (whether mmaction2 ran), ``outputs_agree``, ``settings``,
        ``environment`` and load averages; written with ``--json``.
    """
    args = parse_args(argv)
    if args.memory_child:
        side, backend = args.memory_child
        result = memory_child(side, backend, args.video, args.skeleton)
        print(json.dumps(result))
        return result
    from mmactx.utils import register_all_modules
    register_all_modules()
    env = environment()
    reference = reference_available()
    missing = [b for b in BACKEND_MODULES if b not in installed_backends()]
    load_before = loadavg()
    print(f'RGB+pose pipelines ({osp.relpath(CONFIG, ROOT)}), mmaction2 '
          f'{env["mmaction2"]} (decord, np.Inf patched) vs mmactx, on '
          f'{args.video}; median of {args.repeats} repeat(s)')
    print(f'numpy {env["numpy"]}, opencv {env["opencv"]}, pyav '
          f'{env["pyav"]}, decord {env["decord"]}; {env["cpu_count"]} CPUs, '
          f'load average before: {load_before}')
    print(f'mmactx backends timed: {", ".join(args.backends)}' +
          (f'; not importable: {", ".join(missing)}' if missing else ''))
    if not reference:
        print('decord is not importable: mmaction2\'s MMDecode cannot run, '
              'only mmactx is timed')
    rows: List[Row] = []
    memory = []
    with tempfile.TemporaryDirectory() as tmp:
        for input in args.inputs:
            video = (args.video if input == 'raw' else
                     compressed_copy(args.video, tmp))
            record = load_record(video, args.skeleton)
            with preserved_global_rngs(), mmaction_numpy2_compat():
                for split in args.cases:
                    start = time.perf_counter()
                    rows += run_case(split, record, args.backends,
                                     args.repeats, args.seed, args.warmup_ms,
                                     reference, input)
                    print(f'  {CASES[split]}, {INPUTS[input]} video: done in '
                          f'{time.perf_counter() - start:.1f} s', flush=True)
            if not args.no_memory:
                sides = ([('mmaction2', 'decord')] if reference else []) + [
                    ('mmactx', b) for b in args.backends]
                memory += [measure_memory(side, backend, video,
                                          args.skeleton, input)
                           for side, backend in sides]
    load_after = loadavg()
    goal_items = goals(rows)
    ok = agreement(rows)
    print()
    print(format_table(rows))
    print(format_goals(goal_items))
    print('pose heatmaps agree: max|diff| <= '
          f'{POSE_TOLERANCE:g}' if ok else
          f'POSE HEATMAPS DIFFER (max|diff| > {POSE_TOLERANCE:g})')
    if memory:
        print()
        print(format_memory(memory))
        print('RSS: high-water mark (VmHWM, reset before the sample) of a '
              'fresh process per pipeline; tracemalloc: peak of the '
              'Python/numpy allocations of one call')
    print(f'load average after: {load_after}')
    report = dict(
        rows=[asdict(r) for r in rows], goals=goal_items, memory=memory,
        backends=list(args.backends), backends_missing=missing,
        reference=reference, outputs_agree=ok,
        pose_tolerance=POSE_TOLERANCE,
        settings=dict(video=args.video, skeleton=args.skeleton,
                      repeats=args.repeats, cases=args.cases,
                      inputs=args.inputs,
                      seed=args.seed, warmup_ms=args.warmup_ms),
        environment=env, loadavg_before=load_before,
        loadavg_after=load_after)
    if args.json:
        write_json_atomic(report, args.json)
        print(f'results written to {args.json}')
    return report


if __name__ == '__main__':
    # Differing heatmaps are a failure; missed speed goals are only reported.
    result = main()
    sys.exit(0 if result.get('outputs_agree', True) else 1)

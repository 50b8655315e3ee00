"""Benchmark mmactx's PoseC3D data pipelines against mmaction2's.

Both pipelines are built from the same step dicts, taken from the published
configs (so the benchmark always measures what the configs run), and run
side by side in one process on the same synthetic skeletons with the same
random draws: NTU-like skeletons, and for the ``*-spread`` cases joints
scattered over the whole frame (:func:`mmactx.testing.poses.spread_samples`:
long limbs, the worst case of the limb renderer). The table gives ms per
sample (median over repeats, mean over samples), the speed-up (mmaction2 /
mmactx) beside its target, and the largest absolute difference of the two
pipelines' outputs: a fast wrong pipeline is worthless.

Example::

    python tools/analysis/benchmark_pipeline.py --samples 3 --repeats 3 \
        --json work_dirs/benchmark_pipeline.json
"""
import argparse
import copy
import os
import os.path as osp
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmactx.testing.benchmarking import (loadavg, mmaction_numpy2_compat,
                                         preserved_global_rngs, seed_globals,
                                         timed_run, warm_up,
                                         write_json_atomic)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
JOINT_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'ntu60_xsub_joint.py')
LIMB_CONFIG = osp.join(ROOT, 'configs', 'posec3d', 'ntu60_xsub_limb.py')
# The transforms mmactx registers under mmaction2's names: re-implemented,
# or (Flip) mmaction2's with a layout option; every other step (Resize,
# FormatShape, ...) is mmaction2's own in both pipelines.
REPLACED = ('UniformSampleFrames', 'PoseDecode', 'PoseCompact',
            'GeneratePoseTarget', 'Flip')
HEATMAP_STEP = 'GeneratePoseTarget'
# mmactx's volumes agree with mmaction2's to float32 rounding.
TOLERANCE = 1e-5


@dataclass(frozen=True)
class Case:
    """One benchmarked comparison.

    Attributes:
        key (str): Command-line name.
        name (str): Name printed in the table.
        config (str): Config file the pipeline comes from.
        split (str): ``'train'`` or ``'test'`` pipeline of the config.
        heatmap_only (bool): Time only ``GeneratePoseTarget``, on the output
            of the pipeline's steps before it.
        target (float, optional): Speed-up the case should reach.
        inputs (str): The skeletons, a key of :data:`INPUTS`: ``'ntu'``
            (NTU-like) or ``'spread'`` (joints over the whole frame).
    """
    key: str
    name: str
    config: str
    split: str
    heatmap_only: bool = False
    target: Optional[float] = None
    inputs: str = 'ntu'


CASES: Tuple[Case, ...] = (
    Case('train-joint', 'train joint', JOINT_CONFIG, 'train', target=8.),
    Case('train-limb', 'train limb', LIMB_CONFIG, 'train', target=8.),
    Case('test-joint', 'test joint 10-clip double', JOINT_CONFIG, 'test'),
    Case('test-limb', 'test limb 10-clip double', LIMB_CONFIG, 'test'),
    Case('heatmap-joint', 'heatmap joint (train)', JOINT_CONFIG, 'train',
         heatmap_only=True, target=20.),
    Case('heatmap-limb', 'heatmap limb (train)', LIMB_CONFIG, 'train',
         heatmap_only=True, target=20.),
    Case('heatmap-limb-spread', 'heatmap limb spread (train)', LIMB_CONFIG,
         'train', heatmap_only=True, target=10., inputs='spread'),
)
CASE_BY_KEY = {case.key: case for case in CASES}
# Generators of the skeletons of each kind of case: (num, frames, seed) ->
# samples (names of mmactx.testing.poses).
INPUTS = {'ntu': 'ntu_like_samples', 'spread': 'spread_samples'}


def make_inputs(kind: str, num: int, frames: int, seed: int) -> List[Dict]:
    """``num`` samples of ``frames`` frames of the skeletons ``kind`` (a key
    of :data:`INPUTS`)."""
    from mmactx.testing import poses
    return getattr(poses, INPUTS[kind])(num, frames, seed)


@dataclass
class CaseResult:
    """Timings (ms) and output agreement of one case.

    ``ref_ms`` and ``ours_ms`` are the mean over samples of each sample's
    median over repeats; the ``*_per_sample`` lists hold those medians.
    """
    key: str
    name: str
    ref_ms: float
    ours_ms: float
    ratio: float
    target: Optional[float]
    met: Optional[bool]
    max_abs_diff: float
    output_shape: List[int]
    ref_ms_per_sample: List[float] = field(default_factory=list)
    ours_ms_per_sample: List[float] = field(default_factory=list)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time mmactx and mmaction2 PoseC3D pipelines side by '
        'side on the same synthetic skeletons.')
    parser.add_argument('--samples', type=int, default=3,
                        help='different skeleton samples (default 3)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs of each sample; the median is '
                        'kept (default 3)')
    parser.add_argument('--frames', type=int, default=100,
                        help='frames per sample (NTU clips have ~70-300; '
                        'default 100)')
    parser.add_argument('--cases', nargs='+', choices=list(CASE_BY_KEY),
                        default=list(CASE_BY_KEY), metavar='CASE',
                        help='cases to run, of: ' + ', '.join(CASE_BY_KEY) +
                        ' (default all)')
    parser.add_argument('--warmup-ms', type=float, default=50.,
                        help='untimed warm-up before each block of timed '
                        'calls, at least one call (default 50)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic samples (default 0)')
    parser.add_argument('--json', metavar='OUT',
                        help='also write the results as JSON to OUT')
    args = parser.parse_args(argv)
    if args.samples < 1 or args.repeats < 1 or args.frames < 1:
        parser.error('--samples, --repeats and --frames must be positive')
    if args.warmup_ms < 0:
        parser.error('--warmup-ms must not be negative')
    return args


# ------------------------------------------------------------- pipelines


def load_steps(config: str, split: str) -> List[Dict]:
    """The step dicts of a config's train or test pipeline."""
    from mmengine import Config
    cfg = Config.fromfile(config)
    if split == 'train':  # wrapped in a RepeatDataset
        steps = cfg.train_dataloader.dataset.dataset.pipeline
    elif split == 'test':
        steps = cfg.test_dataloader.dataset.pipeline
    else:
        raise ValueError(f'unknown split {split!r}')
    return [step.to_dict() for step in steps]


def build_transforms(steps: Sequence[Dict], scope: str) -> List[Callable]:
    """Build steps in ``scope`` (``'mmactx'`` or ``'mmaction'``).

    The scope is given explicitly in each step: mmengine looks a type up in
    the registry of the current *default* scope, so with ``mmactx`` as the
    default scope, building from ``mmaction.registry.TRANSFORMS`` alone
    would silently give mmactx's transforms and compare mmactx with itself.
    """
    from mmaction.registry import TRANSFORMS as MMA_TRANSFORMS

    from mmactx.registry import TRANSFORMS
    registry = TRANSFORMS if scope == 'mmactx' else MMA_TRANSFORMS
    transforms = []
    for step in steps:
        transform = registry.build(dict(copy.deepcopy(step), _scope_=scope))
        if step['type'] in REPLACED:
            module = type(transform).__module__
            if module.split('.')[0] != scope:
                raise RuntimeError(f'{step["type"]} built in scope {scope!r} '
                                   f'comes from {module}')
        transforms.append(transform)
    return transforms


def compose(transforms: Sequence[Callable]) -> Callable[[Dict], Dict]:
    """Chain transforms with mmengine's ``Compose``, as datasets do, so both
    sides pay the same per-step overhead as in training."""
    from mmengine.dataset import Compose
    return Compose(list(transforms))


def output_of(results: Dict) -> np.ndarray:
    """The heatmap volume a pipeline (or heatmap step) produced."""
    if 'inputs' in results:  # packed by PackActionInputs
        return results['inputs'].numpy()
    return results['imgs']


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference; infinite when the shapes differ."""
    if a.shape != b.shape:
        return float('inf')
    if a.size == 0:
        return 0.
    return float(np.abs(a.astype(np.float64) - b).max())


def prepare_case(case: Case, samples: Sequence[Dict]
                 ) -> Tuple[Callable, Callable, List[Dict]]:
    """Reference pipeline, mmactx pipeline and their inputs for a case.

    For heatmap-only cases the inputs are the samples after the steps before
    ``GeneratePoseTarget`` (run once, with mmactx's transforms, seeded by
    the sample index) and both pipelines are that single step.
    """
    steps = load_steps(case.config, case.split)
    if not case.heatmap_only:
        return (compose(build_transforms(steps, 'mmaction')),
                compose(build_transforms(steps, 'mmactx')), list(samples))
    types = [step['type'] for step in steps]
    at = types.index(HEATMAP_STEP)
    prefix = compose(build_transforms(steps[:at], 'mmactx'))
    inputs = []
    for i, sample in enumerate(samples):
        seed_globals(i)
        inputs.append(prefix(copy.deepcopy(sample)))
    ref = build_transforms(steps[at:at + 1], 'mmaction')[0]
    ours = build_transforms(steps[at:at + 1], 'mmactx')[0]
    return ref, ours, inputs


# ----------------------------------------------------------------- timing


def run_case(case: Case, samples: Sequence[Dict], repeats: int,
             warmup_ms: float = 50.) -> CaseResult:
    """Check that both pipelines of ``case`` agree, then time each.

    Each sample is seeded by its index, the same for both pipelines and
    every repeat, so both do the same work and repeats only differ by
    noise. The agreement pass runs both pipelines on every sample (untimed).
    Each timed pass runs one pipeline over all samples, then the other;
    which goes first alternates between repeats, so that drifting machine
    load favours neither. A pipeline is timed in a block of its own calls,
    as a DataLoader worker runs it: calling the two pipelines in turn made
    each pay for the other's heap churn (page faults on freshly mapped
    memory), which measured up to 3 ms per call, more than a whole mmactx
    joint volume takes.

    Each block starts with untimed warm-up calls lasting at least
    ``warmup_ms`` (and at least one call), the same for both pipelines.
    After a block of mmaction2's calls this machine needs a few ms to
    recover: even ``fill(0)`` of the same 10 MB buffer took 1.6, 1.6,
    1.1, 0.8 and then 0.6 ms per call. One warm-up call covers that for a
    40 ms reference call but not for a 1 ms mmactx call, whose first timed
    calls then measured the machine's recovery rather than the pipeline.
    """
    ref, ours, inputs = prepare_case(case, samples)
    worst, shape = 0., None
    for i, data in enumerate(inputs):
        outputs = [timed_run(pipeline, data, i, output_of)[0]
                   for pipeline in (ref, ours)]
        worst = max(worst, max_abs_diff(*outputs))
        shape = list(outputs[0].shape)
        del outputs  # 10-clip volumes are hundreds of MB each
    ref_ms = [[] for _ in inputs]
    ours_ms = [[] for _ in inputs]
    for r in range(repeats):
        order = ((ref, ref_ms), (ours, ours_ms))
        for pipeline, times in (order if r % 2 == 0 else order[::-1]):
            warm_up(pipeline, inputs[-1], len(inputs) - 1, warmup_ms)
            for i, data in enumerate(inputs):
                times[i].append(timed_run(pipeline, data, i)[1])
    ref_med = [float(np.median(t)) for t in ref_ms]
    ours_med = [float(np.median(t)) for t in ours_ms]
    ref_mean, ours_mean = float(np.mean(ref_med)), float(np.mean(ours_med))
    ratio = ref_mean / ours_mean
    return CaseResult(
        key=case.key, name=case.name, ref_ms=ref_mean, ours_ms=ours_mean,
        ratio=ratio, target=case.target,
        met=None if case.target is None else bool(ratio >= case.target),
        max_abs_diff=worst, output_shape=shape, ref_ms_per_sample=ref_med,
        ours_ms_per_sample=ours_med)


# ----------------------------------------------------------------- report


def format_table(results: Sequence[CaseResult]) -> str:
    """The results as a fixed-width text table."""
    head = (f'{"case":<27} {"mmaction2 ms":>12} {"mmactx ms":>10} '
            f'{"speed-up":>9} {"target":>7}  {"status":<8} {"max|diff|":>9}')
    lines = [head, '-' * len(head)]
    for res in results:
        target = '-' if res.target is None else f'>={res.target:g}x'
        status = '-' if res.met is None else (
            'met' if res.met else 'NOT MET')
        lines.append(
            f'{res.name:<27} {res.ref_ms:>12.1f} {res.ours_ms:>10.2f} '
            f'{res.ratio:>8.1f}x {target:>7}  {status:<8} '
            f'{res.max_abs_diff:>9.1e}')
    return '\n'.join(lines)


def agreement_line(results: Sequence[CaseResult]) -> str:
    """One sanity line on whether both pipelines produced the same heatmaps.
    """
    bad = [r.name for r in results if not r.max_abs_diff <= TOLERANCE]
    if bad:
        return (f'OUTPUTS DIFFER (max|diff| > {TOLERANCE:g}) in: ' +
                ', '.join(bad))
    worst = max(r.max_abs_diff for r in results)
    return (f'outputs agree: max|diff| {worst:.1e} <= {TOLERANCE:g} in '
            'every case')


def environment() -> Dict:
    """Versions and machine facts printed with the table."""
    import mmaction
    import mmengine
    return dict(python=platform.python_version(), numpy=np.__version__,
                mmaction2=mmaction.__version__, mmengine=mmengine.__version__,
                cpu_count=os.cpu_count(), machine=platform.machine())


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the benchmark, print the table and return the results.

    Args:
        argv (Sequence[str], optional): Command-line arguments; None reads
            ``sys.argv``.

    Returns:
        dict: ``cases`` (key -> result), ``settings``, ``environment``,
        ``loadavg_before`` / ``loadavg_after``, ``tolerance`` and
        ``outputs_agree``; the same object is written with ``--json``.
    """
    args = parse_args(argv)
    from mmactx.utils import register_all_modules
    register_all_modules()
    env = environment()
    load_before = loadavg()
    print(f'PoseC3D pipelines, mmaction2 {env["mmaction2"]} (reference) vs '
          f'mmactx: {args.samples} sample(s) x {args.frames} frames x 2 '
          f'persons, median of {args.repeats} repeat(s), each block of '
          f'timed calls after >= {args.warmup_ms:g} ms of warm-up calls')
    print(f'numpy {env["numpy"]}, python {env["python"]}, '
          f'{env["cpu_count"]} CPUs, load average (1/5/15 min) before: '
          f'{load_before}')
    samples = {
        kind: make_inputs(kind, args.samples, args.frames, args.seed)
        for kind in sorted({CASE_BY_KEY[key].inputs for key in args.cases})
    }
    results = []
    with preserved_global_rngs(), mmaction_numpy2_compat():
        for key in args.cases:
            case = CASE_BY_KEY[key]
            start = time.perf_counter()
            results.append(run_case(case, samples[case.inputs], args.repeats,
                                    args.warmup_ms))
            print(f'  {case.name}: done in '
                  f'{time.perf_counter() - start:.1f} s', flush=True)
    load_after = loadavg()
    print()
    print(format_table(results))
    print(agreement_line(results))
    print(f'load average after: {load_after}')
    report = dict(
        cases={r.key: asdict(r) for r in results},
        settings=dict(samples=args.samples, repeats=args.repeats,
                      frames=args.frames, seed=args.seed, cases=args.cases,
                      warmup_ms=args.warmup_ms),
        environment=env, loadavg_before=load_before, loadavg_after=load_after,
        tolerance=TOLERANCE,
        outputs_agree=all(r.max_abs_diff <= TOLERANCE for r in results))
    if args.json:
        write_json_atomic(report, args.json)
        print(f'results written to {args.json}')
    return report


if __name__ == '__main__':
    # A wrong pipeline is a failure whatever its speed; missed speed targets
    # depend on the machine and are only reported.
    sys.exit(0 if main()['outputs_agree'] else 1)

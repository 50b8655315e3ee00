"""Benchmark mmactx's STID descriptors against a per-frame loop version.

Both sides make all five 112x112 STID images (GD, JDD, ADD, LAD, FDD) of
the same NTU-25 two-body clips (synthetic NTU-like 3D records of
:func:`mmactx.datasets.synthetic.generate_sample`, 300 frames by default):

* mmactx: the registered ``STIDDescriptors`` transform (vectorised numpy
  over frames and bodies);
* loop: the same definitions computed as the reference code
  (adjkamel/imdar ``skels2desc_ntu.py``) computes them, written here: a
  Python loop over frames, and within a frame over joint pairs, joints and
  angles with ``math.sqrt`` / ``math.acos`` (law of cosines), reading the
  numpy array one coordinate at a time as the reference does; GD multiplies
  each frame by ``A_hat`` on its own. It differs from the reference only
  where mmactx fixes the reference (see
  :mod:`mmactx.datasets.transforms.stid`), so that both compute the same
  matrices; ``A_hat`` is built once (the reference rebuilds it every frame,
  which would only inflate the ratio). The target (>= 50x) is against this
  side.
* loop, Python floats: the same loop on ``tolist()`` coordinates, about
  twice as fast; its ratio is printed too, so the speed-up is not read as
  more than it is.

All sides turn the matrices into images with the same functions
(``scale_to_uint8``, ``resize_image``), as the reference's images come from
numpy scaling and a PIL resize.

Before timing, mmactx's float matrices (before image conversion) are
compared with both loops'; the largest absolute difference is printed and
must be within :data:`TOLERANCE` (the exit status is 1 otherwise). Times are
ms per sample (median over repeats, mean over samples), each block of timed
calls after a warm-up, the order of the sides rotating between repeats.

Example::

    python tools/analysis/benchmark_stid.py --samples 3 --repeats 5 \
        --json work_dirs/benchmark_stid.json
"""
import argparse
import math
import os
import platform
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmactx.testing.benchmarking import (loadavg, preserved_global_rngs,
                                         timed_run, warm_up,
                                         write_json_atomic)

# float64 on both sides; arccos near 0 amplifies rounding (sqrt of eps).
TOLERANCE = 1e-6
TARGET = 50.
MATRICES = ('gd', 'jdd', 'add', 'lad')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time mmactx\'s vectorised STID descriptors against a '
        'per-frame loop implementation of the same definitions.')
    parser.add_argument('--samples', type=int, default=3,
                        help='different two-body NTU clips (default 3)')
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed runs of each sample; the median is kept '
                        '(default 3)')
    parser.add_argument('--frames', type=int, default=300,
                        help='frames per clip (default 300, the NTU '
                        'maximum)')
    parser.add_argument('--size', type=int, default=112,
                        help='image height and width (default 112)')
    parser.add_argument('--warmup-ms', type=float, default=50.,
                        help='untimed warm-up before each block of timed '
                        'calls, at least one call (default 50)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic clips (default 0)')
    parser.add_argument('--train-config',
                        default='configs/stid/ntu60_xsub_fuse5.py',
                        help='time a training iteration of this config\'s '
                        'model on random images, to compare the '
                        'descriptors\' cost with (default: the NTU60 '
                        'fusion network at its published width; "none" '
                        'skips it)')
    parser.add_argument('--train-batch', type=int, default=2,
                        help='batch of the timed training iteration '
                        '(default 2: the published 32 takes minutes on a '
                        'CPU)')
    parser.add_argument('--device', default=None,
                        help='device of the training iteration (default: '
                        'cuda if available, else cpu)')
    parser.add_argument('--json', metavar='OUT',
                        help='also write the results as JSON to OUT')
    args = parser.parse_args(argv)
    if min(args.samples, args.repeats, args.frames, args.size) < 1:
        parser.error('--samples, --repeats, --frames and --size must be '
                     'positive')
    if args.warmup_ms < 0:
        parser.error('--warmup-ms must not be negative')
    if args.train_batch < 1:
        parser.error('--train-batch must be positive')
    return args


def make_samples(num: int, frames: int, seed: int) -> List[Dict]:
    """``num`` NTU-25 two-body records of ``frames`` frames (metres)."""
    from mmactx.datasets.synthetic import CLASSES, generate_sample
    rng = np.random.default_rng(seed)
    return [
        generate_sample(rng, i % len(CLASSES), 'ntu3d',
                        frame_dir=f'stid_{i:03d}', num_frames=frames,
                        num_persons=2) for i in range(num)
    ]


# ------------------------------------------------- the per-frame loop side


def _dist(p, q) -> float:
    return math.sqrt((p[0] - q[0])**2 + (p[1] - q[1])**2 + (p[2] - q[2])**2)


def _angle(vertex, end1, end2) -> float:
    a, b, c = _dist(vertex, end1), _dist(vertex, end2), _dist(end1, end2)
    if a == 0 or b == 0:
        return 0.
    cos = (a * a + b * b - c * c) / (2 * a * b)
    return math.acos(min(1., max(-1., cos)))


def loop_matrices(keypoint: np.ndarray, spec,
                  python_floats: bool = False) -> Dict[str, np.ndarray]:
    """GD, JDD, ADD and LAD matrices, one frame (and pair, joint, angle) at
    a time.

    Args:
        keypoint (np.ndarray): [M, T, V, 3] metres.
        spec (STIDSpec): Joint pairs, angles, bones and origin.
        python_floats (bool): Read the coordinates from nested Python lists
            (``tolist()`` first) instead of indexing the numpy array one
            coordinate at a time, as the reference does. Defaults to False.

    Returns:
        dict: ``gd`` [M*V, T, 3], ``jdd`` [M*P, T], ``add`` [M*V, T-1],
        ``lad`` [M*A, T], float64, as ``stid_matrices`` returns them.
    """
    from mmactx.datasets.transforms.stid import graph_operator
    arr = np.asarray(keypoint, np.float64)
    kp = arr.tolist() if python_floats else arr
    m, t, v = arr.shape[:3]
    pairs = spec.pair_index.tolist()
    angles = spec.angle_index.tolist()
    bones = spec.bones.tolist()
    # padding (all-zero) person-frames; the reference has no such check
    present = (arr != 0).any(axis=(2, 3)).tolist()
    # translation by body 0's origin joint in its first present frame
    origin = np.zeros(3)
    for k in range(t):
        if present[0][k]:
            origin = np.array(kp[0][k][spec.origin_index])
            break
    op = graph_operator(bones, v)
    gd = np.zeros((m * v, t, 3))
    jdd = np.zeros((m * len(pairs), t))
    add = np.zeros((m * v, t - 1))
    lad = np.zeros((m * len(angles), t))
    for b in range(m):
        body = kp[b]
        first = next((k for k in range(t) if present[b][k]), 0)
        scale = 0.
        for child, parent in bones:
            scale += _dist(body[first][child], body[first][parent])
        if scale == 0:
            scale = 1.
        for k in range(t):
            frame = body[k]
            if present[b][k]:
                x = (np.array(frame) - origin).T  # 3 x V
                gd[b * v:(b + 1) * v, k, :] = (x @ op).T
            for i, (j1, j2) in enumerate(pairs):
                jdd[b * len(pairs) + i, k] = _dist(frame[j1],
                                                   frame[j2]) / scale
            for i, (c, e1, e2) in enumerate(angles):
                lad[b * len(angles) + i, k] = _angle(frame[c], frame[e1],
                                                     frame[e2])
            if k + 1 < t and present[b][k] and present[b][k + 1]:
                for j in range(v):
                    add[b * v + j, k] = _dist(frame[j], body[k + 1][j])
    return dict(gd=gd, jdd=jdd, add=add, lad=lad)


class LoopSTID:
    """A loop side as a pipeline step: reads ``keypoint``, adds ``imgs``
    [5, size, size, 3] uint8, like ``STIDDescriptors``.

    Args:
        size (int): Image height and width.
        python_floats (bool): See :func:`loop_matrices`.
    """

    def __init__(self, size: int = 112, python_floats: bool = False) -> None:
        from mmactx.datasets.transforms.stid import get_stid_spec
        self.spec = get_stid_spec('nturgb+d')
        self.size = size
        self.python_floats = python_floats

    def __call__(self, results: Dict) -> Dict:
        from mmactx.datasets.transforms.stid import (DESCRIPTORS,
                                                     descriptor_images)
        matrices = loop_matrices(results['keypoint'], self.spec,
                                 self.python_floats)
        results['imgs'] = descriptor_images(matrices, DESCRIPTORS, self.size)
        return results


# ----------------------------------------------------------------- timing

# The timed sides: the reference-style loop (numpy indexed one coordinate
# at a time), the same loop on Python floats, and mmactx's transform.
SIDES = ('loop', 'loop_lists', 'mmactx')


def compare(samples: Sequence[Dict], size: int) -> Dict:
    """Largest absolute differences between mmactx's matrices and each loop
    variant's (per matrix, over all samples), and of the images."""
    from mmactx.datasets.transforms.stid import (DESCRIPTORS,
                                                 descriptor_images,
                                                 get_stid_spec,
                                                 stid_matrices)
    spec = get_stid_spec('nturgb+d')
    diff = {name: 0. for name in MATRICES}
    image_diff, shapes = 0, {}
    for sample in samples:
        ours = stid_matrices(sample['keypoint'], spec)
        ours_images = descriptor_images(ours, DESCRIPTORS, size)
        shapes = {name: list(ours[name].shape) for name in MATRICES}
        for python_floats in (False, True):
            loop = loop_matrices(sample['keypoint'], spec, python_floats)
            for name in MATRICES:
                if ours[name].shape != loop[name].shape:
                    diff[name] = float('inf')
                elif ours[name].size:
                    diff[name] = max(diff[name], float(
                        np.abs(ours[name] - loop[name]).max()))
            images = descriptor_images(loop, DESCRIPTORS, size)
            image_diff = max(image_diff, int(np.abs(
                ours_images.astype(np.int16) - images).max()))
    return dict(matrix_max_abs_diff=diff, image_max_abs_diff=image_diff,
                matrix_shapes=shapes,
                agree=all(d <= TOLERANCE for d in diff.values()))


def time_sides(samples: Sequence[Dict], size: int, repeats: int,
               warmup_ms: float) -> Dict:
    """Time every side of :data:`SIDES` on every sample.

    Each repeat runs one side over all samples (after its warm-up), then the
    next; the order rotates between repeats so that drifting machine load
    favours none.

    Returns:
        dict: ``<side>_ms`` (mean over samples of each sample's median over
        repeats) and ``<side>_ms_per_sample`` for every side; ``ratio``
        (loop / mmactx), ``ratio_lists`` (loop_lists / mmactx), ``target``
        and ``met`` (``ratio >= target``).
    """
    from mmactx.datasets.transforms.stid import STIDDescriptors
    sides = dict(loop=LoopSTID(size), loop_lists=LoopSTID(size, True),
                 mmactx=STIDDescriptors(size=size))
    times = {name: [[] for _ in samples] for name in SIDES}
    for r in range(repeats):
        shift = r % len(SIDES)
        for name in SIDES[shift:] + SIDES[:shift]:
            warm_up(sides[name], samples[-1], len(samples) - 1, warmup_ms)
            for i, sample in enumerate(samples):
                times[name][i].append(timed_run(sides[name], sample, i)[1])
    out = {}
    for name in SIDES:
        med = [float(np.median(t)) for t in times[name]]
        out[f'{name}_ms'] = float(np.mean(med))
        out[f'{name}_ms_per_sample'] = med
    out['ratio'] = out['loop_ms'] / out['mmactx_ms']
    out['ratio_lists'] = out['loop_lists_ms'] / out['mmactx_ms']
    out['target'] = TARGET
    out['met'] = bool(out['ratio'] >= TARGET)
    return out


def time_training(config: str, batch: int, size: int = 112,
                  device: Optional[str] = None,
                  iterations: int = 2) -> Dict:
    """Time training iterations (forward, backward, Adam step) of a STID
    config's model on random ``size`` x ``size`` images of its descriptors
    (the network's pooling is made for 112).

    Returns:
        dict: ``config``, ``device``, ``batch``, ``descriptors`` (images
        per sample), ``iteration_ms`` (median) and ``per_sample_ms``.
    """
    import torch
    from mmaction.structures import ActionDataSample
    from mmengine.config import Config

    from mmactx.registry import MODELS
    cfg = Config.fromfile(config)
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    model = MODELS.build(cfg.model).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(),
                                 lr=cfg.optim_wrapper.optimizer.lr)
    num = len(cfg.train_dataloader.dataset.pipeline[0]['descriptors'])
    classes = cfg.model.cls_head.num_classes
    g = torch.Generator().manual_seed(0)
    data = dict(
        inputs=[torch.randint(0, 256, (num, 3, size, size), generator=g,
                              dtype=torch.uint8) for _ in range(batch)],
        data_samples=[ActionDataSample().set_gt_label(i % classes)
                      for i in range(batch)])

    def step():
        optimizer.zero_grad()
        losses = model(**model.data_preprocessor(data, training=True),
                       mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()
        optimizer.step()
        if device.startswith('cuda'):
            torch.cuda.synchronize()

    step()  # warm-up
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    ms = float(np.median(times))
    return dict(config=config, device=device, batch=batch,
                descriptors=num, iteration_ms=ms, per_sample_ms=ms / batch)


def environment() -> Dict:
    """Versions and machine facts printed with the results."""
    import cv2
    return dict(python=platform.python_version(), numpy=np.__version__,
                opencv=cv2.__version__, cpu_count=os.cpu_count(),
                machine=platform.machine())


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the benchmark, print the results and return them.

    Args:
        argv (Sequence[str], optional): Command-line arguments; None reads
            ``sys.argv``.

    Returns:
        dict: ``timing`` (see :func:`time_sides`), ``agreement`` (see
        :func:`compare`), ``tolerance``, ``outputs_agree``, ``settings``,
        ``environment``, ``loadavg_before`` / ``loadavg_after`` and
        ``training`` (:func:`time_training` and ``descriptor_share``, the
        descriptors' ms per sample over training's; None with
        ``--train-config none``); the same object is written with
        ``--json``.
    """
    args = parse_args(argv)
    from mmactx.utils import register_all_modules
    register_all_modules()
    env = environment()
    load_before = loadavg()
    print(f'STID descriptors (GD, JDD, ADD, LAD, FDD at {args.size}x'
          f'{args.size}), per-frame loops vs mmactx: {args.samples} NTU '
          f'sample(s) x {args.frames} frames x 2 bodies, median of '
          f'{args.repeats} repeat(s), each block after >= '
          f'{args.warmup_ms:g} ms of warm-up calls')
    print(f'numpy {env["numpy"]}, opencv {env["opencv"]}, python '
          f'{env["python"]}, {env["cpu_count"]} CPUs, load average '
          f'(1/5/15 min) before: {load_before}')
    samples = make_samples(args.samples, args.frames, args.seed)
    with preserved_global_rngs():
        start = time.perf_counter()
        agreement = compare(samples, args.size)
        timing = time_sides(samples, args.size, args.repeats,
                            args.warmup_ms)
        spent = time.perf_counter() - start
    load_after = loadavg()
    print()
    print(f'{"side":<34} {"ms/sample":>10} {"mmactx speed-up":>16}')
    print(f'{"loop, numpy indexed (reference)":<34} '
          f'{timing["loop_ms"]:>10.2f} {timing["ratio"]:>15.1f}x')
    print(f'{"loop, Python floats":<34} {timing["loop_lists_ms"]:>10.2f} '
          f'{timing["ratio_lists"]:>15.1f}x')
    print(f'{"mmactx STIDDescriptors":<34} {timing["mmactx_ms"]:>10.3f}')
    print(f'speed-up over the reference-style loop {timing["ratio"]:.1f}x, '
          f'target >= {TARGET:g}x: '
          f'{"met" if timing["met"] else "NOT MET"}')
    detail = ', '.join(f'{k} {v:.1e}' for k, v in
                       agreement['matrix_max_abs_diff'].items())
    if agreement['agree']:
        print(f'matrices agree: max|diff| <= {TOLERANCE:g} ({detail}); '
              f'images differ by at most {agreement["image_max_abs_diff"]}'
              ' grey level(s)')
    else:
        print(f'MATRICES DIFFER (max|diff| > {TOLERANCE:g}): {detail}')
    training = None
    if args.train_config.lower() != 'none':
        with preserved_global_rngs():
            training = time_training(args.train_config, args.train_batch,
                                     device=args.device)
        share = timing['mmactx_ms'] / training['per_sample_ms']
        print(f'one training iteration of {args.train_config} (batch '
              f'{training["batch"]}, {training["descriptors"]} images per '
              f'sample, {training["device"]}): '
              f'{training["iteration_ms"]:.0f} ms, '
              f'{training["per_sample_ms"]:.1f} ms per sample; making its '
              f'images takes {timing["mmactx_ms"]:.2f} ms per sample, '
              f'{100 * share:.2g}% of that, on one DataLoader worker')
        training['descriptor_share'] = share
    print(f'done in {spent:.1f} s; load average after: {load_after}')
    report = dict(
        timing=timing, agreement=agreement, tolerance=TOLERANCE,
        outputs_agree=agreement['agree'],
        settings=dict(samples=args.samples, repeats=args.repeats,
                      frames=args.frames, size=args.size, seed=args.seed,
                      warmup_ms=args.warmup_ms,
                      train_config=args.train_config,
                      train_batch=args.train_batch),
        environment=env, loadavg_before=load_before,
        loadavg_after=load_after, training=training)
    if args.json:
        write_json_atomic(report, args.json)
        print(f'results written to {args.json}')
    return report


if __name__ == '__main__':
    # Disagreeing matrices are a failure whatever the speed; a missed speed
    # target depends on the machine and is only reported.
    sys.exit(0 if main()['outputs_agree'] else 1)

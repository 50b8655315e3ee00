"""Benchmark mmactx's IntegralAction pose maps against a per-person /
per-limb loop.

Both sides render the joint heatmaps and PAFs (52 channels on a 56 x 56
grid for OpenPose-18) of the same batch: 8 clips x 8 frames x 5 persons by
default, random but plausible skeletons (a random root in the 224 x 224
image, every joint 8-24 px from its parent along the layout's bones, scores
in [0, 1] with some under the threshold, a few persons padded with score 0
and a few NaN joints):

* mmactx: :func:`mmactx.rendering.render_pose_maps`, vectorised over clips,
  frames, persons and limbs, on numpy and on torch CPU tensors (and on CUDA
  tensors when ``torch.cuda.is_available()``);
* loop: the same definitions rendered as IntegralAction's reference
  renders them, written here: per frame, the top-k persons picked with
  Python's ``sorted``, then one full-grid Gaussian per person and joint and
  one full-grid band mask per person and limb (numpy float32, with the same
  arithmetic as mmactx's, so that the band cells agree bit for bit).

Before timing, the maps are compared: the largest absolute difference of
each side to the loop must be within :data:`TOLERANCE` (the exit status is
1 otherwise; heatmaps differ by rounding, the separable Gaussian of mmactx
against the loop's 2D one). Times are ms per batch, the median over
``--repeats`` calls, each side after an untimed warm-up; the order of the
sides rotates between repeats.

Example::

    python tools/analysis/benchmark_pose_maps.py --repeats 5 \
        --json work_dirs/benchmark_pose_maps.json
"""
import argparse
import math
import os
import platform
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from mmactx.testing.benchmarking import (loadavg, preserved_global_rngs,
                                         timed_run, warm_up, write_json_atomic)

TOLERANCE = 1e-5


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Time mmactx\'s vectorised IntegralAction pose maps '
        '(heatmaps + PAFs) against a per-person / per-limb loop.')
    parser.add_argument('--clips', type=int, default=8,
                        help='clips in the batch (default 8)')
    parser.add_argument('--frames', type=int, default=8,
                        help='frames per clip (default 8)')
    parser.add_argument('--persons', type=int, default=5,
                        help='persons per frame (default 5)')
    parser.add_argument('--layout', default='openpose',
                        help='skeleton layout (default openpose: 52 '
                        'channels; nturgb+d: 73)')
    parser.add_argument('--img-size', type=int, default=224,
                        help='image height and width of the keypoints, '
                        'pixels (default 224)')
    parser.add_argument('--grid', type=int, default=56,
                        help='map height and width (default 56)')
    parser.add_argument('--top-k', type=int, default=5,
                        help='persons kept per frame (default 5)')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed calls of each side; the median is kept '
                        '(default 5)')
    parser.add_argument('--warmup-ms', type=float, default=50.,
                        help='untimed warm-up before each block of timed '
                        'calls, at least one call (default 50)')
    parser.add_argument('--no-cuda', action='store_true',
                        help='do not time CUDA even when it is available')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the synthetic batch (default 0)')
    parser.add_argument('--json', metavar='OUT',
                        help='also write the results as JSON to OUT')
    args = parser.parse_args(argv)
    if min(args.clips, args.frames, args.persons, args.img_size, args.grid,
           args.top_k, args.repeats) < 1:
        parser.error('--clips, --frames, --persons, --img-size, --grid, '
                     '--top-k and --repeats must be positive')
    if args.warmup_ms < 0:
        parser.error('--warmup-ms must not be negative')
    return args


def make_batch(rng: np.random.Generator, clips: int, frames: int,
               persons: int, layout, size: int) -> np.ndarray:
    """Plausible random skeletons.

    Returns:
        np.ndarray: float32 [clips, frames, persons, J, 3] ``(x, y,
        score)``, pixels of a ``size`` x ``size`` image.
    """
    j = layout.num_joints
    xy = np.zeros((clips, frames, persons, j, 2), np.float64)
    lead = (clips, frames, persons)
    xy[..., layout.center, :] = rng.uniform(0.2, 0.8, lead + (2, )) * size
    placed = {layout.center}
    bones = list(layout.bones)
    while bones:
        rest = []
        for child, parent in bones:
            # bones point towards the centre; place whichever end is new
            if parent in placed and child not in placed:
                new, old = child, parent
            elif child in placed and parent not in placed:
                new, old = parent, child
            elif child in placed and parent in placed:
                continue
            else:
                rest.append((child, parent))
                continue
            angle = rng.uniform(0, 2 * np.pi, lead)
            length = rng.uniform(8, 24, lead) * size / 224
            xy[..., new, 0] = xy[..., old, 0] + length * np.cos(angle)
            xy[..., new, 1] = xy[..., old, 1] + length * np.sin(angle)
            placed.add(new)
        if len(rest) == len(bones):
            break
        bones = rest
    score = rng.uniform(0, 1, lead + (j, ))
    score[score < 0.12] = 0.05
    pad = rng.uniform(size=lead) < 0.15
    score[pad] = 0
    xy[pad] = 0
    nan = rng.uniform(size=lead + (j, )) < 0.02
    xy[nan] = np.nan
    return np.concatenate([xy, score[..., None]], -1).astype(np.float32)


# -------------------------------------------- the per-person / limb loop


def loop_pose_maps(keypoints: np.ndarray, spec) -> np.ndarray:
    """The pose maps, one frame, person, joint and limb at a time.

    Args:
        keypoints (np.ndarray): [B, T, P, J, 3] pixels and scores.
        spec (PoseMapSpec): What to render.

    Returns:
        np.ndarray: float32 [B, T, C, H, W], as ``render_pose_maps``.
    """
    f32 = np.float32
    b_num, t_num, p_num, j_num = keypoints.shape[:4]
    h, w = spec.grid
    sx, sy = (f32(s) for s in spec.scale)
    rows = np.arange(h, dtype=f32) + f32(0.5)
    cols = np.arange(w, dtype=f32) + f32(0.5)
    gy, gx = np.meshgrid(rows, cols, indexing='ij')
    limbs = spec.limbs
    thr = f32(spec.score_thr)
    scale = f32(-0.5 / (spec.sigma * spec.sigma))
    out = np.zeros((b_num, t_num, spec.num_channels, h, w), f32)
    for b in range(b_num):
        for t in range(t_num):
            frame = keypoints[b, t].astype(f32)
            people = []
            for p in range(p_num):
                joints = []
                for j in range(j_num):
                    x, y, s = (f32(v) for v in frame[p, j])
                    if not (math.isfinite(x) and math.isfinite(y)
                            and math.isfinite(s)):
                        x, y, s = f32(0), f32(0), f32(0)
                    joints.append((x * sx, y * sy, s))
                mean = np.mean(np.array([s for _, _, s in joints], f32))
                people.append((mean, p, joints))
            people.sort(key=lambda person: (-person[0], person[1]))
            if spec.top_k is not None:
                people = people[:spec.top_k]
            heat = np.zeros((j_num, h, w), f32)
            paf = np.zeros((len(limbs), 2, h, w), f32)
            count = np.zeros((len(limbs), h, w), f32)
            for _, _, joints in people:
                for j, (u, v, s) in enumerate(joints):
                    if s > thr:
                        heat[j] += np.exp(((gx - u)**2 + (gy - v)**2) *
                                          scale)
                for i, (a, c) in enumerate(limbs):
                    ua, va, sa = joints[a]
                    uc, vc, sc = joints[c]
                    dx, dy = uc - ua, vc - va
                    length = np.sqrt(dx * dx + dy * dy)
                    if sa < thr or sc < thr or length == 0:
                        continue
                    inv = f32(1) / length
                    vx, vy = dx * inv, dy * inv
                    rel_x, rel_y = cols - ua, rows - va
                    proj = (rel_y * vy)[:, None] + (rel_x * vx)[None, :]
                    perp = (rel_y * vx)[:, None] - (rel_x * vy)[None, :]
                    band = ((np.abs(perp) <= spec.paf_sigma) & (proj >= 0)
                            & (proj <= length))
                    paf[i, 0][band] += vx
                    paf[i, 1][band] += vy
                    count[i][band] += 1
            out[b, t, :j_num] = np.minimum(heat, 1)
            paf /= np.maximum(count, 1)[:, None]
            out[b, t, j_num:] = paf.reshape(-1, h, w)
    return out


# ----------------------------------------------------------------- timing


def make_sides(spec, cuda: bool) -> Dict[str, Callable[[Dict], Dict]]:
    """The timed sides, each reading ``keypoints`` of its own library and
    adding ``maps``."""
    import torch

    from mmactx.rendering import render_pose_maps

    def loop(data):
        data['maps'] = loop_pose_maps(data['keypoints'], spec)
        return data

    def vectorised(data):
        data['maps'] = render_pose_maps(data['keypoints'], spec)
        return data

    def on_cuda(data):
        data['maps'] = render_pose_maps(data['keypoints'], spec)
        torch.cuda.synchronize()
        return data

    sides = dict(loop=loop, numpy=vectorised, torch_cpu=vectorised)
    if cuda:
        sides['torch_cuda'] = on_cuda
    return sides


def side_inputs(batch: np.ndarray, sides: Sequence[str]) -> Dict[str, Dict]:
    """Each side's input: numpy, or a torch tensor on its device."""
    import torch
    inputs = {}
    for name in sides:
        kp = batch
        if name == 'torch_cpu':
            kp = torch.from_numpy(batch.copy())
        elif name == 'torch_cuda':
            kp = torch.from_numpy(batch.copy()).cuda()
        inputs[name] = dict(keypoints=kp)
    return inputs


def _host(x) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else x.cpu().numpy()


def compare(sides: Dict, inputs: Dict, num_joints: int) -> Dict:
    """Largest absolute differences of every side's maps to the loop's
    (heatmaps and PAFs apart), and the maps' shape."""
    reference = sides['loop'](dict(inputs['loop']))['maps']
    diff = {}
    for name in sides:
        if name == 'loop':
            continue
        maps = _host(sides[name](dict(inputs[name]))['maps'])
        if maps.shape != reference.shape:
            diff[name] = dict(heatmaps=float('inf'), pafs=float('inf'))
            continue
        delta = np.abs(maps - reference)
        diff[name] = dict(
            heatmaps=float(delta[:, :, :num_joints].max(initial=0)),
            pafs=float(delta[:, :, num_joints:].max(initial=0)))
    return dict(max_abs_diff=diff, shape=list(reference.shape),
                nonzero_paf_cells=int(
                    np.count_nonzero(reference[:, :, num_joints:])),
                agree=all(v <= TOLERANCE for d in diff.values()
                          for v in d.values()))


def time_sides(sides: Dict, inputs: Dict, repeats: int,
               warmup_ms: float) -> Dict:
    """Time every side, one call per repeat after its warm-up; the order
    rotates between repeats.

    Returns:
        dict: ``<side>_ms`` (median ms per batch) and ``<side>_ms_all``;
        ``ratio_<side>`` = loop / side for the other sides.
    """
    names = list(sides)
    times: Dict[str, List[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            warm_up(sides[name], inputs[name], 0, warmup_ms)
            times[name].append(timed_run(sides[name], inputs[name], 0)[1])
    out = {}
    for name in names:
        out[f'{name}_ms'] = float(np.median(times[name]))
        out[f'{name}_ms_all'] = times[name]
    for name in names:
        if name != 'loop':
            out[f'ratio_{name}'] = out['loop_ms'] / out[f'{name}_ms']
    return out


def environment() -> Dict:
    """Versions and machine facts printed with the results."""
    import torch
    return dict(python=platform.python_version(), numpy=np.__version__,
                torch=torch.__version__, torch_threads=torch.get_num_threads(),
                cpu_count=os.cpu_count(), machine=platform.machine(),
                cuda=(torch.cuda.get_device_name()
                      if torch.cuda.is_available() else None))


LABELS = dict(loop='loop, per person / limb (reference-style)',
              numpy='mmactx render_pose_maps, numpy',
              torch_cpu='mmactx render_pose_maps, torch CPU',
              torch_cuda='mmactx render_pose_maps, torch CUDA')


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the benchmark, print the results and return them.

    Args:
        argv (Sequence[str], optional): Command-line arguments; None reads
            ``sys.argv``.

    Returns:
        dict: ``timing`` (see :func:`time_sides`; ``torch_cuda_ms`` is None
        with ``cuda_measured`` False where CUDA was not timed),
        ``agreement`` (see :func:`compare`), ``tolerance``,
        ``outputs_agree``, ``settings``, ``environment`` and
        ``loadavg_before`` / ``loadavg_after``; the same object is written
        with ``--json``.
    """
    args = parse_args(argv)
    import torch

    from mmactx.rendering import PoseMapSpec
    spec = PoseMapSpec(args.layout, img_shape=(args.img_size, args.img_size),
                       grid=args.grid, top_k=args.top_k)
    cuda = torch.cuda.is_available() and not args.no_cuda
    env = environment()
    load_before = loadavg()
    print(f'IntegralAction pose maps ({spec.layout.name}, '
          f'{spec.num_channels} channels at {args.grid}x{args.grid}): '
          f'{args.clips} clips x {args.frames} frames x {args.persons} '
          f'persons, {args.img_size}x{args.img_size} px; median of '
          f'{args.repeats} call(s) after >= {args.warmup_ms:g} ms of '
          'warm-up')
    print(f'numpy {env["numpy"]}, torch {env["torch"]} '
          f'({env["torch_threads"]} threads), python {env["python"]}, '
          f'{env["cpu_count"]} CPUs, load average (1/5/15 min) before: '
          f'{load_before}')
    rng = np.random.default_rng(args.seed)
    batch = make_batch(rng, args.clips, args.frames, args.persons,
                       spec.layout, args.img_size)
    sides = make_sides(spec, cuda)
    inputs = side_inputs(batch, list(sides))
    with preserved_global_rngs():
        start = time.perf_counter()
        agreement = compare(sides, inputs, spec.num_joints)
        timing = time_sides(sides, inputs, args.repeats, args.warmup_ms)
        spent = time.perf_counter() - start
    timing['cuda_measured'] = cuda
    if not cuda:
        timing['torch_cuda_ms'] = None
        timing['ratio_torch_cuda'] = None
    load_after = loadavg()
    print()
    print(f'{"side":<44} {"ms/batch":>10} {"speed-up":>9}')
    for name in sides:
        ratio = ('' if name == 'loop' else
                 f'{timing[f"ratio_{name}"]:>8.1f}x')
        print(f'{LABELS[name]:<44} {timing[f"{name}_ms"]:>10.2f} {ratio:>9}')
    if not cuda:
        print('torch CUDA: not measured (' +
              ('--no-cuda' if torch.cuda.is_available() else
               'torch.cuda.is_available() is False') + ')')
    detail = '; '.join(f'{name} heatmaps {d["heatmaps"]:.1e}, PAFs '
                       f'{d["pafs"]:.1e}' for name, d in
                       agreement['max_abs_diff'].items())
    if agreement['agree']:
        print(f'maps agree with the loop: max|diff| <= {TOLERANCE:g} '
              f'({detail}; {agreement["nonzero_paf_cells"]} non-zero PAF '
              'cells)')
    else:
        print(f'MAPS DIFFER (max|diff| > {TOLERANCE:g}): {detail}')
    print(f'done in {spent:.1f} s; load average after: {load_after}')
    report = dict(
        timing=timing, agreement=agreement, tolerance=TOLERANCE,
        outputs_agree=agreement['agree'],
        settings=dict(clips=args.clips, frames=args.frames,
                      persons=args.persons, layout=spec.layout.name,
                      img_size=args.img_size, grid=args.grid,
                      top_k=args.top_k, repeats=args.repeats,
                      warmup_ms=args.warmup_ms, seed=args.seed),
        environment=env, loadavg_before=load_before,
        loadavg_after=load_after)
    if args.json:
        write_json_atomic(report, args.json)
        print(f'results written to {args.json}')
    return report


if __name__ == '__main__':
    # Disagreeing maps are a failure whatever the speed.
    sys.exit(0 if main()['outputs_agree'] else 1)

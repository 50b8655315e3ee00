"""Frames per second of Luvizon et al.'s multitask model (SPNet) at each
truncation depth, as the TPAMI'20 paper measures them.

Protocol (deephar ``eval_speed2d.py``): clips of ``--clip-len`` frames (8),
``--batch`` clips at a time (2), ``--clips`` clips in all (250 in the
paper); frames/s = clips x clip length / time, for the pose model
truncated after each prediction block k = 1..K (``SPNet.forward(x,
num_blocks=k)``: nothing after block k runs). The action path (SPNet's
full depth, then the action head on the recognizer's ``action_block``,
``MultitaskRecognizer.action_outputs``) is timed the same way and printed
below the table.

The model is built from CONFIG (``model``, a ``MultitaskRecognizer``), in
eval mode under ``torch.no_grad``, with the weights of ``--checkpoint`` or
its initial ones (speed does not depend on the values). Inputs are random
images already normalised to [-1, 1] of the config's ``input_size = (w,
h)`` (a top-level variable; 256 x 256 with a warning where it is absent),
so the data preprocessor, decoding and cropping are not timed, as in the
paper. Each depth (and the action path) is called ``--warmup`` times
untimed first; then the timed batches of all depths are interleaved (each
round runs every depth once, in a rotating order), so that other work on
the machine slows every depth alike. On CUDA the device is synchronised
before every clock reading.

``--clips`` defaults to 250 (the paper) on CUDA and 20 on the CPU, where
one clip of the published 2 x 4 model at 256 x 256 takes about a second.

Example::

    python tools/analysis/benchmark_multitask_fps.py \\
        configs/multitask/ntu60_xsub_spnet.py --device cuda \\
        --json work_dirs/multitask_fps.json
"""
import argparse
import functools
import math
import os
import platform
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from mmactx.utils.cli import InputError, check_input_files, run_cli

PAPER_CLIPS = 250
CPU_CLIPS = 20


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Frames per second of the multitask (SPNet) model at '
        'each prediction-block truncation, and of its action path.')
    parser.add_argument('config', help='MultitaskRecognizer config')
    parser.add_argument('--checkpoint', help='weights (default: the '
                        'initial ones; speed does not depend on them)')
    parser.add_argument('--clips', type=int, default=None,
                        help=f'clips timed per depth (default '
                        f'{PAPER_CLIPS}, the paper, on cuda; {CPU_CLIPS} '
                        f'on cpu)')
    parser.add_argument('--batch', type=int, default=2,
                        help='clips per forward pass (default 2)')
    parser.add_argument('--clip-len', type=int, default=8,
                        help='frames per clip (default 8)')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda[:i] (default: cuda if available)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed batches of each depth first (default 2)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random inputs (default 0)')
    parser.add_argument('--json', metavar='OUT',
                        help='also write the results as JSON to OUT')
    args = parser.parse_args(argv)
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.clips is None:
        args.clips = CPU_CLIPS if args.device == 'cpu' else PAPER_CLIPS
    if min(args.clips, args.batch, args.clip_len) < 1:
        parser.error('--clips, --batch and --clip-len must be positive')
    if args.warmup < 0:
        parser.error('--warmup must not be negative')
    return args


def build_model(config: str, checkpoint: Optional[str],
                device: str) -> Tuple[torch.nn.Module, Tuple[int, int]]:
    """The config's model in eval mode on ``device`` and its input size.

    Raises:
        InputError: The model is not a multitask recognizer (no SPNet-like
            ``backbone`` with prediction blocks and ``action_outputs``).
    """
    from mmengine.config import Config

    from mmactx.apis import init_recognizer
    from mmactx.apis.multitask import input_size_of
    cfg = Config.fromfile(config)
    size = input_size_of(cfg)
    model = init_recognizer(cfg, checkpoint, device)
    backbone = getattr(model, 'backbone', None)
    if not (hasattr(backbone, 'num_blocks')
            and hasattr(model, 'action_outputs')):
        raise InputError(f'{config}: the model is a {type(model).__name__}, '
                         'not a MultitaskRecognizer (an SPNet backbone '
                         'with prediction blocks and an action head)')
    return model, size


def _sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_interleaved(fns: Sequence[Callable[[], object]], calls: int,
                     warmup: int, device: torch.device) -> List[float]:
    """Seconds that ``calls`` calls of each of ``fns`` take.

    Each function is first called ``warmup`` times untimed. The timed
    calls are interleaved (round ``i`` calls every function once, the
    order rotated by ``i``), so that a change of the machine's load
    during the run slows all of them alike instead of the ones timed
    last. On CUDA the device is synchronised before each clock reading.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    spent = [0.] * len(fns)
    for i in range(calls):
        for j in range(len(fns)):
            idx = (i + j) % len(fns)
            _sync(device)
            start = time.perf_counter()
            fns[idx]()
            _sync(device)
            spent[idx] += time.perf_counter() - start
    return spent


def _row(seconds: float, clips: int, clip_len: int) -> Dict[str, float]:
    return dict(seconds=seconds,
                frames_per_s=clips * clip_len / seconds,
                ms_per_clip=1000 * seconds / clips)


def benchmark(model: torch.nn.Module, size: Tuple[int, int], clips: int,
              batch: int, clip_len: int, warmup: int,
              seed: int = 0) -> Dict:
    """Time the pose path at every depth and the action path.

    Args:
        model: A ``MultitaskRecognizer`` in eval mode.
        size (tuple[int, int]): Input (w, h) pixels.
        clips (int): Clips per depth; rounded up to whole batches.
        batch (int): Clips per forward pass.
        clip_len (int): Frames per clip T.
        warmup (int): Untimed batches of each depth first.
        seed (int): Seed of the random inputs.

    Returns:
        dict: ``pose`` (one row per block k = 1..K: ``block``, ``level``,
        ``seconds``, ``frames_per_s``, ``ms_per_clip``, ``relative`` = its
        frames/s over depth K's), ``action`` (a row for the action path at
        full depth, ``relative`` to the pose path at depth K) and
        ``clips_timed``.
    """
    device = next(model.parameters()).device
    w, h = size
    calls = math.ceil(clips / batch)
    timed = calls * batch
    gen = torch.Generator().manual_seed(seed)
    clip_batch = (torch.rand(batch, clip_len, 3, h, w, generator=gen) * 2 -
                  1).to(device)
    frames = clip_batch.flatten(0, 1)
    backbone = model.backbone
    depths = range(1, backbone.num_blocks + 1)
    fns = [functools.partial(backbone, frames, num_blocks=k) for k in depths]
    fns.append(functools.partial(model.action_outputs, clip_batch))
    with torch.no_grad():
        spent = time_interleaved(fns, calls, warmup, device)
    pose = [dict(block=k, level=backbone.block_levels[k - 1],
                 **_row(seconds, timed, clip_len))
            for k, seconds in zip(depths, spent)]
    seconds = spent[-1]
    full = pose[-1]['frames_per_s']
    for row in pose:
        row['relative'] = row['frames_per_s'] / full
    action = _row(seconds, timed, clip_len)
    action['relative'] = action['frames_per_s'] / full
    return dict(pose=pose, action=action, clips_timed=timed)


def environment(device: str) -> Dict:
    """Versions and machine facts printed with the results."""
    env = dict(python=platform.python_version(), torch=torch.__version__,
               cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(),
               machine=platform.machine(), device=device)
    if device.startswith('cuda'):
        env['gpu'] = torch.cuda.get_device_name(torch.device(device))
    return env


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Run the benchmark, print the table and return the results.

    Returns:
        dict: :func:`benchmark`'s results plus ``settings``,
        ``environment``, ``loadavg_before`` / ``loadavg_after``; the same
        object is written with ``--json``.
    """
    from mmactx.testing.benchmarking import loadavg, write_json_atomic
    args = parse_args(argv)
    check_input_files({'config': args.config,
                       '--checkpoint': args.checkpoint})
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise InputError(f'--device {args.device}: CUDA is not available')
    model, size = build_model(args.config, args.checkpoint, args.device)
    bb = model.backbone
    env = environment(args.device)
    load_before = loadavg()
    print(f'{type(bb).__name__}: {bb.num_pyramids} pyramid(s) x '
          f'{bb.num_levels} levels = {bb.num_blocks} prediction blocks, '
          f'{"3D" if bb.with_depth else "2D"}, {bb.num_joints} joints; '
          f'input {size[0]} x {size[1]}')
    print(f'{args.clips} clip(s) x {args.clip_len} frames, batch '
          f'{args.batch}, {args.warmup} warm-up batch(es) per depth, '
          f'device {args.device}, torch {env["torch"]} '
          f'({env["torch_threads"]} thread(s)), load average before: '
          f'{load_before}')
    results = benchmark(model, size, args.clips, args.batch, args.clip_len,
                        args.warmup, args.seed)
    load_after = loadavg()
    print()
    print(f'{"block k":>7} {"level":>5} {"frames/s":>10} {"ms/clip":>10} '
          f'{"vs k=" + str(bb.num_blocks):>8}')
    for row in results['pose']:
        print(f'{row["block"]:>7} {row["level"]:>5} '
              f'{row["frames_per_s"]:>10.2f} {row["ms_per_clip"]:>10.1f} '
              f'{row["relative"]:>7.2f}x')
    act = results['action']
    print(f'{"action":>7} {"full":>5} {act["frames_per_s"]:>10.2f} '
          f'{act["ms_per_clip"]:>10.1f} {act["relative"]:>7.2f}x  '
          f'(SPNet + action head on block {model.action_block + 1})')
    print(f'load average after: {load_after}')
    results.update(
        settings=dict(config=args.config, checkpoint=args.checkpoint,
                      clips=args.clips, batch=args.batch,
                      clip_len=args.clip_len, warmup=args.warmup,
                      input_size=list(size), device=args.device,
                      seed=args.seed),
        environment=env, loadavg_before=load_before,
        loadavg_after=load_after)
    if args.json:
        write_json_atomic(results, args.json)
        print(f'results written to {args.json}')
    return results


if __name__ == '__main__':
    run_cli(main)

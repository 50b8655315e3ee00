"""Fuse the scores of several ``test.py --dump`` files.

    python tools/ensemble.py joint.pkl limb.pkl [--weights 1 1]
    python tools/ensemble.py rgbpose.pkl:rgb rgbpose.pkl:pose --weights 1 1

prints each stream's and the fused top-1, top-5 and mean class accuracy.
PoseC3D's joint+limb ensemble is the 1:1 sum of the probabilities.
``FILE:STREAM`` takes one stream of the dump of a multi-stream model
(RGBPose-Conv3D's ``rgb`` and ``pose``); a bare ``FILE`` of such a dump is
its fused score, and is refused, naming the streams, when it has none. An
argument that is an existing file is always a bare ``FILE``, so names
holding ``:`` work (see :mod:`mmactx.evaluation.dump`).

Every dump is checked before anything is fused or written: its scores must
be finite, one ``[K]`` vector per sample (a ``[1, K]`` score, written with
its batch dimension, is read as ``[K]``), its ``gt_label`` one class index
in ``0..K-1``; all dumps must have the same classes and the same samples in
the same order. Weights must be finite and >= 0, one per dump, not all 0.
``--out`` may not name one of the dumps nor a folder. A refused input is
one ``error:`` line naming the file (and sample) and exit code 2.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmactx.evaluation import (accuracy_report, check_weights, fuse_scores,
                               load_predictions, save_predictions,
                               split_dump_arg)
from mmactx.utils.cli import InputError, run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument(
        'dumps',
        nargs='+',
        help='dump files of test.py, FILE or FILE:STREAM (one stream of a '
        'multi-stream dump)')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        help='one weight per dump (default: all 1)')
    parser.add_argument(
        '--apply-softmax',
        action='store_true',
        help='softmax each stream first (for dumps of raw logits)')
    parser.add_argument('--out', help='write the fused scores to this .pkl')
    parser.add_argument(
        '--json', action='store_true', help='print the results as JSON')
    return parser.parse_args(argv)


def check_outputs(out: Optional[str], dumps: Sequence[str]) -> None:
    """Refuse an ``--out`` that is a folder or would replace a dump.

    Args:
        out (str, optional): The ``--out`` file.
        dumps (Sequence[str]): The dump arguments, ``FILE`` or
            ``FILE:STREAM``.

    Raises:
        InputError: naming ``--out`` and the file.
    """
    if out is None:
        return
    if osp.isdir(out):
        raise InputError(f'--out {out} is a folder; give the .pkl file to '
                         f'write')
    refuse_overwriting_inputs([out], [split_dump_arg(d)[0] for d in dumps])


def load_streams(dumps: Sequence[str]
                 ) -> Tuple[List[np.ndarray], np.ndarray]:
    """The scores of every dump and their common labels.

    Args:
        dumps (Sequence[str]): ``FILE`` or ``FILE:STREAM`` arguments.

    Raises:
        InputError: for a dump that is not a valid one, a stream it lacks,
            or whose classes, samples or labels differ from the first
            dump's; the message names both arguments.
    """
    streams: List[np.ndarray] = []
    labels = None
    for path in dumps:
        scores, lab = load_predictions(*split_dump_arg(path))
        if streams and scores.shape[1] != streams[0].shape[1]:
            raise InputError(f'{path} has {scores.shape[1]} classes but '
                             f'{dumps[0]} has {streams[0].shape[1]}; dumps '
                             'must come from models of the same classes')
        if labels is not None and (len(lab) != len(labels)
                                   or (lab != labels).any()):
            raise InputError(f'{path}: its labels differ from '
                             f'{dumps[0]}; dumps must come from the '
                             'same test split in the same order')
        streams.append(scores)
        labels = lab
    return streams, labels


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Fuse the dumps; returns the report that ``--json`` prints.

    Raises:
        InputError: for a refused option or dump, before ``--out`` is
            written.
    """
    args = parse_args(argv)
    weights = args.weights or [1.0] * len(args.dumps)
    try:
        check_weights(weights, len(args.dumps))
    except InputError as e:
        raise InputError(f'--weights: {e}') from None
    check_outputs(args.out, args.dumps)
    streams, labels = load_streams(args.dumps)
    fused = fuse_scores(streams, weights, args.apply_softmax)
    report = {
        'streams': [
            dict(dump=p, weight=w, **accuracy_report(s, labels))
            for p, w, s in zip(args.dumps, weights, streams)
        ],
        'fused': accuracy_report(fused, labels),
        'num_samples': int(len(labels)),
    }
    if args.out:
        save_predictions(args.out, [
            dict(pred_score=s.astype('float32'), gt_label=int(y))
            for s, y in zip(fused, labels)
        ])
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    for r in report['streams']:
        print(f"{r['dump']} (weight {r['weight']:g}): top1 {r['top1']:.4f} "
              f"top5 {r['top5']:.4f} "
              f"mean_class {r['mean_class_accuracy']:.4f}")
    f = report['fused']
    print(f"fused ({len(labels)} samples): top1 {f['top1']:.4f} top5 "
          f"{f['top5']:.4f} mean_class {f['mean_class_accuracy']:.4f}")
    return report


if __name__ == '__main__':
    run_cli(main)

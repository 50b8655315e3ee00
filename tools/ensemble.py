"""Fuse the scores of several ``test.py --dump`` files.

    python tools/ensemble.py joint.pkl limb.pkl [--weights 1 1]

prints each stream's and the fused top-1, top-5 and mean class accuracy.
PoseC3D's joint+limb ensemble is the 1:1 sum of the probabilities.
"""
import argparse
import json

from mmactx.evaluation import (accuracy_report, fuse_scores, load_predictions,
                               save_predictions)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('dumps', nargs='+', help='dump files of test.py')
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
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    streams, labels = [], None
    for path in args.dumps:
        scores, lab = load_predictions(path)
        if labels is not None and (len(lab) != len(labels)
                                   or (lab != labels).any()):
            raise SystemExit(f'{path}: its labels differ from '
                             f'{args.dumps[0]}; dumps must come from the '
                             'same test split in the same order')
        streams.append(scores)
        labels = lab
    fused = fuse_scores(streams, args.weights, args.apply_softmax)
    weights = args.weights or [1.0] * len(streams)
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
        return
    for r in report['streams']:
        print(f"{r['dump']} (weight {r['weight']:g}): top1 {r['top1']:.4f} "
              f"top5 {r['top5']:.4f} "
              f"mean_class {r['mean_class_accuracy']:.4f}")
    f = report['fused']
    print(f"fused ({len(labels)} samples): top1 {f['top1']:.4f} top5 "
          f"{f['top5']:.4f} mean_class {f['mean_class_accuracy']:.4f}")


if __name__ == '__main__':
    main()

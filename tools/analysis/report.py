"""Per-class report of a test dump.

    python tools/analysis/report.py scores.pkl --label-map labels.txt \
        --out-dir work_dirs/report

Prints top-1 / top-5 / mean class accuracy and a per-class table, and
writes into ``--out-dir``: ``per_class.csv`` (accuracy and the most
confused class of every class), ``predictions.csv`` (every sample's true
and predicted class and whether it is right, grouped by class),
``confusion_matrix.png`` and ``.csv``, and ``report.json``.

The dump is ``FILE`` or, for one stream of the dump of a multi-stream
model (RGBPose-Conv3D), ``FILE:STREAM`` (``rgbpose.pkl:pose``); a bare
``FILE`` of such a dump is its fused score, refused (naming the streams)
when it has none; the default ``--out-dir`` is ``<FILE>_<STREAM>_report``
for a stream. The dump (see :func:`mmactx.evaluation.load_predictions`
for what it must hold) and the label map are checked before anything is
written, and no output may replace them; a refused input is one
``error:`` line and exit code 2.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmactx.datasets.label_names import read_label_names
from mmactx.evaluation import (accuracy_report, class_report, load_predictions,
                               plot_confusion, split_dump_arg, write_class_csv,
                               write_confusion_csv, write_prediction_csv)
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import atomic_write_text, refuse_overwriting_inputs

OUTPUTS = ('per_class.csv', 'predictions.csv', 'confusion_matrix.csv',
           'confusion_matrix.png', 'report.json')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Per-class accuracy, confusion matrix and prediction '
        'tables of a tools/test.py --dump file')
    parser.add_argument('dump', help='a --dump file of tools/test.py (or '
                        'the --out of tools/ensemble.py); FILE:STREAM for '
                        'one stream of a multi-stream dump')
    parser.add_argument('--label-map', help='class names, one per line '
                        '(default: class numbers)')
    parser.add_argument('--out-dir', help='write the files here (default: '
                        '<dump>_report beside the dump)')
    return parser.parse_args(argv)


def label_names(path: Optional[str], num_classes: int) -> List[str]:
    """The class names of ``--label-map`` (class numbers without one).

    Raises:
        InputError: naming the option and the file when it is missing, not
            a label map, or names another number of classes.
    """
    if path is None:
        return [str(i) for i in range(num_classes)]
    check_input_files({'--label-map': path})
    try:
        return read_label_names(path, num_classes)
    except UnicodeDecodeError as e:
        raise InputError(f'--label-map {path}: not UTF-8 text ({e.reason} '
                         f'at byte {e.start})') from None
    except ValueError as e:  # no names, a name twice, another count
        raise InputError(str(e)) from None


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    """Write the report files; returns the report (``report.json``).

    Raises:
        InputError: for a refused dump, label map or output folder, before
            anything is written.
    """
    args = parse_args(argv)
    path, stream = split_dump_arg(args.dump)
    out_dir = args.out_dir or osp.splitext(path)[0] + (
        f'_{stream}' if stream else '') + '_report'
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise InputError(f'--out-dir {out_dir} is a file, not a folder')
    refuse_overwriting_inputs(
        [osp.join(out_dir, name) for name in OUTPUTS],
        [path] + ([args.label_map] if args.label_map else []))
    scores, labels = load_predictions(path, stream)
    k = scores.shape[1]
    names = label_names(args.label_map, k)
    report = class_report(scores, labels, names)
    report['overall'] = accuracy_report(scores, labels)
    report['dump'] = args.dump
    write_class_csv(report, osp.join(out_dir, 'per_class.csv'))
    write_prediction_csv(report, osp.join(out_dir, 'predictions.csv'))
    write_confusion_csv(report, names,
                        osp.join(out_dir, 'confusion_matrix.csv'))
    overall = report['overall']
    plot_confusion(
        report['confusion'], names, osp.join(out_dir,
                                             'confusion_matrix.png'),
        f'{osp.basename(args.dump)}: top-1 {overall["top1"]:.3f} '
        f'({len(labels)} samples)')
    atomic_write_text(json.dumps(report, indent=1) + '\n',
                      osp.join(out_dir, 'report.json'))
    print(f'{args.dump}: {len(labels)} samples, top-1 '
          f'{overall["top1"]:.4f}, top-5 {overall["top5"]:.4f}, mean class '
          f'{overall["mean_class_accuracy"]:.4f}')
    width = max(len(n) for n in names)
    print(f'{"class":<{width}}  samples  accuracy  most confused with')
    for c in report['classes']:
        acc = '-' if c['accuracy'] is None else f'{c["accuracy"]:.3f}'
        confused = (f'{c["most_confused"]} ({c["most_confused_count"]})'
                    if c['most_confused'] else '-')
        print(f'{c["name"]:<{width}}  {c["samples"]:>7}  {acc:>8}  '
              f'{confused}')
    print(f'wrote per_class.csv, predictions.csv, confusion_matrix.png/.csv '
          f'and report.json to {out_dir}')
    return report


if __name__ == '__main__':
    run_cli(main)

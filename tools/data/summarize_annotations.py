"""Summarise any annotation file: classes, samples per split, frames per
sample, persons, share of missing joints.

    python tools/data/summarize_annotations.py data/skeleton/ntu60_2d.pkl \\
        [--label-map label_map.txt] [--json]
"""
import argparse
import json
import os.path as osp
from typing import List, Optional

from mmactx.datasets.label_names import read_label_names
from mmactx.datasets.summary import format_summary, summarize
from mmactx.utils.cli import InputError, run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ann_file', help='annotation file (.pkl)')
    parser.add_argument('--label-map',
                        help='class names, one per line (line i: label i)')
    parser.add_argument('--json', action='store_true',
                        help='print the summary as JSON')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.label_map and not osp.isfile(args.label_map):
        raise InputError(f'label map {args.label_map} does not exist')
    names = read_label_names(args.label_map) if args.label_map else None
    summary = summarize(args.ann_file, names)
    print(json.dumps(summary, indent=2) if args.json else
          format_summary(summary))


if __name__ == '__main__':
    run_cli(main)

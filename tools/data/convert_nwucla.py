"""Convert NW-UCLA ``all_sqe`` json files to a 3D annotation file.

    python tools/data/convert_nwucla.py all_sqe \\
        --out data/skeleton/nwucla_3d.pkl

The 10 actions are relabelled 0..9 and the file gets the cross-view split
(``xview_train``: views 1 and 2, ``xview_val``: view 3); files of another
view, or with coordinates beyond 100 m, are skipped. Skipped files and
their reasons go to ``<out without .pkl>_report.txt``. See
:mod:`mmactx.datasets.converters.nwucla`.
"""
import argparse
import glob
import os.path as osp
from typing import List, Optional

from mmactx.datasets.converters.batch import convert_command
from mmactx.datasets.converters.nwucla import (build_splits,
                                               convert_nwucla_file)
from mmactx.utils.cli import InputError, run_cli


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert NW-UCLA all_sqe json files to an annotation '
        'file with the cross-view split.')
    parser.add_argument('json_dir', help='folder of the aXX_sYY_eZZ_vVV.json '
                        'files')
    parser.add_argument('--out', default='data/skeleton/nwucla_3d.pkl',
                        help='output annotation file (default: '
                        'data/skeleton/nwucla_3d.pkl)')
    parser.add_argument('--workers', type=int, default=0,
                        help='worker processes (default: 0, this process)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    files = sorted(glob.glob(osp.join(args.json_dir, '*.json')))
    if not files:
        raise InputError(f'{args.json_dir}: no .json files found')
    outputs = {'3d': (args.out, build_splits)}
    report = osp.splitext(args.out)[0] + '_report.txt'
    convert_command(
        files, convert_nwucla_file, outputs, report,
        title=f'NW-UCLA from {osp.abspath(args.json_dir)}',
        fingerprint=dict(tool='convert_nwucla', version=2),
        workers=args.workers)


if __name__ == '__main__':
    run_cli(main)

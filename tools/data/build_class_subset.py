"""Keep the records of some classes of an annotation file, relabelled.

    python tools/data/build_class_subset.py kinetics_skeleton_2d.pkl \\
        --label-map kinetics400_label_map.txt \\
        --classes kinetics50_classes.txt --out kinetics50.pkl \\
        --out-label-map kinetics50_label_map.txt

builds e.g. Kinetics50 (IntegralAction's 50 classes of Kinetics-400) from a
Kinetics-400 annotation file: ``ANN.pkl``'s labels index ``--label-map``
(one class name per line; or the Kinetics-skeleton release's
``kinetics_train_label.json``, whose videos name their classes); the
records whose class is named in
``--classes`` are kept and relabelled to the class's line in that file, and
every split is restricted to them. Names are compared case-insensitively
with ``_`` and space equivalent (``playing_guitar`` is ``Playing guitar``).
Prints, per split, the records kept and the listed classes left without a
record.
"""
import argparse
from numbers import Integral
from typing import Dict, List, Optional

from mmactx.datasets.annotation_io import (check_records, safe_load_pickle,
                                           save_annotations, split_records)
from mmactx.datasets.converters.kinetics import release_class_names
from mmactx.datasets.label_names import (class_index, class_key,
                                         read_label_names,
                                         unknown_class_message,
                                         write_label_names)
from mmactx.utils.cli import InputError, check_input_files, run_cli
from mmactx.utils.fileio import refuse_overwriting_inputs


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Keep the records of the classes of a class list, '
        'relabelled to their index in it.')
    parser.add_argument('ann_file', help='input annotation file (.pkl)')
    parser.add_argument('--label-map', required=True,
                        help="class names of ann_file's labels, one per "
                        'line (line i is label i), or the Kinetics-skeleton '
                        "release's kinetics_{train,val}_label.json")
    parser.add_argument('--classes', required=True,
                        help='the classes to keep, one per line; the new '
                        'labels are their line indices')
    parser.add_argument('--out', required=True,
                        help='output annotation file (.pkl)')
    parser.add_argument('--out-label-map',
                        help="write the subset's label map (the names of "
                        '--label-map, in the order of --classes) here')
    return parser.parse_args(argv)


def subset_mapping(full_names: List[str], subset_names: List[str],
                   label_map: str, classes: str) -> Dict[int, int]:
    """``old label -> new label`` of the classes of ``subset_names``.

    Raises:
        InputError: if a listed class is not in ``full_names`` (with the
            closest names), or two names of one file are the same class.
    """
    full = class_index(full_names, label_map)
    class_index(subset_names, classes)  # refuse duplicates
    mapping: Dict[int, int] = {}
    for new, name in enumerate(subset_names):
        old = full.get(class_key(name))
        if old is None:
            raise InputError(f'{classes} line {new + 1}: ' +
                             unknown_class_message(name, 'class', full_names,
                                                   label_map))
        mapping[old] = new
    return mapping


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    check_input_files({'ann_file': args.ann_file,
                       '--label-map': args.label_map,
                       '--classes': args.classes})
    outputs = [args.out] + ([args.out_label_map]
                            if args.out_label_map else [])
    refuse_overwriting_inputs(
        outputs, [args.ann_file, args.label_map, args.classes])
    full_names = (release_class_names(args.label_map)
                  if args.label_map.endswith('.json') else
                  read_label_names(args.label_map))
    subset_names = read_label_names(args.classes)
    mapping = subset_mapping(full_names, subset_names, args.label_map,
                             args.classes)
    records, splits = split_records(safe_load_pickle(args.ann_file),
                                    args.ann_file)
    check_records(records, None, args.ann_file)

    kept = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            raise InputError(f'{args.ann_file}: record {i}: expected a '
                             f'dict, got {type(record).__name__}')
        label = record.get('label')
        where = (f"{args.ann_file}: record {i} (frame_dir="
                 f"{record.get('frame_dir')!r}): field 'label'")
        if isinstance(label, bool) or not isinstance(label, Integral):
            raise InputError(f'{where}: expected an int, got {label!r:.40}')
        label = int(label)
        if not 0 <= label < len(full_names):
            raise InputError(
                f'{where}: {label} is outside the {len(full_names)} classes '
                f'(0..{len(full_names) - 1}) of {args.label_map}')
        if label in mapping:
            kept.append(dict(record, label=mapping[label]))
    kept_ids = {r['frame_dir'] for r in kept}
    new_splits = None
    if splits is not None:
        new_splits = {name: [x for x in ids if x in kept_ids]
                      for name, ids in splits.items()}
    save_annotations(args.out, kept, new_splits,
                     num_classes=len(subset_names))
    if args.out_label_map:
        inverse = {new: old for old, new in mapping.items()}
        write_label_names(args.out_label_map,
                          [full_names[inverse[n]]
                           for n in range(len(subset_names))])

    summary: Dict[str, Dict] = {}
    groups = ({'(all records)': [r['frame_dir'] for r in records]}
              if splits is None else splits)
    by_id = {r['frame_dir']: r for r in kept}
    for name, ids in groups.items():
        labels = {by_id[x]['label'] for x in ids if x in by_id}
        summary[name] = dict(
            kept=sum(x in by_id for x in ids), total=len(ids),
            empty_classes=[subset_names[n] for n in range(len(subset_names))
                           if n not in labels])
    print(f'{args.out}: {len(kept)} of {len(records)} records, '
          f'{len(subset_names)} classes')
    for name, info in summary.items():
        empty = info['empty_classes']
        print(f'  {name}: kept {info["kept"]} of {info["total"]}' + (
            f'; no record for {len(empty)} classes: '
            f'{", ".join(empty)}' if empty else ''))
    if args.out_label_map:
        print(f'label map: {args.out_label_map}')
    return summary


if __name__ == '__main__':
    run_cli(main)

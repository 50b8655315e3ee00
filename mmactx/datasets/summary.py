"""What an annotation file holds: classes, splits, lengths, persons, gaps."""
from collections import Counter
from typing import Dict, Optional, Sequence

import numpy as np

from .annotation_io import (AnnotationError, check_records, check_split,
                            frame_dir_index, safe_load_pickle, split_records)


def _stats(values: Sequence[float]) -> Dict[str, float]:
    v = np.asarray(values, dtype=np.float64)
    return dict(
        min=float(v.min()), median=float(np.median(v)), mean=float(v.mean()),
        max=float(v.max()))


def missing_joints(record: Dict) -> tuple:
    """Missing and total joints of the persons present in each frame.

    A person is present in a frame if any of its joints is non-zero; a joint
    of a present person is missing if its coordinates are all 0 or (2D) its
    score is 0.

    Returns:
        tuple[int, int, int, int]: missing joints, joints of present
        persons, present person-frames, all person-frames.
    """
    kp = record['keypoint']
    zero = (kp == 0).all(axis=-1)  # [M, T, V]
    if 'keypoint_score' in record:
        zero = zero | (record['keypoint_score'] == 0)
    present = ~zero.all(axis=-1)  # [M, T]
    v = kp.shape[2]
    return (int(zero[present].sum()), int(present.sum()) * v,
            int(present.sum()), present.size)


def summarize(path: str,
              class_names: Optional[Sequence[str]] = None) -> Dict:
    """Summarise an annotation file (read safely and checked: every
    record, unique frame_dirs and every split).

    Args:
        path (str): The annotation file.
        class_names (Sequence[str], optional): Names of the labels.

    Returns:
        dict: ``samples``, ``layout`` (joints, dims, 2D/3D), ``splits``
        (name -> samples), ``classes`` (label -> samples), ``frames`` and
        ``persons`` (min, median, mean, max over samples), ``person_count``
        (M -> samples), ``missing_joint_share`` and
        ``empty_person_frame_share``.
    """
    records, splits = split_records(safe_load_pickle(path), path)
    if not records:
        raise AnnotationError(f'{path}: the file holds no records')
    check_records(records, None, path)
    index = frame_dir_index(records, path)
    splits = splits or {}
    for name in splits:
        check_split(splits, name, index, path)
    labels = Counter(int(r['label']) for r in records)
    counts = np.array([missing_joints(r) for r in records], dtype=np.int64)
    kp0 = records[0]['keypoint']
    names = list(class_names or [])
    return dict(
        file=path,
        samples=len(records),
        layout=dict(joints=int(kp0.shape[2]), dims=int(kp0.shape[3]),
                    scores='keypoint_score' in records[0]),
        splits={k: len(v) for k, v in splits.items()},
        classes={
            (names[k] if k < len(names) else str(k)): n
            for k, n in sorted(labels.items())
        },
        frames=_stats([r['keypoint'].shape[1] for r in records]),
        persons=_stats([r['keypoint'].shape[0] for r in records]),
        person_count={
            int(m): n
            for m, n in sorted(
                Counter(r['keypoint'].shape[0] for r in records).items())
        },
        missing_joint_share=float(counts[:, 0].sum() /
                                  max(counts[:, 1].sum(), 1)),
        empty_person_frame_share=float(1 - counts[:, 2].sum() /
                                       max(counts[:, 3].sum(), 1)))


def format_summary(s: Dict) -> str:
    """Human-readable text of :func:`summarize`."""
    lay = s['layout']
    kind = f"{lay['dims']}D" + (' with scores' if lay['scores'] else '')
    per_class = list(s['classes'].values())

    def stats(d):
        return (f"min {d['min']:g}, median {d['median']:g}, mean "
                f"{d['mean']:.1f}, max {d['max']:g}")

    lines = [
        f"{s['file']}: {s['samples']} samples, {lay['joints']} joints, "
        f'{kind}',
        f"classes: {len(s['classes'])} ({min(per_class)} to "
        f'{max(per_class)} samples each)',
    ]
    if s['splits']:
        lines.append('splits: ' + ', '.join(
            f'{k} {n}' for k, n in s['splits'].items()))
    else:
        lines.append('splits: none (a plain list of records)')
    lines += [
        f"frames per sample: {stats(s['frames'])}",
        'persons per sample: ' + ', '.join(
            f'{m}: {n}' for m, n in s['person_count'].items()),
        f"missing joints (of persons present in a frame): "
        f"{100 * s['missing_joint_share']:.2f}%",
        f"person-frames with nobody: "
        f"{100 * s['empty_person_frame_share']:.2f}%",
        'samples per class:',
    ]
    lines += [f'  {name}: {n}' for name, n in s['classes'].items()]
    return '\n'.join(lines)

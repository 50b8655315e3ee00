"""Per-class results of a test dump: accuracy, confusion matrix, and the
predictions of every class."""
import csv
import io
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmactx.utils.cli import InputError
from mmactx.utils.fileio import atomic_open, atomic_write_text


def confusion_matrix(pred: np.ndarray, labels: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """int64 [K, K]: row = true class, column = predicted class."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (labels, pred), 1)
    return cm


def class_report(scores: np.ndarray, labels: np.ndarray,
                 names: Sequence[str]) -> Dict:
    """Per-class numbers of [N, K] scores and [N] true labels.

    Returns:
        dict: ``confusion`` ([K, K] list), ``classes`` (per class: label,
        name, samples, correct, accuracy (None without samples),
        most_confused (name of the wrong class predicted most often, or
        None), most_confused_count) and ``predictions`` (per sample: index,
        label, name, predicted, predicted_name, score, correct).

    Raises:
        InputError: (a ``ValueError``) if the names are not one per class
            or a label is outside the classes.
    """
    num_classes = scores.shape[1]
    if len(names) != num_classes:
        raise InputError(f'{len(names)} class names for {num_classes} '
                         f'classes of scores')
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise InputError(f'labels {sorted(set(bad.tolist()))} outside '
                         f'0..{num_classes - 1}')
    pred = scores.argmax(1)
    cm = confusion_matrix(pred, labels, num_classes)
    classes = []
    for k in range(num_classes):
        total, correct = int(cm[k].sum()), int(cm[k, k])
        wrong = cm[k].copy()
        wrong[k] = 0
        worst = int(wrong.argmax())
        classes.append(
            dict(label=k, name=names[k], samples=total, correct=correct,
                 accuracy=correct / total if total else None,
                 most_confused=names[worst] if wrong[worst] else None,
                 most_confused_count=int(wrong[worst])))
    predictions = [
        dict(index=i, label=int(y), name=names[y], predicted=int(p),
             predicted_name=names[p], score=float(scores[i, p]),
             correct=bool(p == y))
        for i, (y, p) in enumerate(zip(labels, pred))
    ]
    return dict(confusion=cm.tolist(), classes=classes,
                predictions=predictions)


def _csv(rows: List[Dict], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(fields), lineterminator='\n')
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ('' if row[k] is None else row[k])
                         for k in fields})
    return out.getvalue()


def write_class_csv(report: Dict, path: str) -> None:
    """Per-class accuracy, one row per class."""
    atomic_write_text(
        _csv(report['classes'], ('label', 'name', 'samples', 'correct',
                                 'accuracy', 'most_confused',
                                 'most_confused_count')), path)


def write_prediction_csv(report: Dict, path: str) -> None:
    """Every sample's prediction, grouped by true class (then in dump
    order): the spreadsheet of labels, predictions and whether each is
    correct, per class."""
    rows = sorted(report['predictions'], key=lambda r: (r['label'],
                                                        r['index']))
    atomic_write_text(
        _csv(rows, ('label', 'name', 'index', 'predicted', 'predicted_name',
                    'score', 'correct')), path)


def write_confusion_csv(report: Dict, names: Sequence[str],
                        path: str) -> None:
    """The confusion matrix as CSV: a header of predicted class names, then
    one row per true class (its name, then its counts); names are quoted
    as CSV needs (a name may hold commas)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['true\\predicted', *names])
    for name, row in zip(names, report['confusion']):
        writer.writerow([name, *row])
    atomic_write_text(out.getvalue(), path)


def plot_confusion(cm: np.ndarray, names: Sequence[str], path: str,
                   title: Optional[str] = None) -> None:
    """Confusion matrix PNG: colours are row-normalised (recall per true
    class), cells show counts."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cm = np.asarray(cm)
    k = len(cm)
    rows = cm.sum(1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    size = min(4 + 0.45 * k, 40)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    im = ax.imshow(norm, cmap='Blues', vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04,
                 label='fraction of the true class')
    ax.set_xticks(range(k), names, rotation=60, ha='right',
                  fontsize=max(4, 10 - k // 12))
    ax.set_yticks(range(k), names, fontsize=max(4, 10 - k // 12))
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    if title:
        ax.set_title(title)
    if k <= 30:
        for i in range(k):
            for j in range(k):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha='center', va='center',
                            fontsize=7,
                            color='white' if norm[i, j] > 0.5 else 'black')
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=120)
    plt.close(fig)
